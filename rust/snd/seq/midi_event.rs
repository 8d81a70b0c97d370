// SPDX-License-Identifier: GPL-2.0

//! The MIDI event codec: MIDI bytes to sequencer events ([`MidiEncoder`]) and back
//! ([`MidiDecoder`]).
//!
//! C has one `struct snd_midi_event` for both directions, but their states are disjoint: the
//! encoder uses `buf`, `read`, `qlen` and `type`, the decoder `lastcmd` and `nostat`. Here each
//! direction has a codec of its own, so that the encoder's buffer, which a completed sysex
//! event points into, can be owned (`&mut`) by its one user while the decoder is shared.

use super::{Dispatch, Event, EventBuf};
use core::{ops::Deref, ptr::NonNull};
use kernel::{bindings, error::code::ENOMEM, ffi::c_long, prelude::*};

/// The size of a port's encoder buffer in the sequencer's own bridges. C: `MAX_MIDI_EVENT_BUF`.
pub const MAX_MIDI_EVENT_BUF: usize = bindings::MAX_MIDI_EVENT_BUF as usize;

/// A C codec from `snd_midi_event_new()`, freed when dropped.
///
/// # Invariants
///
/// Points to a codec from `snd_midi_event_new()`, freed only in `drop`.
struct Codec(NonNull<bindings::snd_midi_event>);

// SAFETY: the codec is a heap object; its functions take its own spinlock.
unsafe impl Send for Codec {}

impl Codec {
    fn new(bufsize: usize) -> Result<Self> {
        let bufsize = i32::try_from(bufsize).map_err(|_| ENOMEM)?;
        let mut codec = core::ptr::null_mut();
        // SAFETY: `codec` is a valid out-pointer.
        kernel::error::to_result(unsafe { bindings::snd_midi_event_new(bufsize, &mut codec) })?;
        // INVARIANT: a successful `snd_midi_event_new()` returns a codec.
        NonNull::new(codec).map(Self).ok_or(ENOMEM)
    }

    fn as_ptr(&self) -> *mut bindings::snd_midi_event {
        self.0.as_ptr()
    }
}

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: the codec came from `snd_midi_event_new()` and is not used after this.
        unsafe { bindings::snd_midi_event_free(self.0.as_ptr()) };
    }
}

/// MIDI bytes to sequencer events, with the state of a partial message.
///
/// A completed sysex event points into the encoder's buffer, which the next byte rewrites: so
/// [`MidiEncoder::encode_byte`] needs the encoder exclusively (`&mut`), and the event it
/// returns borrows the encoder until it is dropped. The encoder is `Send` but not `Sync`.
///
/// C: `struct snd_midi_event` used with `snd_midi_event_encode_byte()`.
pub struct MidiEncoder {
    codec: Codec,
    /// The event being assembled. C: the caller's on-stack event, cleared after each
    /// completed one.
    event: EventBuf,
}

// SAFETY: the encoder owns its codec and its event, whose data points only into that codec's
// buffer; both may move to another thread together.
unsafe impl Send for MidiEncoder {}

impl MidiEncoder {
    /// An encoder buffering up to `bufsize` bytes of one message (sysex longer than that is
    /// passed on in pieces). C: `snd_midi_event_new()`.
    pub fn new(bufsize: usize) -> Result<Self> {
        Ok(Self {
            codec: Codec::new(bufsize)?,
            event: EventBuf::new(),
        })
    }

    /// Forgets a partial incoming message. C: `snd_midi_event_reset_encode()`.
    pub fn reset(&mut self) {
        // SAFETY: the codec is live (type invariant of `Codec`).
        unsafe { bindings::snd_midi_event_reset_encode(self.codec.as_ptr()) };
    }

    /// Feeds one MIDI byte; the completed event, if it completed one. The event (and a
    /// sysex's data in the encoder's buffer) lives until the returned value is dropped, which
    /// clears it for the next one.
    ///
    /// C: `snd_midi_event_encode_byte()`.
    pub fn encode_byte(&mut self, byte: u8) -> Option<Encoded<'_>> {
        // SAFETY: the codec is live; the event is a valid event we exclusively own.
        let done = unsafe {
            bindings::snd_midi_event_encode_byte(self.codec.as_ptr(), byte, self.event.as_mut_ptr())
        };
        // INVARIANT: the event was just completed; it is cleared before the encoder runs
        // again (`Encoded::drop`), and the encoder's buffer is not written while `&mut self`
        // is borrowed by the result.
        done.then_some(Encoded {
            event: &mut self.event,
        })
    }
}

/// An event the encoder completed; its variable data (a sysex) lives in the encoder's buffer,
/// so it borrows the encoder. Cleared when dropped. C: `memset(&ev, 0, sizeof(ev))` after
/// dispatching it.
///
/// # Invariants
///
/// `event` is the encoder's completed event; its data stays valid while this value lives.
pub struct Encoded<'a> {
    event: &'a mut EventBuf,
}

impl Encoded<'_> {
    /// Sets the source port (the client is set by the dispatcher).
    pub fn set_source_port(&mut self, port: u8) {
        self.event.set_source_port(port);
    }

    /// Addresses the event to every subscriber of its source port.
    pub fn to_subscribers(&mut self) {
        self.event.to_subscribers();
    }
}

impl Deref for Encoded<'_> {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.event.0
    }
}

impl Dispatch for Encoded<'_> {
    fn as_dispatch_ptr(&mut self) -> *mut bindings::snd_seq_event {
        // The data stays valid during the dispatch (type invariant); the sequencer core copies
        // what it keeps.
        self.event.as_mut_ptr()
    }
}

impl Drop for Encoded<'_> {
    fn drop(&mut self) {
        self.event.clear();
    }
}

/// Sequencer events to MIDI bytes, with the running status of the output.
///
/// C: `struct snd_midi_event` used with `snd_midi_event_decode()`. Its functions take the
/// codec's own IRQ-safe spinlock, and a decoded message is written to the caller's buffer, so
/// a shared reference is enough to use it from any context.
pub struct MidiDecoder {
    codec: Codec,
}

// SAFETY: every C function used on it takes the codec's spinlock; decoding writes only to the
// caller's buffer (the codec's own buffer is the encoder's, and a decoder has none).
unsafe impl Sync for MidiDecoder {}

impl MidiDecoder {
    /// A decoder. C: `snd_midi_event_new(0, ...)` (no encode buffer).
    pub fn new() -> Result<Self> {
        Ok(Self {
            codec: Codec::new(0)?,
        })
    }

    /// Forgets the running status of the output. C: `snd_midi_event_reset_decode()`.
    pub fn reset(&self) {
        // SAFETY: the codec is live (type invariant of `Codec`).
        unsafe { bindings::snd_midi_event_reset_decode(self.codec.as_ptr()) };
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
            bindings::snd_midi_event_decode(
                self.codec.as_ptr(),
                buf.as_mut_ptr(),
                room,
                event.0.get(),
            )
        };
        usize::try_from(n).map_err(|_| Error::from_errno(n as i32))
    }
}
