// SPDX-License-Identifier: GPL-2.0

//! Text for ALSA info (procfs) files.

use crate::card::OwnedCard;
use core::fmt;
use kernel::{bindings, prelude::*, str::CStr, types::Opaque};

/// The text buffer of an ALSA info file's read callback, written with `write!`.
///
/// C: `struct snd_info_buffer` and `snd_iprintf()`. Like `snd_iprintf()`, output that does
/// not fit is dropped by the seq_file, which then retries the whole read with a larger buffer.
///
/// # Invariants
///
/// The wrapped `snd_info_buffer` is one ALSA passes to a read callback: its `buffer` field is
/// the `seq_file` of the read in progress.
#[repr(transparent)]
pub struct InfoBuffer(Opaque<bindings::snd_info_buffer>);

impl InfoBuffer {
    /// Borrows the buffer an info read callback was given, as an `extern "C"` entry point
    /// receives it.
    ///
    /// # Safety
    ///
    /// As for [`InfoBuffer::from_raw`].
    pub unsafe fn from_ptr<'a>(ptr: *mut InfoBuffer) -> &'a mut Self {
        // SAFETY: the caller guarantees the buffer is valid and ours for `'a`.
        unsafe { &mut *ptr }
    }

    /// Wraps the buffer an info read callback was given.
    ///
    /// # Safety
    ///
    /// `ptr` must be the `buffer` argument of a running `snd_info_entry` text read callback;
    /// the returned reference must not outlive that call.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::snd_info_buffer) -> &'a mut Self {
        // SAFETY: `InfoBuffer` is `repr(transparent)` over the C struct, which the caller
        // guarantees is valid and exclusively ours for the duration of the callback.
        unsafe { &mut *ptr.cast() }
    }
}

/// What a user wrote to an ALSA info file, as its write callback sees it.
///
/// C: `struct snd_info_buffer` in a `write` callback.
///
/// # Invariants
///
/// The wrapped buffer is the one ALSA passes to a running write callback.
#[repr(transparent)]
pub struct InfoInput(Opaque<bindings::snd_info_buffer>);

impl InfoInput {
    /// The next line written to the file, without its newline, in `line` (truncated to fit);
    /// `None` at the end. C: `snd_info_get_line()`.
    pub fn get_line<'a>(&mut self, line: &'a mut [u8]) -> Option<&'a [u8]> {
        let len = i32::try_from(line.len()).ok()?;
        // SAFETY: a write callback's buffer (type invariant); `line` is valid for `len` bytes.
        let eof = unsafe { bindings::snd_info_get_line(self.0.get(), line.as_mut_ptr(), len) };
        if eof != 0 {
            return None;
        }
        Some(crate::until_nul(line))
    }
}

impl InfoBuffer {
    /// Writes raw bytes, as `snd_iprintf("%s", ...)` does for a string that may not be UTF-8.
    pub fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        // SAFETY: by the type invariant `buffer` holds the `seq_file` of this read.
        let file = unsafe { (*self.0.get()).buffer }.cast::<bindings::seq_file>();
        // SAFETY: `file` is the live seq_file of this read; `bytes` is valid for its length.
        let ret = unsafe { bindings::seq_write(file, bytes.as_ptr().cast(), bytes.len()) };
        if ret == 0 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

impl fmt::Write for InfoBuffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.write_bytes(text.as_bytes())
    }
}

/// A text file under `/proc/asound/<card>/` whose content the driver prints (and, if it has
/// `write`, parses).
///
/// C: `snd_card_ro_proc_new()` / `snd_card_rw_proc_new()` callbacks.
#[vtable]
pub trait TextEntry {
    /// The card's driver data.
    type Chip: Send + Sync;

    /// Prints the file; `name` is the entry's name (e.g. "cable#0"). C: `read`.
    fn read(chip: &Self::Chip, name: &CStr, buffer: &mut InfoBuffer);

    /// Takes what a user wrote. C: `write`.
    fn write(_chip: &Self::Chip, _input: &mut InfoInput) {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Adds text entry `name` (mode 0444, or 0644 with a `write`) to the card.
///
/// C: `snd_card_rw_proc_new(card, name, chip, read, write)`.
pub fn add_text<E: TextEntry>(card: &OwnedCard<E::Chip>, name: &CStr) -> Result {
    let chip = core::ptr::from_ref(card.data().get_ref()).cast_mut();
    let write = if E::HAS_WRITE {
        Some(write::<E> as unsafe extern "C" fn(_, _))
    } else {
        None
    };
    // SAFETY: the card is live; `name` is copied; `chip` outlives the entry, which the card
    // frees before its driver data.
    kernel::error::to_result(unsafe {
        bindings::snd_card_rw_proc_new(
            card.card().as_ptr(),
            name.as_char_ptr(),
            chip.cast(),
            Some(read::<E>),
            write,
        )
    })
}

/// # Safety
///
/// Called by ALSA for an entry made by [`add_text::<E>`].
unsafe extern "C" fn read<E: TextEntry>(
    entry: *mut bindings::snd_info_entry,
    buffer: *mut bindings::snd_info_buffer,
) {
    // SAFETY: the entry is live during its callback; `private_data` is the card's `E::Chip`;
    // `name` is the entry's NUL-terminated name; `buffer` is this read's.
    unsafe {
        let chip = &*(*entry).private_data.cast::<E::Chip>();
        let name = CStr::from_char_ptr((*entry).name);
        E::read(chip, name, InfoBuffer::from_raw(buffer));
    }
}

/// # Safety
///
/// Called by ALSA for an entry made by [`add_text::<E>`] with a write callback.
unsafe extern "C" fn write<E: TextEntry>(
    entry: *mut bindings::snd_info_entry,
    buffer: *mut bindings::snd_info_buffer,
) {
    // SAFETY: as in `read`; `buffer` holds what was written.
    unsafe {
        let chip = &*(*entry).private_data.cast::<E::Chip>();
        // INVARIANT: `buffer` is this write callback's.
        E::write(chip, &mut *buffer.cast::<InfoInput>());
    }
}
