// SPDX-License-Identifier: GPL-2.0

//! ALSA abstractions for the snd-rs modules.
//!
//! Linux 6.12 has no sound support in Rust; this crate wraps the part of the ALSA kernel API
//! that the snd-rs modules use, and nothing more. Each wrapper names the C API it stands for.
//! Locking helpers live in `snd_sync`.

#![no_std]
// No panic reachable from input (docs/panic-audit.md): arithmetic wraps or is checked as C's
// unsigned/int arithmetic does, indexing is checked, nothing unwraps. An exception carries
// `#[allow(..., reason = "...")]` saying why it cannot panic.
#![deny(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

pub mod card;
pub mod control;
pub mod info;
pub mod jiffies_timer;
pub mod log;
pub mod param;
pub mod pcm;
pub mod platform;
pub mod rawmidi;
pub mod seq;
pub mod timer;
pub mod work;

/// The bytes of a fixed-size C name field before its NUL (all of them if there is none).
pub(crate) fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(&[])
}

/// Parses a C integer the way `kstrtoint(text, base, &res)` does (base 0: `0x` hex, leading `0`
/// octal; one trailing newline allowed): `EINVAL` for text that is not a number, `ERANGE` for
/// one that does not fit.
pub fn kstrtoint(text: &[u8], base: u32) -> kernel::error::Result<i32> {
    use kernel::alloc::{flags::GFP_KERNEL, KVec};
    let mut buf = KVec::with_capacity(text.len().saturating_add(1), GFP_KERNEL)?;
    buf.extend_from_slice(text, GFP_KERNEL)?;
    buf.push(0, GFP_KERNEL)?;
    let mut value = 0;
    // SAFETY: `buf` is NUL-terminated (an interior NUL ends the text early, as in C).
    kernel::error::to_result(unsafe {
        kernel::bindings::kstrtoint(buf.as_ptr(), base, &mut value)
    })?;
    Ok(value)
}
