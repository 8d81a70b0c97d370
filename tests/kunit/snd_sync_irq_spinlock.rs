// SPDX-License-Identifier: GPL-2.0

//! KUnit suite for `snd_sync::IrqSpinLock`.

extern crate snd_kunit;
extern crate snd_sync;

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    new_condvar,
    prelude::*,
    sync::{Arc, CondVar, CondVarTimeoutResult, LockedBy},
    time::msecs_to_jiffies,
};
use snd_kunit::{
    kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, run_in_hardirq, Test, Workers,
};
use snd_sync::{in_hardirq, irqs_disabled, new_irq_spinlock, IrqSpinLock, IrqsOff};

/// Taking the lock turns local interrupts off; dropping the guard turns them back on, and the
/// data written through the guard stays.
fn guard_disables_local_irqs(test: &mut Test<'_>) {
    let lock = KBox::pin_init(new_irq_spinlock!(0u32, "kunit::counter"), GFP_KERNEL);
    kunit_require!(test, lock.is_ok());
    let Ok(lock) = lock else { return };

    kunit_require!(test, !irqs_disabled(), "KUnit case started with IRQs off");
    // Checks run with no guard held: reporting a failure allocates (GFP_KERNEL).
    let off_while_held = {
        let mut value = lock.lock();
        *value += 41;
        irqs_disabled()
    };
    kunit_expect!(test, off_while_held);
    kunit_expect!(test, !irqs_disabled());
    *lock.lock() += 1;
    let value = *lock.lock();
    kunit_expect_eq!(test, value, 42);
}

/// Called with interrupts already off (as from an interrupt handler), the guard must restore
/// "off", not "on": irqrestore, not irq_enable.
fn guard_restores_saved_state(test: &mut Test<'_>) {
    let lock = KBox::pin_init(new_irq_spinlock!(0u32), GFP_KERNEL);
    let Ok(lock) = lock else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let irqs_off = IrqsOff::disable();
    {
        let mut value = lock.lock();
        *value = 7;
    }
    kunit_expect!(
        test,
        irqs_disabled(),
        "guard drop re-enabled IRQs inside IrqsOff"
    );
    drop(irqs_off);
    kunit_expect!(test, !irqs_disabled());
    let value = *lock.lock();
    kunit_expect_eq!(test, value, 7);
}

/// Nested guards unwind in order: interrupts come back only when the outer guard goes.
fn nested_guards_unwind_in_order(test: &mut Test<'_>) {
    let outer = KBox::pin_init(new_irq_spinlock!(1u32, "kunit::outer"), GFP_KERNEL);
    let inner = KBox::pin_init(new_irq_spinlock!(2u32, "kunit::inner"), GFP_KERNEL);
    let (Ok(outer), Ok(inner)) = (outer, inner) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let (sum, off_after_inner) = {
        let outer_guard = outer.lock();
        let sum = {
            let inner_guard = inner.lock();
            *outer_guard + *inner_guard
        };
        (sum, irqs_disabled())
    };
    kunit_expect_eq!(test, sum, 3);
    kunit_expect!(test, off_after_inner, "inner guard drop re-enabled IRQs");
    kunit_expect!(test, !irqs_disabled());
}

/// An early return through `?` drops the guard: the lock is free and interrupts are on again.
fn early_return_releases_guard(test: &mut Test<'_>) {
    let lock = KBox::pin_init(new_irq_spinlock!(0u32), GFP_KERNEL);
    let Ok(lock) = lock else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    fn bump_unless_odd(lock: &IrqSpinLock<u32>) -> Result {
        let mut value = lock.lock();
        if *value % 2 == 1 {
            return Err(EINVAL);
        }
        *value += 1;
        Ok(())
    }

    kunit_expect!(test, bump_unless_odd(&lock).is_ok());
    kunit_expect_eq!(test, bump_unless_odd(&lock), Err(EINVAL));
    kunit_expect!(test, !irqs_disabled());
    // A second lock() would hang here if the error path had leaked the guard.
    let value = *lock.lock();
    kunit_expect_eq!(test, value, 1);
}

#[pin_data]
struct Handoff {
    #[pin]
    done: IrqSpinLock<bool>,
    #[pin]
    changed: CondVar,
}

/// The lock composes with `CondVar`: a work item on another thread sets the flag under the
/// lock and the test thread sleeps on the condition variable until it sees it.
fn condvar_handoff_across_threads(test: &mut Test<'_>) {
    let handoff = Arc::pin_init(
        pin_init!(Handoff {
            done <- new_irq_spinlock!(false, "kunit::handoff"),
            changed <- new_condvar!("kunit::handoff_cv"),
        }),
        GFP_KERNEL,
    );
    let Ok(handoff) = handoff else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let worker = handoff.clone();
    let spawned = Workers::spawn(1, move |_| {
        *worker.done.lock() = true;
        worker.changed.notify_all();
    });
    kunit_require!(test, spawned.is_ok());

    let (done, waits, off_while_held) = {
        let mut done = handoff.done.lock();
        let mut waits = 0;
        while !*done && waits < 50 {
            waits += 1;
            // Timeouts and wake-ups both lead back to the check of the flag.
            let _: CondVarTimeoutResult = handoff
                .changed
                .wait_interruptible_timeout(&mut done, msecs_to_jiffies(100));
        }
        (*done, waits, irqs_disabled())
    };
    kunit_expect!(
        test,
        done,
        "worker never set the flag (waited {} times)",
        waits
    );
    kunit_expect!(
        test,
        off_while_held,
        "relocked guard lost its irqsave state"
    );
    kunit_expect!(test, !irqs_disabled());
}

/// The same lock taken from a real hard IRQ handler and from process context: no lockdep or
/// sleeping-in-atomic report (the test run fails on any), and the handler's update is seen.
fn lock_from_hardirq_and_process_context(test: &mut Test<'_>) {
    let lock = Arc::pin_init(
        new_irq_spinlock!(0u32, "kunit::shared_with_irq"),
        GFP_KERNEL,
    );
    let Ok(lock) = lock else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let seen_in_irq = Arc::new(AtomicU32::new(0), GFP_KERNEL);
    let Ok(seen_in_irq) = seen_in_irq else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    *lock.lock() = 1;
    let (irq_lock, irq_seen) = (lock.clone(), seen_in_irq.clone());
    let ran = run_in_hardirq(move || {
        let mut value = irq_lock.lock();
        let context = u32::from(in_hardirq()) << 1 | u32::from(irqs_disabled());
        *value += 10;
        irq_seen.store(context << 8 | *value, Ordering::Relaxed);
    });
    kunit_require!(test, ran, "irq_work could not be queued");
    let seen = seen_in_irq.load(Ordering::Relaxed);
    kunit_expect_eq!(test, seen >> 8, 0b11, "expected hard IRQ with IRQs off");
    kunit_expect_eq!(test, seen & 0xff, 11);
    let value = *lock.lock();
    kunit_expect_eq!(test, value, 11);
}

/// The lock composes with `LockedBy`: data owned elsewhere, reachable only with the guard of
/// this particular lock.
fn composes_with_locked_by(test: &mut Test<'_>) {
    struct Ring {
        len: u32,
    }

    let owner = KBox::pin_init(
        new_irq_spinlock!(Ring { len: 0 }, "kunit::ring"),
        GFP_KERNEL,
    );
    let Ok(owner) = owner else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let time = LockedBy::new(&owner, 0u64);

    let off_while_held = {
        let mut ring = owner.lock();
        ring.len += 3;
        *time.access_mut(&mut ring) = 1000;
        irqs_disabled()
    };
    let (stamp, len) = {
        let ring = owner.lock();
        (*time.access(&ring), ring.len)
    };
    kunit_expect!(test, off_while_held);
    kunit_expect_eq!(test, stamp, 1000);
    kunit_expect_eq!(test, len, 3);
}

/// Nested guards dropped out of order (the outer first): interrupts stay off while the inner
/// lock is held, and come back with the last guard. With saved flags (C's irqrestore) the
/// outer drop would re-enable them under the inner lock.
fn nested_guards_out_of_order(test: &mut Test<'_>) {
    let outer = KBox::pin_init(new_irq_spinlock!(1u32, "kunit::ooo_outer"), GFP_KERNEL);
    let inner = KBox::pin_init(new_irq_spinlock!(2u32, "kunit::ooo_inner"), GFP_KERNEL);
    let (Ok(outer), Ok(inner)) = (outer, inner) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let (sum, off_after_outer) = {
        let outer_guard = outer.lock();
        let inner_guard = inner.lock();
        let sum = *outer_guard + *inner_guard;
        drop(outer_guard);
        let off = irqs_disabled();
        drop(inner_guard);
        (sum, off)
    };
    kunit_expect_eq!(test, sum, 3);
    kunit_expect!(
        test,
        off_after_outer,
        "dropping the outer guard first re-enabled IRQs under the inner lock"
    );
    kunit_expect!(test, !irqs_disabled());

    // The same with `IrqsOff` as the outer one.
    let off_after_irqs_on = {
        let irqs_off = IrqsOff::disable();
        let guard = inner.lock();
        drop(irqs_off);
        let off = irqs_disabled();
        drop(guard);
        off
    };
    kunit_expect!(test, off_after_irqs_on);
    kunit_expect!(test, !irqs_disabled());
}

kunit_suite!(
    snd_sync_irq_spinlock,
    [
        guard_disables_local_irqs,
        guard_restores_saved_state,
        nested_guards_unwind_in_order,
        nested_guards_out_of_order,
        early_return_releases_guard,
        condvar_handoff_across_threads,
        lock_from_hardirq_and_process_context,
        composes_with_locked_by,
    ]
);
