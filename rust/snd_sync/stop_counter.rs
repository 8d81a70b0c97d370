// SPDX-License-Identifier: GPL-2.0

//! A lock paired with a count of operations decided under it that finish after it is
//! dropped, which teardown waits for.

use crate::{InFlight, InFlightToken, IrqSpinLock, IrqSpinLockGuard};
use core::ops::{Deref, DerefMut};
use kernel::{init::PinInit, pin_init, prelude::*, str::CStr, sync::LockClassKey};

/// An [`IrqSpinLock`] with a count of stops: operations decided under the lock that finish
/// after dropping it, such as stopping the peer stream; [`StopLock::wait_idle`] sleeps until
/// none is in flight.
///
/// This is seed 003 (aloop's peer stop) made structural. `loopback_check_format()` decided
/// under `cable->lock` to stop the capture stream, but called `snd_pcm_stop()` after dropping
/// it, while `free_cable()` could detach and free that stream. The fix counts the stop in
/// `cable->stop_count` before dropping the lock and makes `free_cable()` wait for the count to
/// reach zero. Here:
///
/// - a stop can only begin through [`StopLockGuard::begin_stop`], a method of *this* lock's
///   guard: the count is raised while the decision is still protected by the lock it was
///   decided under, and by no other (C's contract: `stop_count` is raised under
///   `cable->lock`, the lock `free_cable()` detaches the stream under);
/// - the [`StopGuard`] borrows the `StopLock`, not its guard, so the lock can be dropped while
///   the stop goes on; dropping it lowers the count, on every path out;
/// - [`wait_idle`](StopLock::wait_idle) is the teardown side (C:
///   `wait_event(cable->stop_wait, !atomic_read(&cable->stop_count))`).
///
/// C: `spinlock_t lock` + `atomic_t stop_count` + `wait_queue_head_t stop_wait` in
/// `struct loopback_cable`.
///
/// # Invariants
///
/// The count of `stops` is the number of live [`StopGuard`]s of this lock; each was created
/// while its creator held a guard of `lock`.
///
/// # Examples
///
/// ```ignore
/// use snd_sync::{new_stop_lock, StopLock};
///
/// #[pin_data]
/// struct Cable { #[pin] streams: StopLock<[Option<u32>; 2]> }
///
/// fn check_format(cable: &Cable) {
///     let streams = cable.streams.lock();
///     let Some(capture) = streams[1] else { return };
///     let stop = streams.begin_stop();
///     drop(streams);
///     let _ = capture; // snd_pcm_stop(capture) runs here, outside cable->lock
///     drop(stop);
/// }
///
/// fn free_cable(cable: &Cable) {
///     cable.streams.lock()[1] = None;
///     cable.streams.wait_idle(); // no stop of the old capture stream is still running
/// }
/// ```
#[pin_data]
pub struct StopLock<T> {
    #[pin]
    lock: IrqSpinLock<T>,
    stops: InFlight,
}

/// Creates a [`StopLock`] initialiser with a static lockdep class for its lock.
#[macro_export]
macro_rules! new_stop_lock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::StopLock::new(
            $inner,
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}

impl<T> StopLock<T> {
    /// Creates the lock around `data`, with no stop in flight; see
    /// [`new_stop_lock!`](crate::new_stop_lock).
    pub fn new(data: T, name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            lock <- IrqSpinLock::new(data, name, key),
            stops: InFlight::new(),
        })
    }

    /// Takes the lock (local interrupts off while the guard lives). Callable from any
    /// context.
    pub fn lock(&self) -> StopLockGuard<'_, T> {
        StopLockGuard {
            guard: self.lock.lock(),
            stops: &self.stops,
        }
    }

    /// The number of stops in flight.
    pub fn in_flight(&self) -> usize {
        self.stops.count()
    }

    /// Sleeps until no stop is in flight. Must not be called in atomic context.
    ///
    /// C: `wait_event(cable->stop_wait, !atomic_read(&cable->stop_count))`.
    #[track_caller]
    pub fn wait_idle(&self) {
        self.stops.drain();
    }
}

/// The guard of a [`StopLock`]: the data, and the right to begin a stop.
pub struct StopLockGuard<'a, T> {
    guard: IrqSpinLockGuard<'a, T>,
    stops: &'a InFlight,
}

impl<'a, T> StopLockGuard<'a, T> {
    /// Counts one stop, decided under this lock, until the returned guard is dropped. Never
    /// sleeps.
    ///
    /// C: `atomic_inc(&cable->stop_count)` under `cable->lock`.
    pub fn begin_stop(&self) -> StopGuard<'a> {
        // INVARIANT: one guard per token, made while this lock is held.
        StopGuard {
            _token: self.stops.enter(),
        }
    }
}

impl<T> Deref for StopLockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for StopLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

/// One stop in flight; dropping it ends the stop and wakes [`StopLock::wait_idle`].
///
/// C: `if (atomic_dec_and_test(&cable->stop_count)) wake_up(&cable->stop_wait);`.
///
/// # Invariants
///
/// `_token` is this stop's count in its [`StopLock`].
#[must_use = "the stop is over at once if the guard is not kept"]
pub struct StopGuard<'a> {
    _token: InFlightToken<'a>,
}
