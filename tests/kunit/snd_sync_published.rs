// SPDX-License-Identifier: GPL-2.0

//! KUnit suite for `snd_sync::Published` (seed 001: seq_midi output teardown).

extern crate snd_kunit;
extern crate snd_sync;

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel::{prelude::*, sync::Arc};
use snd_kunit::{
    interleave, kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, run_in_hardirq,
    sleep_ms, Latch, Test, Workers,
};
use snd_sync::{in_hardirq, new_published, CallChain, Published};

/// A published object that knows whether it has been torn down.
struct Port {
    id: u32,
    torn_down: AtomicBool,
}

fn port(id: u32) -> Result<KBox<Port>> {
    Ok(KBox::new(
        Port {
            id,
            torn_down: AtomicBool::new(false),
        },
        GFP_KERNEL,
    )?)
}

/// Nothing published: no borrow, no take. Published: borrows see it, a second publish is
/// refused and handed back. Taken: borrows get `None` again.
fn publish_borrow_take(test: &mut Test<'_>) {
    let (Ok(out), Ok(first), Ok(second)) = (
        KBox::pin_init(new_published!("kunit::output"), GFP_KERNEL),
        port(1),
        port(2),
    ) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    // SAFETY: the test case's entry: no borrow is alive on this thread.
    let mut chain = unsafe { CallChain::new() };

    kunit_expect!(test, out.borrow(&chain).is_none());
    kunit_expect!(test, out.take(&mut chain).is_none());
    kunit_expect!(test, out.publish(first).is_ok());
    kunit_expect!(test, out.is_published());
    let refused = out.publish(second);
    kunit_expect_eq!(test, refused.as_ref().map_err(|p| p.id).err(), Some(2));
    kunit_expect_eq!(test, out.borrow(&chain).map(|p| p.id), Some(1));
    let taken = out.take(&mut chain);
    kunit_expect_eq!(test, taken.map(|p| p.id), Some(1));
    kunit_expect!(
        test,
        out.borrow(&chain).is_none(),
        "borrow after take saw a value"
    );
    kunit_expect!(test, !out.is_published());
}

/// A borrow dropped on an error path (`?`) does not hold up `take`.
fn error_path_ends_borrow(test: &mut Test<'_>) {
    let (Ok(out), Ok(p)) = (KBox::pin_init(new_published!(), GFP_KERNEL), port(7)) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_require!(test, out.publish(p).is_ok());
    // SAFETY: the test case's entry: no borrow is alive on this thread.
    let mut chain = unsafe { CallChain::new() };

    fn write_event(out: &Published<Port>, chain: &CallChain, valid: bool) -> Result<u32> {
        let port = out.borrow(chain).ok_or(ENODEV)?;
        if !valid {
            return Err(EINVAL);
        }
        Ok(port.id)
    }
    kunit_expect_eq!(test, write_event(&out, &chain, false), Err(EINVAL));
    kunit_expect_eq!(test, write_event(&out, &chain, true), Ok(7));
    kunit_expect_eq!(test, out.take(&mut chain).map(|p| p.id), Some(7));
    kunit_expect_eq!(test, write_event(&out, &chain, true), Err(ENODEV));
}

/// `borrow` from a hard IRQ handler (as a sequencer event callback may run), with no report.
fn borrow_in_hardirq(test: &mut Test<'_>) {
    let (Ok(out), Ok(p)) = (Arc::pin_init(new_published!(), GFP_KERNEL), port(5)) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_require!(test, out.publish(p).is_ok());
    let Ok(result) = Arc::new(AtomicUsize::new(0), GFP_KERNEL) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let (irq_out, irq_result) = (out.clone(), result.clone());
    let ran = run_in_hardirq(move || {
        // SAFETY: only used shared.
        let chain = unsafe { CallChain::new() };
        let id = irq_out.borrow(&chain).map_or(0, |p| p.id as usize);
        irq_result.store(id << 1 | usize::from(in_hardirq()), Ordering::Relaxed);
    });
    kunit_require!(test, ran);
    kunit_expect_eq!(test, result.load(Ordering::Relaxed), 5 << 1 | 1);
    // SAFETY: the test case's entry: no borrow is alive on this thread.
    let mut chain = unsafe { CallChain::new() };
    kunit_expect!(test, out.take(&mut chain).is_some());
}

#[pin_data]
struct Race {
    #[pin]
    out: Published<Port>,
    #[pin]
    holding: Latch,
    borrows: AtomicUsize,
    saw_torn_down: AtomicUsize,
}

/// `take` sleeps while a borrow on another thread is alive, and returns after it ends.
fn take_waits_for_borrow(test: &mut Test<'_>) {
    let (Ok(race), Ok(p)) = (race(), port(3)) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_require!(test, race.out.publish(p).is_ok());

    let r = race.clone();
    let workers = Workers::spawn(1, move |_| {
        // SAFETY: a work item's entry: no borrow is alive on it.
        let chain = unsafe { CallChain::new() };
        let Some(port) = r.out.borrow(&chain) else {
            return;
        };
        r.holding.arrive();
        sleep_ms(30);
        if port.torn_down.load(Ordering::Relaxed) {
            r.saw_torn_down.fetch_add(1, Ordering::Relaxed);
        }
    });
    kunit_require!(test, workers.is_ok());
    kunit_require!(test, race.holding.wait_for(1), "borrower never started");

    // SAFETY: the test case's entry: no borrow is alive on this thread.
    let mut chain = unsafe { CallChain::new() };
    let taken = race.out.take(&mut chain);
    kunit_require!(test, taken.is_some());
    if let Some(port) = &taken {
        port.torn_down.store(true, Ordering::Relaxed);
    }
    drop(workers);
    kunit_expect_eq!(
        test,
        race.saw_torn_down.load(Ordering::Relaxed),
        0,
        "take returned while the value was borrowed"
    );
}

fn race() -> Result<Arc<Race>> {
    Arc::pin_init(
        pin_init!(Race {
            out <- new_published!("kunit::race_output"),
            holding <- Latch::new(),
            borrows: AtomicUsize::new(0),
            saw_torn_down: AtomicUsize::new(0),
        }),
        GFP_KERNEL,
    )
}

const BORROWERS: usize = 2;
const CYCLES: u32 = 300;

/// Two borrowers hammer `borrow` while this thread publishes, takes and tears down a new value
/// `CYCLES` times. No borrow may ever see a torn-down value (KASAN would also catch a freed
/// one), and every value taken must be the one published.
fn hammer_borrow_against_take(test: &mut Test<'_>) {
    let Ok(race) = race() else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let r = race.clone();
    let workers = Workers::spawn_looping(BORROWERS, move |_| {
        // SAFETY: a work item's entry: no borrow is alive on it.
        let chain = unsafe { CallChain::new() };
        if let Some(port) = r.out.borrow(&chain) {
            r.borrows.fetch_add(1, Ordering::Relaxed);
            for _ in 0..8 {
                if port.torn_down.load(Ordering::Relaxed) {
                    r.saw_torn_down.fetch_add(1, Ordering::Relaxed);
                }
                core::hint::spin_loop();
            }
        };
    });
    let Ok(workers) = workers else {
        kunit_require!(test, false, "could not start the borrowers");
        return;
    };
    kunit_expect!(test, workers.wait_started(), "borrowers never started");
    // SAFETY: the test case's entry: no borrow is alive on this thread.
    let mut chain = unsafe { CallChain::new() };

    let mut wrong_value = 0;
    for id in 0..CYCLES {
        let Ok(p) = port(id) else {
            kunit_expect!(test, false, "allocation failed in cycle {}", id);
            break;
        };
        kunit_expect!(test, race.out.publish(p).is_ok());
        interleave(id as usize);
        match race.out.take(&mut chain) {
            Some(port) if port.id == id => port.torn_down.store(true, Ordering::Relaxed),
            _ => wrong_value += 1,
        }
    }
    workers.join();

    kunit_expect_eq!(test, wrong_value, 0);
    kunit_expect_eq!(test, race.saw_torn_down.load(Ordering::Relaxed), 0);
    kunit_expect!(
        test,
        race.borrows.load(Ordering::Relaxed) > 0,
        "no borrow ever raced a take; the test proved nothing"
    );
}

kunit_suite!(
    snd_sync_published,
    [
        publish_borrow_take,
        error_path_ends_borrow,
        borrow_in_hardirq,
        take_waits_for_borrow,
        hammer_borrow_against_take,
    ]
);
