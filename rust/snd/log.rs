// SPDX-License-Identifier: GPL-2.0

//! Kernel log messages worded exactly as the C drivers print them.

use core::fmt;
use kernel::{bindings, str::CStr};

/// The kernel's device printk functions (`_dev_err()`, `_dev_warn()`, ...).
pub(crate) type DevPrintk = unsafe extern "C" fn(*const bindings::device, *const u8, ...);

/// Prints `args` through `printk` (e.g. `bindings::_dev_err`) for `dev`, prefixed by driver
/// and device name as C's `dev_err()`/`dev_warn()` do.
///
/// # Safety
///
/// `dev` must be a live device.
pub(crate) unsafe fn dev_print(
    printk: DevPrintk,
    dev: *const bindings::device,
    args: fmt::Arguments<'_>,
) {
    // SAFETY: `%pA` prints a `fmt::Arguments` (the kernel crate's printk extension); `dev` is
    // live (caller).
    unsafe {
        printk(
            dev,
            kernel::c_str!("%pA").as_char_ptr(),
            core::ptr::from_ref(&args).cast::<kernel::ffi::c_void>(),
        )
    };
}

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
