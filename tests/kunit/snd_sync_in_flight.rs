// SPDX-License-Identifier: GPL-2.0

//! KUnit suite for `snd_sync::InFlight` (C: `snd_use_lock_t`).

extern crate snd_kunit;
extern crate snd_sync;

use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{prelude::*, sync::Arc, time::Ktime};
use snd_kunit::{
    expect_log_line, kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, sleep_ms, Latch,
    Test, Workers,
};
use snd_sync::InFlight;

/// Tokens count up and down; `drain` with none in flight returns at once.
fn tokens_count_users(test: &mut Test<'_>) {
    let users = KBox::new(InFlight::new(), GFP_KERNEL);
    let Ok(users) = users else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    kunit_expect_eq!(test, users.count(), 0);
    let a = users.enter();
    let b = users.enter();
    kunit_expect_eq!(test, users.count(), 2);
    drop(a);
    kunit_expect_eq!(test, users.count(), 1);
    drop(b);
    kunit_expect_eq!(test, users.count(), 0);
    users.drain();
}

/// An early return through `?` releases the token it held.
fn error_path_releases_token(test: &mut Test<'_>) {
    let users = KBox::new(InFlight::new(), GFP_KERNEL);
    let Ok(users) = users else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    fn use_then_fail(users: &InFlight) -> Result {
        let _token = users.enter();
        Err(EIO)
    }
    kunit_expect_eq!(test, use_then_fail(&users), Err(EIO));
    kunit_expect_eq!(test, users.count(), 0);
}

#[pin_data]
struct Shared {
    #[pin]
    users: InFlight,
    #[pin]
    entered: Latch,
    finished: AtomicBool,
}

/// A user on another thread that holds a token of `users` for `hold_ms`, then sets `finished`
/// and leaves. Returns once the token is taken; `None` (reported) if that failed.
fn user_holding_for(test: &mut Test<'_>, hold_ms: u32) -> Option<(Arc<Shared>, Workers)> {
    let shared = Arc::pin_init(
        pin_init!(Shared {
            users: InFlight::new(),
            entered <- Latch::new(),
            finished: AtomicBool::new(false),
        }),
        GFP_KERNEL,
    );
    let Ok(shared) = shared else {
        kunit_expect!(test, false, "allocation failed");
        return None;
    };
    let worker_shared = shared.clone();
    let workers = Workers::spawn(1, move |_| {
        let s = &worker_shared;
        let token = s.users.enter();
        s.entered.arrive();
        sleep_ms(hold_ms);
        s.finished.store(true, Ordering::Relaxed);
        drop(token);
    });
    let Ok(workers) = workers else {
        kunit_expect!(test, false, "could not start the user");
        return None;
    };
    if !shared.entered.wait_for(1) {
        kunit_expect!(test, false, "the user never started");
        return None;
    }
    Some((shared, workers))
}

/// `drain` sleeps until a user on another thread drops its token, and everything that user
/// did before is visible after `drain` returns.
fn drain_waits_for_other_thread(test: &mut Test<'_>) {
    let Some((shared, _workers)) = user_holding_for(test, 30) else {
        return;
    };
    let start = Ktime::ktime_get();
    shared.users.drain();
    let waited_ms = (Ktime::ktime_get() - start).to_ms();
    kunit_expect!(
        test,
        shared.finished.load(Ordering::Relaxed),
        "drain returned while the user was still running"
    );
    // The user holds on for 30 ms; a lost wake-up would show as drain sleeping to its 5 s
    // timeout instead.
    kunit_expect!(test, waited_ms < 2000, "drain took {} ms", waited_ms);
    kunit_expect_eq!(test, shared.users.count(), 0);
}

/// Like C's `snd_use_lock_sync_helper()`, a drain still waiting after 5 s warns once, naming
/// how many users are left and where it was called from; then it goes on waiting.
fn drain_warns_after_five_seconds(test: &mut Test<'_>) {
    // Well past the 5 s warning, even if this test thread is slow to start draining.
    let Some((shared, _workers)) = user_holding_for(test, 7000) else {
        return;
    };
    let start = Ktime::ktime_get();
    expect_log_line("snd_sync: waiting [1 left] in ", || shared.users.drain());
    let waited_ms = (Ktime::ktime_get() - start).to_ms();
    kunit_expect!(test, shared.finished.load(Ordering::Relaxed));
    kunit_expect!(
        test,
        waited_ms >= 5000,
        "drain returned after {} ms",
        waited_ms
    );
}

kunit_suite!(
    snd_sync_in_flight,
    [
        tokens_count_users,
        error_path_releases_token,
        drain_waits_for_other_thread,
        drain_warns_after_five_seconds,
    ]
);
