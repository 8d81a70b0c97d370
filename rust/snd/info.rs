// SPDX-License-Identifier: GPL-2.0

//! Text for ALSA info (procfs) files.

use core::fmt;
use kernel::{bindings, types::Opaque};

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

impl fmt::Write for InfoBuffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // SAFETY: by the type invariant `buffer` holds the `seq_file` of this read.
        let file = unsafe { (*self.0.get()).buffer }.cast::<bindings::seq_file>();
        // SAFETY: `file` is the live seq_file of this read; `text` is valid for its length.
        let ret = unsafe { bindings::seq_write(file, text.as_ptr().cast(), text.len()) };
        if ret == 0 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}
