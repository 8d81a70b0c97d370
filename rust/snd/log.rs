// SPDX-License-Identifier: GPL-2.0

//! Kernel log messages worded exactly as the C drivers print them.

use kernel::{bindings, str::CStr};

/// Prints `message` at error level, as C's `if (printk_ratelimit()) pr_err(message)` does in
/// a file without `pr_fmt` (no module prefix, unlike Rust's `pr_err!`), at most as often as
/// the kernel's printk rate limit allows.
pub fn err_ratelimited(message: &CStr) {
    // SAFETY: `__printk_ratelimit()` only takes a name for its "callbacks suppressed" report.
    if unsafe { bindings::__printk_ratelimit(kernel::c_str!("snd-rs").as_char_ptr()) } == 0 {
        return;
    }
    // SAFETY: a KERN_ERR "%s\n" format with one NUL-terminated string argument.
    unsafe {
        bindings::_printk(
            kernel::c_str!("\x013%s\n").as_char_ptr(),
            message.as_char_ptr(),
        )
    };
}

/// Prints `message` at error level without a module prefix, as C's `pr_err()` in a file
/// without `pr_fmt`.
pub fn err(message: &CStr) {
    // SAFETY: a KERN_ERR "%s\n" format with one NUL-terminated string argument.
    unsafe {
        bindings::_printk(
            kernel::c_str!("\x013%s\n").as_char_ptr(),
            message.as_char_ptr(),
        )
    };
}
