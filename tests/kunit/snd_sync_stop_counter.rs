// SPDX-License-Identifier: GPL-2.0

//! KUnit suite for `snd_sync::StopLock` (seed 003: aloop's peer stop during teardown).

extern crate snd_kunit;
extern crate snd_sync;

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel::{prelude::*, sync::Arc};
use snd_kunit::{
    interleave, kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, run_in_hardirq,
    sleep_ms, Latch, Test, Workers,
};
use snd_sync::{new_stop_lock, StopLock};

/// The capture stream of a simulated cable; `freed` marks what C's `free_cable()` would free.
struct Stream {
    freed: AtomicBool,
}

/// A simulated `struct loopback_cable`: the peer stream under the cable lock, and the count of
/// peer stops running outside it.
#[pin_data]
struct Cable {
    #[pin]
    capture: StopLock<Option<Arc<Stream>>>,
    /// Arrived at by a stopper once it holds its guard outside the lock.
    #[pin]
    holding: Latch,
    stops_done: AtomicUsize,
    stopped_freed_stream: AtomicUsize,
}

fn cable() -> Result<Arc<Cable>> {
    Arc::pin_init(
        pin_init!(Cable {
            capture <- new_stop_lock!(None, "kunit::cable_lock"),
            holding <- Latch::new(),
            stops_done: AtomicUsize::new(0),
            stopped_freed_stream: AtomicUsize::new(0),
        }),
        GFP_KERNEL,
    )
}

fn stream() -> Result<Arc<Stream>> {
    Ok(Arc::new(
        Stream {
            freed: AtomicBool::new(false),
        },
        GFP_KERNEL,
    )?)
}

/// C: the tail of `loopback_check_format()`: decide under the lock, stop after dropping it.
/// `while_stopping` runs where `snd_pcm_stop()` would, with the stop counted. Returns whether
/// a stop ran.
fn stop_peer(cable: &Cable, while_stopping: impl FnOnce()) -> bool {
    let capture = cable.capture.lock();
    let Some(stream) = capture.clone() else {
        return false;
    };
    let stop = capture.begin_stop();
    drop(capture);
    // snd_pcm_stop(capture) would run here.
    while_stopping();
    if stream.freed.load(Ordering::Relaxed) {
        cable.stopped_freed_stream.fetch_add(1, Ordering::Relaxed);
    }
    cable.stops_done.fetch_add(1, Ordering::Relaxed);
    drop(stop);
    true
}

/// C: `free_cable()`: detach under the lock, wait for stops in flight, then free.
fn free_capture(cable: &Cable) -> bool {
    let Some(stream) = cable.capture.lock().take() else {
        return false;
    };
    cable.capture.wait_idle();
    stream.freed.store(true, Ordering::Relaxed);
    true
}

/// The guard counts one stop until dropped, also when an error path returns early.
fn guard_counts_until_dropped(test: &mut Test<'_>) {
    let Ok(cable) = cable() else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let capture = cable.capture.lock();
    let stop = capture.begin_stop();
    drop(capture);
    kunit_expect_eq!(test, cable.capture.in_flight(), 1);
    drop(stop);
    kunit_expect_eq!(test, cable.capture.in_flight(), 0);

    fn stop_fails(cable: &Cable) -> Result {
        let capture = cable.capture.lock();
        let _stop = capture.begin_stop();
        drop(capture);
        Err(EIO)
    }
    kunit_expect_eq!(test, stop_fails(&cable), Err(EIO));
    kunit_expect_eq!(test, cable.capture.in_flight(), 0);
    cable.capture.wait_idle();
}

/// A stop decided in a hard IRQ handler (as from a timer callback) is counted and ended
/// there, with no lockdep or sleeping-in-atomic report.
fn stop_from_hardirq(test: &mut Test<'_>) {
    let (Ok(cable), Ok(s)) = (cable(), stream()) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    *cable.capture.lock() = Some(s);
    let irq_cable = cable.clone();
    let ran = run_in_hardirq(move || {
        stop_peer(&irq_cable, || {});
    });
    kunit_require!(test, ran);
    kunit_expect_eq!(test, cable.stops_done.load(Ordering::Relaxed), 1);
    kunit_expect_eq!(test, cable.capture.in_flight(), 0);
    kunit_expect!(test, free_capture(&cable));
}

/// Teardown waits for a stop running on another thread before it frees the stream.
fn teardown_waits_for_stop(test: &mut Test<'_>) {
    let (Ok(cable), Ok(s)) = (cable(), stream()) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    *cable.capture.lock() = Some(s);

    let c = cable.clone();
    let workers = Workers::spawn(1, move |_| {
        stop_peer(&c, || {
            c.holding.arrive();
            sleep_ms(30);
        });
    });
    kunit_require!(test, workers.is_ok());
    kunit_require!(test, cable.holding.wait_for(1), "stopper never started");
    kunit_expect!(test, free_capture(&cable));
    drop(workers);
    kunit_expect_eq!(
        test,
        cable.stopped_freed_stream.load(Ordering::Relaxed),
        0,
        "free_capture() returned while a stop was running"
    );
}

const STOPPERS: usize = 2;
const CYCLES: usize = 300;

/// Two threads hammer the peer stop while this one installs and frees a capture stream
/// `CYCLES` times: no stop may ever run on a freed stream.
fn hammer_stop_against_teardown(test: &mut Test<'_>) {
    let Ok(cable) = cable() else {
        kunit_require!(test, false, "allocation failed");
        return;
    };

    let c = cable.clone();
    let workers = Workers::spawn_looping(STOPPERS, move |_| {
        stop_peer(&c, || {});
    });
    let Ok(workers) = workers else {
        kunit_require!(test, false, "could not start the stoppers");
        return;
    };
    kunit_expect!(test, workers.wait_started(), "stoppers never started");

    let mut freed = 0;
    for cycle in 0..CYCLES {
        let Ok(s) = stream() else {
            kunit_expect!(test, false, "allocation failed");
            break;
        };
        *cable.capture.lock() = Some(s);
        interleave(cycle);
        if free_capture(&cable) {
            freed += 1;
        }
    }
    workers.join();

    kunit_expect_eq!(test, freed, CYCLES);
    kunit_expect_eq!(test, cable.stopped_freed_stream.load(Ordering::Relaxed), 0);
    kunit_expect_eq!(test, cable.capture.in_flight(), 0);
    kunit_expect!(
        test,
        cable.stops_done.load(Ordering::Relaxed) > 0,
        "no stop ever raced a teardown; the test proved nothing"
    );
}

kunit_suite!(
    snd_sync_stop_counter,
    [
        guard_counts_until_dropped,
        stop_from_hardirq,
        teardown_waits_for_stop,
        hammer_stop_against_teardown,
    ]
);
