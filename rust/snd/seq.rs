// SPDX-License-Identifier: GPL-2.0

//! The sequencer: events, kernel clients and ports, sequencer device drivers, the MIDI
//! event codec.

pub mod client;
pub mod device;
pub mod midi_event;

use core::{marker::PhantomData, ops::Deref};
use kernel::{
    bindings,
    error::{code::EINVAL, to_result},
    ffi::{c_int, c_void},
    prelude::*,
    types::Opaque,
};

/// A sequencer event, borrowed from the sequencer core or built by a [`VariableEvent`].
///
/// C: `struct snd_seq_event`.
///
/// # Invariants
///
/// The wrapped event is initialised; when it is variable-length, its `data.ext` describes
/// data that stays valid and unchanged for as long as the `Event` is borrowed.
#[repr(transparent)]
pub struct Event(Opaque<bindings::snd_seq_event>);

/// Sequencer event types (`Event::kind`). C: `SNDRV_SEQ_EVENT_*`.
pub mod kind {
    use kernel::bindings;
    /// Note on.
    pub const NOTEON: u8 = bindings::SNDRV_SEQ_EVENT_NOTEON as u8;
    /// Echo (no MIDI form).
    pub const ECHO: u8 = bindings::SNDRV_SEQ_EVENT_ECHO as u8;
    /// System exclusive (variable length).
    pub const SYSEX: u8 = bindings::SNDRV_SEQ_EVENT_SYSEX as u8;
}

/// What the OSS sequencer emulation puts in its read queue. C: `SNDRV_SEQ_OSS_MODE_*` and
/// the `<sound/soundcard.h>` event codes.
pub mod oss {
    use kernel::bindings;
    /// Synth mode. C: `SNDRV_SEQ_OSS_MODE_SYNTH`.
    pub const MODE_SYNTH: i32 = bindings::SNDRV_SEQ_OSS_MODE_SYNTH as i32;
    /// Music mode. C: `SNDRV_SEQ_OSS_MODE_MUSIC`.
    pub const MODE_MUSIC: i32 = bindings::SNDRV_SEQ_OSS_MODE_MUSIC as i32;
    /// A MIDI byte record. C: `SEQ_MIDIPUTC`.
    pub const SEQ_MIDIPUTC: u8 = bindings::SEQ_MIDIPUTC as u8;
    /// A timing record. C: `EV_TIMING`.
    pub const EV_TIMING: u8 = bindings::EV_TIMING as u8;
    /// Absolute wait. C: `TMR_WAIT_ABS` (also `SEQ_WAIT`, a macro alias bindgen drops).
    pub const TMR_WAIT_ABS: u8 = bindings::TMR_WAIT_ABS as u8;
}

/// An event the sequencer core may take for dispatch: fixed-length ([`EventBuf`]) or one
/// whose variable data is borrowed for as long as the value is (e.g.
/// [`midi_event::Encoded`]). Sealed: the layer alone knows which events keep their data alive.
pub trait Dispatch: private::Sealed {
    /// The C event, valid with its data for the dispatch.
    fn as_dispatch_ptr(&mut self) -> *mut bindings::snd_seq_event;
}

pub(crate) mod private {
    pub trait Sealed {}
    impl Sealed for super::EventBuf {}
    impl Sealed for super::midi_event::Encoded<'_> {}
}

impl Dispatch for EventBuf {
    fn as_dispatch_ptr(&mut self) -> *mut bindings::snd_seq_event {
        self.as_mut_ptr()
    }
}

impl Event {
    /// Borrows an event the sequencer core handed to a callback (C's own pointer type, as
    /// `extern "C"` entry points receive it).
    ///
    /// # Safety
    ///
    /// As for [`Event::from_raw`].
    pub unsafe fn from_ptr<'a>(ptr: *const Event) -> &'a Self {
        // SAFETY: the caller vouches for the event, for `'a`.
        unsafe { &*ptr }
    }

    /// Borrows an event the sequencer core handed to a callback.
    ///
    /// # Safety
    ///
    /// `ptr` must point to an initialised event whose variable-length data (if any) stays valid
    /// and unchanged for `'a`, as the sequencer core guarantees during an event callback.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::snd_seq_event) -> &'a Self {
        // SAFETY: `Event` is `repr(transparent)` over the C struct; the caller vouches for it.
        unsafe { &*ptr.cast() }
    }

    fn raw(&self) -> &bindings::snd_seq_event {
        // SAFETY: the event is initialised (type invariant), and nothing writes to it while
        // `self` is borrowed.
        unsafe { &*self.0.get() }
    }

    /// The event type ([`kind`], C: `SNDRV_SEQ_EVENT_*`).
    pub fn kind(&self) -> u8 {
        self.raw().type_
    }

    /// The variable-length data as one slice, when it is stored in one piece in kernel
    /// memory (as events built by [`VariableEvent`] or the MIDI encoder are).
    pub fn variable_data(&self) -> Option<&[u8]> {
        if !self.is_variable_length() {
            return None;
        }
        // SAFETY: a variable-length event's data member is `ext` (flags checked above).
        let ext = unsafe { self.raw().data.ext };
        let len = ext.len & !bindings::SNDRV_SEQ_EXT_MASK;
        if ext.len & bindings::SNDRV_SEQ_EXT_MASK != 0 || ext.ptr.is_null() {
            return None;
        }
        // SAFETY: plain (not chained, not user) data of `len` bytes at `ptr`, valid while the
        // event is borrowed (type invariant).
        Some(unsafe { core::slice::from_raw_parts(ext.ptr.cast::<u8>(), len as usize) })
    }

    /// Whether the event carries variable-length data (sysex and the like).
    pub fn is_variable_length(&self) -> bool {
        u32::from(self.raw().flags) & bindings::SNDRV_SEQ_EVENT_LENGTH_MASK
            == bindings::SNDRV_SEQ_EVENT_LENGTH_VARIABLE
    }

    /// Passes the variable-length data to `sink`, chunk by chunk as the sequencer stores it
    /// (chained cells give several chunks). Stops at and returns the first error of `sink`;
    /// a fixed-length event gives `EINVAL`.
    ///
    /// C: `snd_seq_dump_var_event()`.
    pub fn dump_variable<F: FnMut(&[u8]) -> Result>(&self, mut sink: F) -> Result {
        /// The C callback: hands one chunk to the closure behind `ctx`.
        ///
        /// # Safety
        ///
        /// `ctx` points to the `F` of this call; `buf` holds `count` readable bytes.
        unsafe extern "C" fn chunk<F: FnMut(&[u8]) -> Result>(
            ctx: *mut c_void,
            buf: *mut c_void,
            count: c_int,
        ) -> c_int {
            // SAFETY: `ctx` is the `&mut F` passed below, used by one callback at a time.
            let sink = unsafe { &mut *ctx.cast::<F>() };
            let len = usize::try_from(count).unwrap_or(0);
            // SAFETY: the sequencer core passes `count` bytes of the event's data at `buf`.
            let data = unsafe { core::slice::from_raw_parts(buf.cast::<u8>().cast_const(), len) };
            match sink(data) {
                Ok(()) => 0,
                Err(e) => e.to_errno(),
            }
        }
        let ctx = core::ptr::from_mut(&mut sink).cast::<c_void>();
        // SAFETY: the event is initialised and its data valid (type invariant); `chunk::<F>`
        // matches `snd_seq_dump_func_t` and `ctx` outlives the call, which does not keep it.
        to_result(unsafe { bindings::snd_seq_dump_var_event(self.0.get(), Some(chunk::<F>), ctx) })
    }
}

/// A variable-length event whose data is a borrowed byte slice.
///
/// C: an on-stack `struct snd_seq_event` with `SNDRV_SEQ_EVENT_LENGTH_VARIABLE` and
/// `data.ext = { len, ptr }`, as kernel clients build them.
pub struct VariableEvent<'a> {
    event: Event,
    _data: PhantomData<&'a [u8]>,
}

impl<'a> VariableEvent<'a> {
    /// An event of type `kind` (e.g. [`kind::SYSEX`]) carrying `data`.
    ///
    /// Fails with `EINVAL` when `data` is too long for `data.ext.len`, whose top bits are flags.
    pub fn new(kind: u8, data: &'a [u8]) -> Result<Self> {
        let len = u32::try_from(data.len()).map_err(|_| EINVAL)?;
        if len & bindings::SNDRV_SEQ_EXT_MASK != 0 {
            return Err(EINVAL);
        }
        let mut raw = bindings::snd_seq_event {
            type_: kind,
            // The constant fits in the byte-wide field.
            flags: bindings::SNDRV_SEQ_EVENT_LENGTH_VARIABLE as u8,
            ..Default::default()
        };
        // INVARIANT: `data` outlives `'a`, for which `Self` (and so the event) is borrowed;
        // the sequencer only reads through `ptr` (`*mut` is C's type).
        raw.data.ext = bindings::snd_seq_ev_ext {
            len,
            ptr: data.as_ptr().cast_mut().cast(),
        };
        Ok(Self {
            event: Event(Opaque::new(raw)),
            _data: PhantomData,
        })
    }
}

impl Deref for VariableEvent<'_> {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.event
    }
}

/// A fixed-length event owned by its builder (and the one the MIDI encoder fills byte by
/// byte, which it never hands out by `&mut`: a completed sysex there points into the
/// encoder's buffer).
///
/// C: an on-stack `struct snd_seq_event`, cleared with `memset()`.
///
/// # Invariants
///
/// Outside the MIDI encoder, the event carries no pointer: nothing public writes `data.ext`.
pub struct EventBuf(Event);

impl EventBuf {
    /// A zeroed event (type 0, fixed length, all addresses 0).
    pub fn new() -> Self {
        Self(Event(Opaque::new(bindings::snd_seq_event::default())))
    }

    /// A fixed-length event of type `kind`, all else zero.
    pub fn of_kind(kind: u8) -> Self {
        let mut event = Self::new();
        event.raw_mut().type_ = kind;
        event
    }

    /// The C event, for the encoder to fill and the sequencer core to dispatch.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut bindings::snd_seq_event {
        self.0 .0.get()
    }

    fn raw_mut(&mut self) -> &mut bindings::snd_seq_event {
        // SAFETY: the event is ours alone (`&mut self`) and initialised.
        unsafe { &mut *self.0 .0.get() }
    }

    /// Back to all zeroes. C: `memset(&ev, 0, sizeof(ev))`.
    pub fn clear(&mut self) {
        *self.raw_mut() = bindings::snd_seq_event::default();
    }

    /// Sets the source port (the client is set by the dispatcher).
    pub fn set_source_port(&mut self, port: u8) {
        self.raw_mut().source.port = port;
    }

    /// Addresses the event to every subscriber of its source port.
    ///
    /// C: `ev.dest.client = SNDRV_SEQ_ADDRESS_SUBSCRIBERS`.
    pub fn to_subscribers(&mut self) {
        self.raw_mut().dest.client = bindings::SNDRV_SEQ_ADDRESS_SUBSCRIBERS as u8;
    }

    /// Sets the note fields (`data.note`) of a note event.
    pub fn set_note(&mut self, channel: u8, note: u8, velocity: u8) {
        let raw = self.raw_mut();
        raw.data.note.channel = channel;
        raw.data.note.note = note;
        raw.data.note.velocity = velocity;
    }
}

impl Default for EventBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for EventBuf {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.0
    }
}
