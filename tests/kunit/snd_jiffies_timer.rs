// SPDX-License-Identifier: GPL-2.0

//! KUnit suite for `snd::jiffies_timer::JiffiesTimer` (C: `timer_list`, as aloop's jiffies
//! timer source uses it).

extern crate snd;
extern crate snd_kunit;

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel::{prelude::*, time::msecs_to_jiffies};
use snd::{
    jiffies_timer::{jiffies, JiffiesTimer, TimerCallback},
    new_jiffies_timer,
};
use snd_kunit::{kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, sleep_ms, Test};

/// Counts expiries; re-arms itself (1 jiffy later) until `rearm_until` runs are reached.
struct Counter {
    runs: AtomicUsize,
    rearm_until: usize,
    in_softirq: AtomicBool,
    armed_at: AtomicUsize,
    fired_at: AtomicUsize,
}

impl TimerCallback for Counter {
    fn expired(&self, timer: &JiffiesTimer<Self>) {
        // SAFETY: reading the preempt count of the current task is always allowed.
        let atomic = unsafe { kernel::bindings::in_serving_softirq() };
        self.in_softirq.store(atomic, Ordering::Relaxed);
        self.fired_at.store(jiffies(), Ordering::Relaxed);
        let runs = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        if runs < self.rearm_until {
            timer.arm_after(1);
        }
    }
}

#[inline(never)]
fn timer(rearm_until: usize) -> Result<Pin<KBox<JiffiesTimer<Counter>>>> {
    let init = new_jiffies_timer!(
        Counter {
            runs: AtomicUsize::new(0),
            rearm_until,
            in_softirq: AtomicBool::new(false),
            armed_at: AtomicUsize::new(0),
            fired_at: AtomicUsize::new(0),
        },
        "kunit::jiffies_timer"
    );
    KBox::pin_init(init, GFP_KERNEL)
}

/// An armed timer runs once, in softirq context, no earlier than its deadline.
fn fires_once_after_deadline(test: &mut Test<'_>) {
    let Ok(t) = timer(1) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let delay = msecs_to_jiffies(20);
    t.data().armed_at.store(jiffies(), Ordering::Relaxed);
    kunit_expect!(test, !t.arm_after(delay), "a new timer was pending");
    sleep_ms(200);
    kunit_expect_eq!(test, t.data().runs.load(Ordering::Relaxed), 1);
    kunit_expect!(
        test,
        t.data().in_softirq.load(Ordering::Relaxed),
        "callback not in softirq context"
    );
    let waited = t
        .data()
        .fired_at
        .load(Ordering::Relaxed)
        .wrapping_sub(t.data().armed_at.load(Ordering::Relaxed));
    kunit_expect!(
        test,
        waited >= delay,
        "fired after {} of {} jiffies",
        waited,
        delay
    );
}

/// A cancelled timer does not run; cancelling reports whether it was pending.
fn cancel_before_expiry(test: &mut Test<'_>) {
    let Ok(t) = timer(1) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    t.arm_after(msecs_to_jiffies(100));
    kunit_expect!(test, t.cancel(), "pending timer not reported pending");
    kunit_expect!(test, !t.cancel(), "idle timer reported pending");
    sleep_ms(200);
    kunit_expect_eq!(test, t.data().runs.load(Ordering::Relaxed), 0);
    // Re-arming after a cancel works.
    t.arm_after(1);
    sleep_ms(50);
    kunit_expect_eq!(test, t.data().runs.load(Ordering::Relaxed), 1);
}

/// A callback that re-arms itself keeps running until it stops; dropping a timer that is
/// still re-arming itself stops it for good (KASAN would catch a run after the free).
fn rearm_from_callback_and_drop(test: &mut Test<'_>) {
    let Ok(t) = timer(5) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    t.arm_after(1);
    sleep_ms(300);
    kunit_expect_eq!(test, t.data().runs.load(Ordering::Relaxed), 5);

    let Ok(forever) = timer(usize::MAX) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    forever.arm_after(1);
    sleep_ms(50);
    kunit_expect!(
        test,
        forever.data().runs.load(Ordering::Relaxed) > 1,
        "did not re-arm"
    );
    drop(forever);
    // Anything still running now would touch freed memory.
    sleep_ms(50);

    // cancel_sync stops a self-re-arming timer too, and it stays stopped.
    let Ok(stopped) = timer(usize::MAX) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    stopped.arm_after(1);
    sleep_ms(50);
    stopped.cancel_sync();
    let runs = stopped.data().runs.load(Ordering::Relaxed);
    sleep_ms(50);
    kunit_expect_eq!(test, stopped.data().runs.load(Ordering::Relaxed), runs);
}

kunit_suite!(
    snd_jiffies_timer,
    [
        fires_once_after_deadline,
        cancel_before_expiry,
        rearm_from_callback_and_drop,
    ]
);
