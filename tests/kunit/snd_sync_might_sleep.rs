// SPDX-License-Identifier: GPL-2.0

//! KUnit suite: every waiting primitive of snd_sync is reported when called in atomic context,
//! even where it would not have slept (each starts with `might_sleep()`).
//!
//! Each case calls one primitive with interrupts off, in a state where it returns at once, and
//! checks itself that the primitive called `snd_sync::might_sleep()` in atomic context (the
//! case watches those calls with `Test::watch_might_sleep`), so it fails under plain
//! `kunit.py` too. It also marks the kernel report the call must cause with
//! `expect_kernel_report`; `make test` checks that each marked block holds a `BUG: sleeping
//! function called from invalid context` report. `might_sleep()` reports at most once a
//! second, hence the pause before each case.

extern crate snd_kunit;
extern crate snd_sync;

use kernel::{prelude::*, time::msecs_to_jiffies};
use snd_kunit::{
    expect_kernel_report, kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, sleep_ms, Test,
};
use snd_sync::{
    irqs_disabled, new_irq_spinlock, new_published, new_stop_lock, new_wait_queue, CallChain,
    InFlight, IrqsOff,
};

/// Longer than `__might_resched()`'s one-report-a-second limit.
const REPORT_SPACING_MS: u32 = 1100;

/// Runs `f` between the markers of the `might_sleep()` report it must cause, and checks that
/// it called `snd_sync::might_sleep()` in atomic context at least once. Beforehand, a call in
/// process context must not count: the check tells the two apart.
fn expect_atomic_might_sleep(test: &mut Test<'_>, what: &str, f: impl FnOnce()) {
    kunit_require!(
        test,
        test.watch_might_sleep().is_ok(),
        "cannot watch might_sleep()"
    );
    snd_sync::might_sleep();
    let before = test.atomic_might_sleeps();
    kunit_expect_eq!(test, before, Some(0), "counted in process context");
    sleep_ms(REPORT_SPACING_MS);
    expect_kernel_report(what, f);
    let after = test.atomic_might_sleeps().unwrap_or(0);
    kunit_expect!(
        test,
        after > before.unwrap_or(0),
        "{}: no might_sleep() in atomic context",
        what
    );
}

/// Runs `f` with interrupts off and expects the `might_sleep()` it must call there.
fn report_with_irqs_off(test: &mut Test<'_>, what: &str, f: impl FnOnce()) {
    expect_atomic_might_sleep(test, what, || {
        let _irqs_off = IrqsOff::disable();
        f();
    });
}

fn wait_until_in_atomic_context(test: &mut Test<'_>) {
    let Ok(queue) = KBox::pin_init(new_wait_queue!("kunit::atomic_wq"), GFP_KERNEL) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let mut satisfied = false;
    report_with_irqs_off(test, "WaitQueue::wait_until with IRQs off", || {
        satisfied = queue.wait_until(|| true, msecs_to_jiffies(10));
    });
    kunit_expect!(test, satisfied);
}

fn drain_in_atomic_context(test: &mut Test<'_>) {
    let users = InFlight::new();
    report_with_irqs_off(test, "InFlight::drain with IRQs off", || users.drain());
    kunit_expect!(test, !irqs_disabled());
}

/// Under a spinlock rather than with bare IRQs off: the report comes all the same.
fn take_under_spinlock(test: &mut Test<'_>) {
    let (Ok(out), Ok(lock)) = (
        KBox::pin_init(new_published!("kunit::atomic_output"), GFP_KERNEL),
        KBox::pin_init(new_irq_spinlock!((), "kunit::atomic_outer"), GFP_KERNEL),
    ) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let out: Pin<KBox<snd_sync::Published<u32>>> = out;
    let mut taken = None;
    // SAFETY: the test case's entry: no borrow is alive on this thread.
    let mut chain = unsafe { CallChain::new() };
    expect_atomic_might_sleep(test, "Published::take under an IrqSpinLock", || {
        let _guard = lock.lock();
        taken = out.take(&mut chain);
    });
    kunit_expect!(test, taken.is_none());
}

fn wait_idle_in_atomic_context(test: &mut Test<'_>) {
    let Ok(stops) = KBox::pin_init(new_stop_lock!((), "kunit::atomic_stops"), GFP_KERNEL) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    report_with_irqs_off(test, "StopLock::wait_idle with IRQs off", || {
        stops.wait_idle()
    });
    kunit_expect!(test, stops.in_flight() == 0);
}

kunit_suite!(
    snd_sync_might_sleep,
    [
        wait_until_in_atomic_context,
        drain_in_atomic_context,
        take_under_spinlock,
        wait_idle_in_atomic_context,
    ]
);
