// SPDX-License-Identifier: GPL-2.0

//! ALSA timer instances: a driver paced by another card's PCM timer or a global timer.
//!
//! C: `snd_timer_instance_new()`, `snd_timer_open()`, `snd_timer_start()`, `snd_timer_stop()`,
//! `snd_timer_close()`, `snd_timer_instance_free()`.

use core::ptr::NonNull;
use kernel::{
    bindings,
    ffi::{c_int, c_ulong},
    prelude::*,
    str::CStr,
    sync::{Arc, ArcBorrow},
};

/// Which timer to open. C: `struct snd_timer_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerId {
    /// C: `dev_class` (`SNDRV_TIMER_CLASS_*`).
    pub dev_class: i32,
    /// C: `dev_sclass` (`SNDRV_TIMER_SCLASS_*`).
    pub dev_sclass: i32,
    /// Card number (-1 for global timers).
    pub card: i32,
    /// Device number.
    pub device: i32,
    /// Subdevice number.
    pub subdevice: i32,
}

impl TimerId {
    /// A PCM timer opened by an application-class client: the class aloop starts from.
    pub const fn pcm_application() -> Self {
        Self {
            dev_class: bindings::SNDRV_TIMER_CLASS_PCM,
            dev_sclass: bindings::SNDRV_TIMER_SCLASS_APPLICATION as i32,
            card: 0,
            device: 0,
            subdevice: 0,
        }
    }

    /// C: `SNDRV_TIMER_CLASS_GLOBAL`.
    pub const CLASS_GLOBAL: i32 = bindings::SNDRV_TIMER_CLASS_GLOBAL;
}

/// Timer events a client sees. C: `SNDRV_TIMER_EVENT_*`.
pub mod event {
    /// A tick (the periodic callback).
    pub const TICK: i32 = kernel::bindings::SNDRV_TIMER_EVENT_TICK as i32;
    /// The master timer stopped (its card stopped).
    pub const MSTOP: i32 = kernel::bindings::SNDRV_TIMER_EVENT_MSTOP as i32;
}

/// What a timer instance calls. Both callbacks run in atomic context.
pub trait TimerClient: Send + Sync + 'static {
    /// The timer ticked; `resolution` is the tick length in ns. C: `timeri->callback`
    /// (called as `callback(ti, resolution, ticks)`).
    fn tick(this: ArcBorrow<'_, Self>, resolution: u64, ticks: u64);

    /// A timer event, called with the timer's own lock held: do not take a lock that is
    /// held around [`TimerInstance::start`]. C: `timeri->ccallback`.
    fn event(this: ArcBorrow<'_, Self>, event: i32, resolution: u64);
}

/// An open timer instance calling `T`; closed (waiting for a running callback) when dropped.
///
/// # Invariants
///
/// `raw` is open, with `callback_data` an `Arc<T>` given up by [`TimerInstance::open`], which
/// `drop` takes back after closing.
pub struct TimerInstance<T: TimerClient> {
    raw: NonNull<bindings::snd_timer_instance>,
    _client: core::marker::PhantomData<Arc<T>>,
}

// SAFETY: the timer core locks its own state; `T` is `Send + Sync`.
unsafe impl<T: TimerClient> Send for TimerInstance<T> {}
// SAFETY: as above.
unsafe impl<T: TimerClient> Sync for TimerInstance<T> {}

impl<T: TimerClient> TimerInstance<T> {
    /// Opens timer `id` for `owner` (a name shown in /proc/asound/timers), with callbacks
    /// from the timer's work context (`SNDRV_TIMER_IFLG_AUTO`).
    pub fn open(owner: &CStr, id: &TimerId, client: Arc<T>) -> Result<Self> {
        // SAFETY: `owner` is NUL-terminated; the core copies it.
        let raw = unsafe { bindings::snd_timer_instance_new(owner.as_char_ptr()) };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        let ti = raw.as_ptr();
        let data = Arc::into_raw(client);
        // SAFETY: `ti` is a fresh, unopened instance, ours.
        unsafe {
            (*ti).flags |= bindings::SNDRV_TIMER_IFLG_AUTO;
            (*ti).callback = Some(tick::<T>);
            (*ti).ccallback = Some(event::<T>);
            (*ti).callback_data = data.cast_mut().cast();
        }
        let mut cid = bindings::snd_timer_id {
            dev_class: id.dev_class,
            dev_sclass: id.dev_sclass,
            card: id.card,
            device: id.device,
            subdevice: id.subdevice,
        };
        // SAFETY: `current` is the task opening the PCM.
        let pid = unsafe { (*bindings::get_current()).pid } as u32;
        // SAFETY: `ti` is ours; `cid` is copied.
        let err = unsafe { bindings::snd_timer_open(ti, &mut cid, pid) };
        if err < 0 {
            // SAFETY: the open failed: no callback can run; free what we made.
            unsafe {
                bindings::snd_timer_instance_free(ti);
                drop(Arc::from_raw(data));
            }
            return Err(Error::from_errno(err));
        }
        // INVARIANT: open, `callback_data` is the given-up `Arc`.
        Ok(Self {
            raw,
            _client: core::marker::PhantomData,
        })
    }

    /// Starts the timer to call back every `ticks` ticks. Atomic context allowed.
    /// C: `snd_timer_start()`; an already running instance gives `EBUSY`.
    pub fn start(&self, ticks: u32) -> Result {
        // SAFETY: open (type invariant).
        kernel::error::to_result(unsafe { bindings::snd_timer_start(self.raw.as_ptr(), ticks) })
    }

    /// Stops the timer. Atomic context allowed. C: `snd_timer_stop()`.
    pub fn stop(&self) -> Result {
        // SAFETY: open (type invariant).
        kernel::error::to_result(unsafe { bindings::snd_timer_stop(self.raw.as_ptr()) })
    }
}

impl<T: TimerClient> Drop for TimerInstance<T> {
    fn drop(&mut self) {
        let ti = self.raw.as_ptr();
        // SAFETY: open (invariant). Close waits for a running callback; afterwards none runs,
        // so the client reference can go.
        unsafe {
            let data = (*ti).callback_data.cast::<T>().cast_const();
            bindings::snd_timer_close(ti);
            bindings::snd_timer_instance_free(ti);
            drop(Arc::from_raw(data));
        }
    }
}

/// # Safety
///
/// Called by the timer core for an instance opened by [`TimerInstance::open`] for `T`.
unsafe extern "C" fn tick<T: TimerClient>(
    ti: *mut bindings::snd_timer_instance,
    resolution: c_ulong,
    ticks: c_ulong,
) {
    // SAFETY: `callback_data` is the instance's `Arc<T>`, alive until the instance is closed,
    // which waits for this callback.
    let client = unsafe { ArcBorrow::from_raw((*ti).callback_data.cast::<T>()) };
    T::tick(client, resolution as u64, ticks as u64);
}

/// # Safety
///
/// As for [`tick`].
unsafe extern "C" fn event<T: TimerClient>(
    ti: *mut bindings::snd_timer_instance,
    event: c_int,
    _tstamp: *mut bindings::timespec64,
    resolution: c_ulong,
) {
    // SAFETY: as in `tick`.
    let client = unsafe { ArcBorrow::from_raw((*ti).callback_data.cast::<T>()) };
    T::event(client, event, resolution as u64);
}

/// A card by its id (e.g. "Dummy"), as a number; scanning cards `0..snd_ecards_limit`.
/// C: the name loop of aloop's `loopback_parse_timer_id()`, with `snd_card_ref()`.
pub fn card_index_by_id(id: &[u8]) -> Option<i32> {
    // SAFETY: a plain read of ALSA's card count, which only grows.
    let limit =
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!(bindings::snd_ecards_limit)) };
    for idx in 0..limit {
        // SAFETY: returns a referenced card or NULL.
        let card = unsafe { bindings::snd_card_ref(idx) };
        if card.is_null() {
            continue;
        }
        // SAFETY: the reference keeps the card alive until the unref below. The id is copied
        // (userspace may rename the card through sysfs meanwhile).
        let matches = unsafe { crate::card::CardId::copy(card) }.as_bytes() == id;
        // SAFETY: drops the reference `snd_card_ref()` took.
        unsafe { bindings::snd_card_unref(card) };
        if matches {
            return Some(idx);
        }
    }
    None
}
