//! pcm-link-race: races of linked PCM streams in the ALSA core, on the loopback card
//! (`pcm_substreams` ≥ 2). Every stream is a capture substream of device 0, driven by raw
//! ioctls.
//!
//! ```text
//! pcm-link-race close [ROUNDS]           (default 100)
//! pcm-link-race hw-params [ROUNDS]       (default 100)
//! pcm-link-race start [SECONDS]          (default 10)
//! pcm-link-race prepare-both [SECONDS]   (default 10)
//! ```
//!
//! `close`: two captures are configured, the second with a 2 MiB buffer, and linked. One
//! thread PREPAREs the first in a loop; the group's prepare also runs the driver's prepare
//! of the second, which fills the second's buffer with silence. The main thread closes the
//! second meanwhile, a little later in each round. Releasing a stream frees its buffer
//! before the stream leaves the group, so the group's prepare can write into a freed buffer.
//!
//! `hw-params`: the same, but the main thread frees and reconfigures the second stream
//! (HW_FREE, HW_PARAMS) instead of closing it.
//!
//! `start`: the two captures linked; one thread runs PREPARE, START, DROP on the first in a
//! loop, another START and DROP on the second. Every START and DROP locks the group (also a
//! START that the state refuses), and when the other thread holds the group lock, the
//! stream's own lock is dropped and taken again under the group lock. Only the first thread
//! PREPAREs: two PREPAREs issued on different members at once deadlock on the members'
//! buffer mutexes (`prepare-both` shows that).
//!
//! `prepare-both`: both threads PREPARE their member of the group in a loop.
//!
//! Prints what each side did; exits 1 when the streams could not be set up, or when the
//! race was never reached (no close or reconfiguration during a prepare, no START).

#[path = "../../aloop-hwparams/src/raw.rs"]
#[allow(dead_code)]
mod raw;

use raw::{RawPcm, Setup};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

/// S16_LE stereo, 16 KiB.
const SMALL: Setup = raw::S16_48K_2;
/// S32_LE stereo, 2 MiB: the loopback's largest buffer, the longest silence fill.
const BIG: Setup = Setup {
    format: raw::S32_LE,
    rate: 48000,
    channels: 2,
    period: 32768,
    buffer: 262144,
};

/// The first free capture substream of device 0 (non-blocking).
fn open_capture(card: u32) -> io::Result<RawPcm> {
    RawPcm::open(card, 0, true)
}

/// Two captures, the second configured with `second`, linked. Fails on any error: the
/// race needs all of it.
fn linked_pair(card: u32, second: &Setup) -> Result<(RawPcm, RawPcm), String> {
    let e = |what: &'static str| move |e: io::Error| format!("{what}: {e}");
    let mut a = open_capture(card).map_err(e("open the first capture"))?;
    let mut b = open_capture(card).map_err(e("open the second capture (pcm_substreams >= 2?)"))?;
    a.hw_params(&SMALL).map_err(e("HW_PARAMS of the first"))?;
    b.hw_params(second).map_err(e("HW_PARAMS of the second"))?;
    a.link(&b).map_err(e("LINK"))?;
    Ok((a, b))
}

/// `close` (reconfigure = false) and `hw-params` (true).
fn prepare_race(card: u32, rounds: u64, reconfigure: bool) -> Result<(), String> {
    let prepares = AtomicU64::new(0);
    let mut during = 0;
    let mut last_subs = (0, 0);
    for round in 0..rounds {
        let (a, mut b) = linked_pair(card, &BIG)?;
        last_subs = (a.subdevice(), b.subdevice());
        a.prepare()
            .map_err(|e| format!("PREPARE of the group: {e}"))?;
        let busy = AtomicBool::new(false);
        let stop = AtomicBool::new(false);
        // 0 to 1.8 ms after the prepares begin: the closes meet every phase of them.
        let delay = Duration::from_micros(round % 10 * 200);
        thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(SeqCst) {
                    busy.store(true, SeqCst);
                    let _ = a.prepare();
                    busy.store(false, SeqCst);
                    prepares.fetch_add(1, SeqCst);
                }
            });
            thread::sleep(delay);
            if busy.load(SeqCst) {
                during += 1;
            }
            if reconfigure {
                for _ in 0..4 {
                    let _ = b.hw_free();
                    let _ = b.hw_params(&BIG);
                }
            }
            drop(b);
            stop.store(true, SeqCst);
        });
    }
    let what = if reconfigure {
        "HW_FREE+HW_PARAMS"
    } else {
        "close"
    };
    println!(
        "{rounds} rounds (substreams {} and {}): {} group prepares, {during} of the {rounds} {what}s began during one",
        last_subs.0,
        last_subs.1,
        prepares.load(SeqCst)
    );
    if during == 0 {
        return Err(format!("no {what} ever began during a group prepare"));
    }
    Ok(())
}

/// `start`: the first member PREPAREs, STARTs and DROPs the group, the second STARTs and
/// DROPs it; `prepare-both`: both PREPARE it. One thread each.
fn group_race(card: u32, seconds: u64, prepare_both: bool) -> Result<(), String> {
    let (a, b) = linked_pair(card, &SMALL)?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let results: Vec<(u64, u64)> = thread::scope(|s| {
        let workers: Vec<_> = [(&a, true), (&b, prepare_both)]
            .into_iter()
            .map(|(p, prepare)| {
                s.spawn(move || {
                    let (mut rounds, mut started) = (0, 0);
                    while Instant::now() < deadline {
                        if prepare {
                            let _ = p.prepare();
                        }
                        if !prepare_both {
                            if p.start().is_ok() {
                                started += 1;
                            }
                            let _ = p.drop_stream();
                        }
                        rounds += 1;
                    }
                    (rounds, started)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .collect()
    });
    let ops = |first: bool| match (prepare_both, first) {
        (true, _) => "PREPARE",
        (false, true) => "PREPARE/START/DROP",
        (false, false) => "START/DROP",
    };
    for (i, (p, (rounds, started))) in [&a, &b].iter().zip(&results).enumerate() {
        let starts = if prepare_both {
            String::new()
        } else {
            format!(", {started} STARTs succeeded")
        };
        println!(
            "substream {}: {rounds} rounds of {}{starts}",
            p.subdevice(),
            ops(i == 0)
        );
    }
    if !prepare_both && results.iter().map(|r| r.1).sum::<u64>() == 0 {
        return Err("the group never started".into());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let num = |default: u64| {
        args.get(2)
            .and_then(|a| a.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let card = match raw::loopback_card() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pcm-link-race: no Loopback card: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let r = match args.get(1).map(String::as_str) {
        Some("close") => prepare_race(card, num(100), false),
        Some("hw-params") => prepare_race(card, num(100), true),
        Some("start") => group_race(card, num(10), false),
        Some("prepare-both") => group_race(card, num(10), true),
        _ => Err(
            "usage: pcm-link-race close|hw-params [ROUNDS] | start|prepare-both [SECONDS]".into(),
        ),
    };
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pcm-link-race: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
