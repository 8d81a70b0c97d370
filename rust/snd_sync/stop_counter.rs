// SPDX-License-Identifier: GPL-2.0

//! A count of operations finishing outside a lock, which teardown waits for.

use crate::{InFlight, InFlightToken, IrqSpinLockGuard};

/// Counts operations that start under a lock and finish after dropping it, such as stopping
/// the peer stream; [`StopCounter::wait_idle`] sleeps until none is in flight.
///
/// This is seed 003 (aloop's peer stop) made structural. `loopback_check_format()` decided
/// under `cable->lock` to stop the capture stream, but called `snd_pcm_stop()` after dropping
/// it, while `free_cable()` could detach and free that stream. The fix counts the stop in
/// `cable->stop_count` before dropping the lock and makes `free_cable()` wait for the count to
/// reach zero. Here:
///
/// - [`begin`](StopCounter::begin) can only be called with a guard of an [`crate::IrqSpinLock`]
///   in hand, so the count is raised while the decision is still protected;
/// - the [`StopGuard`] lowers it when dropped, on every path out, error paths included;
/// - [`wait_idle`](StopCounter::wait_idle) is the teardown side (C:
///   `wait_event(cable->stop_wait, !atomic_read(&cable->stop_count))`).
///
/// C: `atomic_t stop_count` + `wait_queue_head_t stop_wait` in `struct loopback_cable`.
///
/// # Invariants
///
/// The count of `in_flight` is the number of live [`StopGuard`]s of this counter; each was
/// created while its caller held an [`crate::IrqSpinLock`] guard.
///
/// # Examples
///
/// ```ignore
/// use snd_sync::{IrqSpinLock, StopCounter};
///
/// struct Cable { streams: IrqSpinLock<[Option<u32>; 2]>, stops: StopCounter }
///
/// fn check_format(cable: &Cable) {
///     let streams = cable.streams.lock();
///     let Some(capture) = streams[1] else { return };
///     let stop = cable.stops.begin(&streams);
///     drop(streams);
///     let _ = capture; // snd_pcm_stop(capture) runs here, outside cable->lock
///     drop(stop);
/// }
///
/// fn free_cable(cable: &Cable) {
///     cable.streams.lock()[1] = None;
///     cable.stops.wait_idle(); // no stop of the old capture stream is still running
/// }
/// ```
pub struct StopCounter {
    in_flight: InFlight,
}

impl Default for StopCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl StopCounter {
    /// Creates a counter with no stop in flight.
    pub const fn new() -> Self {
        Self {
            in_flight: InFlight::new(),
        }
    }

    /// Counts one stop, decided under the lock that `_decided_under` guards, until the
    /// returned guard is dropped. Never sleeps.
    ///
    /// C: `atomic_inc(&cable->stop_count)` under `cable->lock`.
    pub fn begin<'a, T: ?Sized>(
        &'a self,
        _decided_under: &IrqSpinLockGuard<'_, T>,
    ) -> StopGuard<'a> {
        // INVARIANT: one guard per token, made while the caller holds a lock guard.
        StopGuard {
            _token: self.in_flight.enter(),
        }
    }

    /// The number of stops in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.count()
    }

    /// Sleeps until no stop is in flight. Must not be called in atomic context.
    ///
    /// C: `wait_event(cable->stop_wait, !atomic_read(&cable->stop_count))`.
    #[track_caller]
    pub fn wait_idle(&self) {
        self.in_flight.drain();
    }
}

/// One stop in flight; dropping it ends the stop and wakes [`StopCounter::wait_idle`].
///
/// C: `if (atomic_dec_and_test(&cable->stop_count)) wake_up(&cable->stop_wait);`.
///
/// # Invariants
///
/// `_token` is this stop's count in its [`StopCounter`].
#[must_use = "the stop is over at once if the guard is not kept"]
pub struct StopGuard<'a> {
    _token: InFlightToken<'a>,
}
