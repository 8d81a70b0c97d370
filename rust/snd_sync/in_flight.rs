// SPDX-License-Identifier: GPL-2.0

//! A count of in-flight users that teardown can wait for (C: `snd_use_lock_t`).

use crate::wait_queue::sleep_until;
use core::{
    ffi::c_void,
    panic::Location,
    sync::atomic::{fence, AtomicUsize, Ordering},
};
use kernel::{bindings, prelude::*, time, types::Opaque};

/// How long [`InFlight::drain`] waits before it warns, as C's `snd_use_lock_sync_helper()`.
const DRAIN_WARN_MSECS: u32 = 5000;

/// Counts users that are running right now; [`InFlight::drain`] sleeps until there are none.
///
/// A user is an [`InFlightToken`], taken with [`InFlight::enter`] and released when dropped, so
/// no error path can leave the count raised. `drain` sleeps until the token that brings the
/// count to zero wakes it, instead of polling every jiffy like C; like C, it warns once when
/// the wait passes 5 seconds, naming the caller.
///
/// The wake-up goes through the kernel's hashed variable wait queues (`wake_up_var()`), which
/// use the counter's address only as a key. So the last user touches nothing of the owner
/// after its decrement: once `drain` returns, the owner may be freed at once, even if that
/// user is still on its way out. (C's aloop fix, `atomic_dec_and_test()` then
/// `wake_up(&cable->stop_wait)` on the cable, leaves that window open.)
///
/// `drain` only waits for tokens that exist; stopping new ones from being taken is the
/// caller's job. [`crate::Published`] and [`crate::StopLock`] do that with their lock;
/// use them rather than this type directly where they fit.
///
/// C: `snd_use_lock_t` with `snd_use_lock_use()`, `snd_use_lock_free()`,
/// `snd_use_lock_sync()` (sound/core/seq/seq_lock.h).
///
/// # Invariants
///
/// `count` is the number of live [`InFlightToken`]s of this value.
pub struct InFlight {
    count: AtomicUsize,
}

impl Default for InFlight {
    fn default() -> Self {
        Self::new()
    }
}

impl InFlight {
    /// Creates a counter with no users.
    pub const fn new() -> Self {
        // INVARIANT: no tokens exist yet.
        Self {
            count: AtomicUsize::new(0),
        }
    }

    /// Registers a user until the returned token is dropped. Callable from any context.
    ///
    /// C: `snd_use_lock_use()`.
    pub fn enter(&self) -> InFlightToken<'_> {
        // Relaxed: the token only needs to be counted before `drain` can see it released;
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
        let warn_after = time::msecs_to_jiffies(DRAIN_WARN_MSECS);
        if self.wait_idle(warn_after) {
            return;
        }
        pr_warn!(
            "waiting [{} left] in {}:{}\n",
            self.count(),
            caller.file(),
            caller.line()
        );
        while !self.wait_idle(warn_after) {}
    }

    /// The key of this counter in the kernel's variable wait queues.
    fn key(&self) -> *mut c_void {
        core::ptr::from_ref(&self.count).cast_mut().cast()
    }

    /// Sleeps until the count is zero or `timeout` jiffies pass; returns whether it is zero.
    fn wait_idle(&self, timeout: time::Jiffies) -> bool {
        crate::might_sleep();
        let key = self.key();
        // SAFETY: `__var_waitqueue()` only hashes the address.
        let head = unsafe { bindings::__var_waitqueue(key) };
        let entry = Opaque::<bindings::wait_bit_queue_entry>::uninit();
        // SAFETY: `entry` is valid for writes and is not moved until `sleep_until()` returns;
        // the entry's wake function then only reacts to `wake_up_var(key)`.
        unsafe { bindings::init_wait_var_entry(entry.get(), key, 0) };
        // SAFETY: `head` is a hashed wait queue head, initialised at boot; `wq_entry` is part
        // of the entry initialised above; both stay in place during the call, which may sleep
        // (`drain` and `might_sleep()` above document that).
        unsafe {
            sleep_until(
                head,
                core::ptr::addr_of_mut!((*entry.get()).wq_entry),
                || self.count.load(Ordering::Acquire) == 0,
                timeout,
            )
        }
    }
}

/// A user of an [`InFlight`], counted until dropped.
///
/// C: the span between `snd_use_lock_use()` and `snd_use_lock_free()`.
///
/// # Invariants
///
/// This token is one unit of `owner.count`.
#[must_use = "the user is released at once if the token is not kept"]
pub struct InFlightToken<'a> {
    owner: &'a InFlight,
}

impl Drop for InFlightToken<'_> {
    fn drop(&mut self) {
        let key = self.owner.key();
        // Release: what this user did happens before `drain` (Acquire) sees the count drop.
        // After this, `owner` may be gone: only `key`, an address, is used below.
        if self.owner.count.fetch_sub(1, Ordering::Release) == 1 {
            // `wake_up_var()` looks for sleepers without a lock; the sleeper queues itself,
            // then reads the count. A full barrier keeps one of the two from missing the other.
            fence(Ordering::SeqCst);
            // SAFETY: `wake_up_var()` uses `key` only as a hash key and to match sleepers; it
            // never dereferences it, so it is fine even if the counter is freed by now.
            unsafe { bindings::wake_up_var(key) };
        }
    }
}
