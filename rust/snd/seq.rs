// SPDX-License-Identifier: GPL-2.0

//! Sequencer events, as kernel clients receive and build them.

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

impl Event {
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

    /// The event type (`SNDRV_SEQ_EVENT_*`).
    pub fn kind(&self) -> u32 {
        self.raw().type_.into()
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
    /// An event of type `kind` (e.g. `SNDRV_SEQ_EVENT_SYSEX`) carrying `data`.
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

/// A fixed-length event of type `kind`, all else zero (for tests and simple clients).
pub fn fixed_event(kind: u8) -> FixedEvent {
    FixedEvent(Event(Opaque::new(bindings::snd_seq_event {
        type_: kind,
        ..Default::default()
    })))
}

/// An owned fixed-length event; see [`fixed_event`].
pub struct FixedEvent(Event);

impl Deref for FixedEvent {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.0
    }
}
