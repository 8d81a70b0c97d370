// SPDX-License-Identifier: GPL-2.0

//! The MIDI event codec: MIDI bytes to sequencer events and back.

use super::{Event, EventBuf};
use core::ptr::NonNull;
use kernel::{bindings, error::code::ENOMEM, ffi::c_long, prelude::*};

/// A MIDI byte-stream encoder and decoder, with its running state (partial message, running
/// status); one per port, shared by its input and output paths.
///
/// C: `struct snd_midi_event`. Its functions lock the codec's own IRQ-safe spinlock, so a
/// shared reference is enough to use it from any context.
///
/// # Invariants
///
/// Points to a codec from `snd_midi_event_new()`, freed only in `drop`.
pub struct MidiCodec(NonNull<bindings::snd_midi_event>);

// SAFETY: the codec is a heap object with its own lock, usable from any thread.
unsafe impl Send for MidiCodec {}
// SAFETY: every C function on it takes its spinlock (or touches only immutable fields).
unsafe impl Sync for MidiCodec {}

impl MidiCodec {
    /// A codec buffering up to `bufsize` bytes of one message (sysex longer than that is
    /// passed on in pieces). C: `snd_midi_event_new()`.
    pub fn new(bufsize: usize) -> Result<Self> {
        let bufsize = i32::try_from(bufsize).map_err(|_| ENOMEM)?;
        let mut codec = core::ptr::null_mut();
        // SAFETY: `codec` is a valid out-pointer.
        kernel::error::to_result(unsafe { bindings::snd_midi_event_new(bufsize, &mut codec) })?;
        // INVARIANT: a successful `snd_midi_event_new()` returns a codec.
        NonNull::new(codec).map(Self).ok_or(ENOMEM)
    }

    /// Forgets a partial incoming message. C: `snd_midi_event_reset_encode()`.
    pub fn reset_encode(&self) {
        // SAFETY: the codec is live (type invariant).
        unsafe { bindings::snd_midi_event_reset_encode(self.0.as_ptr()) };
    }

    /// Forgets the running status of the output. C: `snd_midi_event_reset_decode()`.
    pub fn reset_decode(&self) {
        // SAFETY: the codec is live (type invariant).
        unsafe { bindings::snd_midi_event_reset_decode(self.0.as_ptr()) };
    }

    /// Feeds one MIDI byte; true when it completed an event, which is then in `event`.
    ///
    /// A completed sysex points into the codec's buffer: dispatch it before the next byte.
    ///
    /// C: `snd_midi_event_encode_byte()`.
    pub fn encode_byte(&self, byte: u8, event: &mut EventBuf) -> bool {
        // SAFETY: the codec is live; `event` is a valid event we exclusively own.
        unsafe { bindings::snd_midi_event_encode_byte(self.0.as_ptr(), byte, event.as_mut_ptr()) }
    }

    /// Writes the MIDI bytes of `event` into `buf` (with running status when the previous
    /// message allows it); the number of bytes, or `ENOENT` for an event type MIDI cannot
    /// express and `ENOMEM` when `buf` is too small.
    ///
    /// C: `snd_midi_event_decode()`.
    pub fn decode(&self, event: &Event, buf: &mut [u8]) -> Result<usize> {
        let room = c_long::try_from(buf.len()).unwrap_or(c_long::MAX);
        // SAFETY: the codec is live; `event` is initialised and `buf` writable for `room`.
        let n = unsafe {
            bindings::snd_midi_event_decode(self.0.as_ptr(), buf.as_mut_ptr(), room, event.0.get())
        };
        usize::try_from(n).map_err(|_| Error::from_errno(n as i32))
    }
}

impl Drop for MidiCodec {
    fn drop(&mut self) {
        // SAFETY: the codec came from `snd_midi_event_new()` and is not used after this.
        unsafe { bindings::snd_midi_event_free(self.0.as_ptr()) };
    }
}
