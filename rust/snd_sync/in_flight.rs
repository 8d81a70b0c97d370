// SPDX-License-Identifier: GPL-2.0

//! A count of in-flight users that teardown can wait for.

use crate::WaitQueue;
use core::{
    panic::Location,
    sync::atomic::{AtomicUsize, Ordering},
};
use kernel::{init::PinInit, pin_init, prelude::*, str::CStr, sync::LockClassKey, time};

/// How long [`InFlight::drain`] waits before it warns, as C's `snd_use_lock_sync_helper()`.
const DRAIN_WARN_MSECS: u32 = 5000;

/// Counts users that are running right now; [`InFlight::drain`] sleeps until there are none.
///
/// A user is an [`InFlightToken`], taken with [`InFlight::enter`] and released when dropped, so
/// no error path can leave the count raised. `drain` waits on a wait queue, woken by the
/// token that brings the count to zero, instead of polling every jiffy like C. Like C, it
/// warns once when the wait passes 5 seconds, naming the caller.
///
/// `drain` only waits for tokens that exist; stopping new ones from being taken is the
/// caller's job. [`crate::Published`] and [`crate::StopCounter`] do that with their lock;
/// use them rather than this type directly where they fit.
///
/// C: `snd_use_lock_t` with `snd_use_lock_use()`, `snd_use_lock_free()`,
/// `snd_use_lock_sync()` (sound/core/seq/seq_lock.h).
///
/// # Invariants
///
/// `count` is the number of live [`InFlightToken`]s of this value.
#[pin_data]
pub struct InFlight {
    count: AtomicUsize,
    #[pin]
    idle: WaitQueue,
}

/// Creates an [`InFlight`] initialiser; the optional name labels its wait queue for lockdep.
#[macro_export]
macro_rules! new_in_flight {
    ($($name:literal)? $(,)?) => {
        $crate::InFlight::new(::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

impl InFlight {
    /// Creates an initialiser with no users; see [`new_in_flight!`](crate::new_in_flight).
    pub fn new(name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            // INVARIANT: no tokens exist yet.
            count: AtomicUsize::new(0),
            idle <- WaitQueue::new(name, key),
        })
    }

    /// Registers a user until the returned token is dropped. Callable from any context.
    ///
    /// C: `snd_use_lock_use()`.
    pub fn enter(&self) -> InFlightToken<'_> {
        // Ordering: the token only needs to be counted before `drain` can observe its release;
        // callers order `enter` against teardown with their own lock.
        self.count.fetch_add(1, Ordering::Relaxed);
        // INVARIANT: one more token, one more count.
        InFlightToken { owner: self }
    }

    /// The number of users right now.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Sleeps until no user is in flight. Everything the users did happens before the return.
    ///
    /// Warns once, with the caller's location, if that takes more than 5 seconds. Must not be
    /// called in atomic context (it starts with `might_sleep()`).
    ///
    /// C: `snd_use_lock_sync()`.
    #[track_caller]
    pub fn drain(&self) {
        let caller = Location::caller();
        let idle = || self.count.load(Ordering::Acquire) == 0;
        if self
            .idle
            .wait_until(idle, time::msecs_to_jiffies(DRAIN_WARN_MSECS))
        {
            return;
        }
        pr_warn!(
            "waiting [{} left] in {}:{}\n",
            self.count(),
            caller.file(),
            caller.line()
        );
        while !self
            .idle
            .wait_until(idle, time::msecs_to_jiffies(DRAIN_WARN_MSECS))
        {}
    }
}

/// A user of an [`InFlight`], counted until dropped.
///
/// C: the span between `snd_use_lock_use()` and `snd_use_lock_free()`.
#[must_use = "the user is released at once if the token is not kept"]
pub struct InFlightToken<'a> {
    owner: &'a InFlight,
}

impl Drop for InFlightToken<'_> {
    fn drop(&mut self) {
        // Release: what this user did happens before `drain` (Acquire) sees the count drop.
        if self.owner.count.fetch_sub(1, Ordering::Release) == 1 {
            self.owner.idle.wake_up_all();
        }
    }
}
