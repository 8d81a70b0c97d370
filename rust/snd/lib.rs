// SPDX-License-Identifier: GPL-2.0

//! ALSA abstractions for the snd-rs modules.
//!
//! Linux 6.12 has no sound support in Rust; this crate wraps the part of the ALSA kernel API
//! that the snd-rs modules use, and nothing more. Each wrapper names the C API it stands for.
//! Locking helpers live in `snd_sync`.

#![no_std]

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

/// The bytes of a fixed-size C name field before its NUL (all of them if there is none).
pub(crate) fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(&[])
}
