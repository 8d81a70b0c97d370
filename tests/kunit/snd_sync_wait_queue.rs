// SPDX-License-Identifier: GPL-2.0

//! KUnit suite for `snd_sync::WaitQueue` (C: `wait_event_timeout()` / `wake_up_all()`).

extern crate snd_kunit;
extern crate snd_sync;

use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{
    prelude::*,
    sync::Arc,
    time::{msecs_to_jiffies, Ktime},
};
use snd_kunit::{kunit_expect, kunit_require, kunit_suite, sleep_ms, Test, Workers};
use snd_sync::{new_wait_queue, WaitQueue};

#[pin_data]
struct Flagged {
    #[pin]
    queue: WaitQueue,
    flag: AtomicBool,
}

fn flagged() -> Result<Arc<Flagged>> {
    Arc::pin_init(
        pin_init!(Flagged {
            queue <- new_wait_queue!("kunit::flagged"),
            flag: AtomicBool::new(false),
        }),
        GFP_KERNEL,
    )
}

/// A condition that never holds: `wait_until` gives up after its timeout, not before.
fn times_out_when_never_woken(test: &mut Test<'_>) {
    let Ok(f) = flagged() else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let start = Ktime::ktime_get();
    let satisfied = f
        .queue
        .wait_until(|| f.flag.load(Ordering::Acquire), msecs_to_jiffies(50));
    let waited_ms = (Ktime::ktime_get() - start).to_ms();
    kunit_expect!(test, !satisfied);
    kunit_expect!(test, waited_ms >= 40, "gave up after {} ms", waited_ms);
}

/// Another thread sets the condition and wakes: the sleeper returns true well before its
/// (long) timeout.
fn wakes_when_condition_set(test: &mut Test<'_>) {
    let Ok(f) = flagged() else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let waker = f.clone();
    let workers = Workers::spawn(1, move |_| {
        sleep_ms(20);
        waker.flag.store(true, Ordering::Release);
        waker.queue.wake_up_all();
    });
    kunit_require!(test, workers.is_ok());
    let start = Ktime::ktime_get();
    let satisfied = f
        .queue
        .wait_until(|| f.flag.load(Ordering::Acquire), msecs_to_jiffies(10_000));
    let waited_ms = (Ktime::ktime_get() - start).to_ms();
    kunit_expect!(test, satisfied);
    kunit_expect!(test, waited_ms < 2000, "woke after {} ms", waited_ms);
}

kunit_suite!(
    snd_sync_wait_queue,
    [times_out_when_never_woken, wakes_when_condition_set]
);
