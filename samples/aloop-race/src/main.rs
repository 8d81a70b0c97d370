//! aloop-race: the seed 003 race. With the capture end of cable 0 (hw:Loopback,1,0) running,
//! starting the playback end (hw:Loopback,0,0) with another format makes
//! `loopback_check_format()` stop the capture, outside the cable lock, while the capture may
//! be closing (`free_cable()`). One thread opens, configures S16_LE 48000 2, starts and closes
//! the capture; another does the same with a playback S32_LE 44100 1; a third reads the cable's
//! /proc file. Raw ioctls leave a stream configured but unprepared, which is what lets the
//! two ends disagree (alsa-lib would prepare inside hw_params, and the cable's rules would
//! then refuse the second format).
//!
//! Then the same two ends in lockstep, so that every round reaches the race: both configure
//! (the playback first), the capture prepares and starts, the playback prepares and starts
//! (its start stops the running capture), and the capture closes a moment after the
//! playback's start began, at a delay that varies from round to round (0 to 1.5 ms; every
//! other round looks at its state first, to count the stops). Before the seed fix, that close
//! could free the capture's runtime under the playback's `snd_pcm_stop()`.
//!
//! ```text
//! aloop-race [ROUNDS [LOCKSTEP]]     (default 300 per thread, then ROUNDS lockstep rounds)
//! aloop-race drop ROUNDS             DROP of the capture vs the playback's START (peer_stop.rs)
//! aloop-race linked ROUNDS           a linked capture stopped by the playback (peer_stop.rs)
//! ```
//!
//! Prints what each side saw; exits non-zero on an errno the loopback never returns here.

mod peer_stop;
#[path = "../../aloop-hwparams/src/raw.rs"]
#[allow(dead_code)]
mod raw;

use raw::{RawPcm, Setup};
use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Tally(BTreeMap<String, u64>);

impl Tally {
    fn add(&mut self, what: &str) {
        *self.0.entry(what.to_string()).or_default() += 1;
    }
    fn line(&self) -> String {
        let v: Vec<String> = self.0.iter().map(|(k, n)| format!("{k} {n}")).collect();
        v.join(", ")
    }
}

/// One round: open, configure, prepare, start; `Ok(pcm)` when it started, `Err(step: errno)`.
fn round(card: u32, dev: u32, capture: bool, s: &Setup) -> Result<RawPcm, String> {
    let e = |what: &str| {
        let what = what.to_string();
        move |e: io::Error| format!("{what} {}", raw::errname(&e))
    };
    let mut pcm = RawPcm::open(card, dev, capture).map_err(e("open"))?;
    pcm.hw_params(s).map_err(e("hw_params"))?;
    pcm.prepare().map_err(e("prepare"))?;
    pcm.start().map_err(e("start"))?;
    Ok(pcm)
}

/// Errors a round may meet: the cable's rules refuse a format (EINVAL), a capture start
/// meets a mismatching playback (EIO), the capture is busy for a moment (EBUSY).
fn expected(err: &str) -> bool {
    err.ends_with("EINVAL") || err.ends_with("EIO") || err.ends_with("EBUSY")
}

/// Spawns a scoped thread under a name: the kernel's reports name the task by it.
fn named<'scope, T: Send + 'scope>(
    s: &'scope thread::Scope<'scope, '_>,
    name: &str,
    f: impl FnOnce() -> T + Send + 'scope,
) -> thread::ScopedJoinHandle<'scope, T> {
    thread::Builder::new()
        .name(name.to_string())
        .spawn_scoped(s, f)
        .expect("spawn a thread")
}

/// Spins for `d` (a sleep would take far longer than the window under test).
fn spin(d: Duration) {
    let t0 = Instant::now();
    while t0.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// The lockstep rounds: every round stops a running capture from the playback's start while
/// the capture closes. Returns the tallies of the capture and of the playback.
fn lockstep(card: u32, rounds: u64) -> (Tally, Tally) {
    let step = Barrier::new(2);
    let starting = AtomicBool::new(false);
    thread::scope(|s| {
        let capt = named(s, "lock-capture", || {
            let mut t = Tally::default();
            for i in 0..rounds {
                // 1: the playback configures first, then the capture (the cable's rules
                // would refuse the second format once the capture is prepared).
                step.wait();
                let pcm = RawPcm::open(card, 1, true);
                let pcm = pcm.and_then(|mut p| p.hw_params(&raw::S16_48K_2).map(|()| p));
                // 2: prepared and started, the capture runs alone.
                let started = pcm.as_ref().map_err(raw::errname).and_then(|p| {
                    p.prepare()
                        .and_then(|()| p.start())
                        .map_err(|e| raw::errname(&e))
                });
                step.wait();
                // 3: the playback starts; the capture closes a moment later.
                while !starting.load(Acquire) {
                    std::hint::spin_loop();
                }
                spin(Duration::from_micros(100 * (i / 2 % 16)));
                match (&pcm, started) {
                    // Every other round closes at once, without looking.
                    (Ok(_), Ok(())) if i % 2 == 0 => t.add("started"),
                    (Ok(p), Ok(())) => {
                        t.add("started");
                        if p.state() == "DRAINING" {
                            t.add("stopped by the playback");
                        }
                    }
                    (Err(e), _) => t.add(&format!("capture hw_params {}", raw::errname(e))),
                    (Ok(_), Err(e)) => t.add(&format!("capture start {e}")),
                }
                drop(pcm);
                step.wait();
            }
            t
        });
        let play = named(s, "lock-playback", || {
            let mut t = Tally::default();
            for _ in 0..rounds {
                let pcm = RawPcm::open(card, 0, false);
                let pcm = pcm.and_then(|mut p| p.hw_params(&raw::S32_44K_1).map(|()| p));
                step.wait();
                step.wait();
                let r = pcm.as_ref().map_err(raw::errname).and_then(|p| {
                    p.prepare()
                        .map_err(|e| format!("prepare {}", raw::errname(&e)))?;
                    starting.store(true, Release);
                    p.start().map_err(|e| format!("start {}", raw::errname(&e)))
                });
                starting.store(true, Release);
                match r {
                    Ok(()) => t.add("started"),
                    Err(e) => t.add(&format!("playback {e}")),
                }
                drop(pcm);
                step.wait();
                starting.store(false, Release);
            }
            t
        });
        (
            capt.join().expect("capture thread"),
            play.join().expect("playback thread"),
        )
    })
}

/// `aloop-race drop|linked ROUNDS`: prints the two tallies; fails on an unexpected errno or
/// a capture left in another state than its DROP leaves (SETUP).
fn peer_stop_main(card: u32, mode: &str, rounds: u64) -> std::process::ExitCode {
    let (capt, play) = match mode {
        "drop" => peer_stop::drop_vs_start(card, rounds),
        _ => peer_stop::linked_capture(card, rounds),
    };
    println!("{mode} capture, {rounds} rounds: {}", capt.line());
    println!("{mode} playback, {rounds} rounds: {}", play.line());
    let bad: Vec<&String> = capt
        .0
        .keys()
        .chain(play.0.keys())
        .filter(|k| match mode {
            "drop" => k.starts_with("left ") && k.as_str() != "left SETUP",
            _ => k.starts_with("after drop ") && k.as_str() != "after drop SETUP + SETUP",
        } || k.starts_with("capture ") || k.starts_with("playback "))
        .collect();
    if !bad.is_empty() {
        println!("aloop-race: FAIL: {bad:?}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

fn main() -> std::process::ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode == "drop" || mode == "linked" {
        let rounds = std::env::args()
            .nth(2)
            .and_then(|a| a.parse().ok())
            .unwrap_or(300);
        return match raw::loopback_card() {
            Ok(card) => peer_stop_main(card, &mode, rounds),
            Err(e) => {
                eprintln!("aloop-race: no Loopback card: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let rounds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let lockstep_rounds: u64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(rounds);
    let card = match raw::loopback_card() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("aloop-race: no Loopback card: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let done = AtomicBool::new(false);
    let proc_reads = AtomicU64::new(0);
    let (capt, play, lock_capt, lock_play) = thread::scope(|s| {
        let capt = named(s, "capture", || {
            let mut t = Tally::default();
            for i in 0..rounds {
                match round(card, 1, true, &raw::S16_48K_2) {
                    Ok(pcm) => {
                        t.add("started");
                        // Give the playback a moment to start against the running capture.
                        let mut stopped = false;
                        for _ in 0..(i % 4) {
                            thread::sleep(Duration::from_micros(300));
                            if pcm.state() == "DRAINING" {
                                stopped = true;
                                break;
                            }
                        }
                        if stopped || pcm.state() == "DRAINING" {
                            t.add("stopped by the playback");
                        }
                    }
                    Err(e) => t.add(&format!("capture {e}")),
                }
            }
            t
        });
        let play = named(s, "playback", || {
            let mut t = Tally::default();
            for i in 0..rounds {
                match round(card, 0, false, &raw::S32_44K_1) {
                    Ok(_pcm) => {
                        t.add("started");
                        if i % 3 == 0 {
                            thread::sleep(Duration::from_micros(500));
                        }
                    }
                    Err(e) => t.add(&format!("playback {e}")),
                }
            }
            t
        });
        named(s, "proc-reader", || {
            while !done.load(Relaxed) {
                let _ = std::fs::read_to_string("/proc/asound/Loopback/cable#0");
                proc_reads.fetch_add(1, Relaxed);
                thread::sleep(Duration::from_millis(2));
            }
        });
        let capt = capt.join().expect("capture thread");
        let play = play.join().expect("playback thread");
        let (lock_capt, lock_play) = lockstep(card, lockstep_rounds);
        done.store(true, Relaxed);
        (capt, play, lock_capt, lock_play)
    });
    println!("capture, {rounds} rounds: {}", capt.line());
    println!("playback, {rounds} rounds: {}", play.line());
    println!(
        "lockstep capture, {lockstep_rounds} rounds: {}",
        lock_capt.line()
    );
    println!(
        "lockstep playback, {lockstep_rounds} rounds: {}",
        lock_play.line()
    );
    println!("proc reads: {}", proc_reads.load(Relaxed));
    let bad: Vec<&String> = [&capt, &play, &lock_capt, &lock_play]
        .iter()
        .flat_map(|t| t.0.keys())
        .filter(|k| k.contains(' ') && !k.starts_with("stopped") && !expected(k))
        .collect();
    if !bad.is_empty() {
        println!("aloop-race: FAIL: unexpected errors: {bad:?}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
