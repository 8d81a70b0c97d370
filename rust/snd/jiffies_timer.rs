// SPDX-License-Identifier: GPL-2.0

//! A jiffies-resolution kernel timer (`struct timer_list`), for drivers that pace themselves
//! by the tick (aloop's default timer source).

use core::marker::PhantomPinned;
use kernel::{
    bindings, init::PinInit, pin_init, prelude::*, str::CStr, sync::LockClassKey, time::Jiffies,
    types::Opaque,
};

/// What a [`JiffiesTimer`] runs when it expires.
pub trait TimerCallback: Send + Sync + 'static {
    /// Runs in softirq context (atomic: no sleeping). It may re-arm `timer`.
    ///
    /// C: the `function` of a `timer_list`.
    fn expired(&self, timer: &JiffiesTimer<Self>)
    where
        Self: Sized;
}

/// A timer that runs `T::expired` on the data it holds, at a jiffies deadline.
///
/// Dropping it shuts the timer down (`timer_shutdown_sync()`): a running callback finishes,
/// and neither the callback nor anyone else can re-arm it, so the data is never used after.
///
/// C: `struct timer_list` with `timer_setup()`, `mod_timer()`, `timer_delete()`,
/// `timer_delete_sync()` and `timer_shutdown_sync()`.
///
/// # Invariants
///
/// `raw` was initialised by `init_timer_key()` with `expired::<T>` as its function, and
/// `data` is initialised before the timer can be armed.
#[pin_data(PinnedDrop)]
pub struct JiffiesTimer<T: TimerCallback> {
    data: T,
    #[pin]
    raw: Opaque<bindings::timer_list>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: the timer core serialises its own state; `T` is `Send + Sync`.
unsafe impl<T: TimerCallback> Send for JiffiesTimer<T> {}
// SAFETY: every method goes through the timer core's locked API.
unsafe impl<T: TimerCallback> Sync for JiffiesTimer<T> {}

/// Creates a [`JiffiesTimer`] initialiser with a static lockdep class.
#[macro_export]
macro_rules! new_jiffies_timer {
    ($data:expr $(, $name:literal)? $(,)?) => {
        $crate::jiffies_timer::JiffiesTimer::new(
            $data,
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}

impl<T: TimerCallback> JiffiesTimer<T> {
    /// An idle timer around `data`; see [`new_jiffies_timer!`](crate::new_jiffies_timer).
    ///
    /// C: `timer_setup(&timer, function, 0)`.
    pub fn new(data: T, name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            data,
            // SAFETY: `slot` is valid for writes; the callback is ours for this `T`; `name`
            // and `key` are static (`LockClassKey` is a transparent wrapper of the C key).
            raw <- Opaque::ffi_init(|slot| unsafe {
                bindings::init_timer_key(
                    slot,
                    Some(expired::<T>),
                    0,
                    name.as_char_ptr(),
                    core::ptr::from_ref(key).cast_mut().cast(),
                )
            }),
            _pin: PhantomPinned,
        })
    }

    /// The data the callback sees.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// (Re-)arms the timer for jiffies count `expires`; true if it was pending.
    /// Callable from any context, the callback included. C: `mod_timer()`.
    pub fn arm_at(&self, expires: Jiffies) -> bool {
        // SAFETY: the timer is initialised (type invariant) and pinned.
        unsafe { bindings::mod_timer(self.raw.get(), expires) != 0 }
    }

    /// Arms the timer `delay` jiffies from now. C: `mod_timer(t, jiffies + delay)`.
    pub fn arm_after(&self, delay: Jiffies) -> bool {
        self.arm_at(jiffies().wrapping_add(delay))
    }

    /// Stops a pending timer; true if it was pending. Does not wait for a running callback,
    /// so it may be called in atomic context (under the lock the callback takes).
    /// C: `timer_delete()`.
    pub fn cancel(&self) -> bool {
        // SAFETY: the timer is initialised (type invariant).
        unsafe { bindings::timer_delete(self.raw.get()) != 0 }
    }

    /// Stops the timer and waits for a running callback to return; true if it was pending.
    /// Must not be called from the callback or with a lock the callback takes.
    /// C: `timer_delete_sync()`.
    pub fn cancel_sync(&self) -> bool {
        // SAFETY: the timer is initialised (type invariant).
        unsafe { bindings::timer_delete_sync(self.raw.get()) != 0 }
    }
}

#[pinned_drop]
impl<T: TimerCallback> PinnedDrop for JiffiesTimer<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the timer is initialised; after this no callback runs and none can be
        // armed, so `data` may go.
        unsafe { bindings::timer_shutdown_sync(self.raw.get()) };
    }
}

/// Timer ticks per second. C: `HZ` (`CONFIG_HZ`; the bindings' `HZ` is the uapi's 100).
pub const HZ: u32 = bindings::CONFIG_HZ;

/// The current jiffies count. C: `jiffies`.
pub fn jiffies() -> Jiffies {
    // SAFETY: `jiffies` is a word the timer interrupt updates; a volatile read is what C's
    // `READ_ONCE(jiffies)` does.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(bindings::jiffies)) }
}

/// The C timer function: finds the `JiffiesTimer<T>` around the `timer_list`.
///
/// # Safety
///
/// Called by the timer core for a timer initialised by [`JiffiesTimer::new`] for `T`, which
/// is alive (its drop shuts the timer down first).
unsafe extern "C" fn expired<T: TimerCallback>(raw: *mut bindings::timer_list) {
    // SAFETY: `raw` is the `raw` field of a live `JiffiesTimer<T>` (`Opaque` is transparent).
    let timer = unsafe { &*kernel::container_of!(raw, JiffiesTimer<T>, raw) };
    timer.data.expired(timer);
}
