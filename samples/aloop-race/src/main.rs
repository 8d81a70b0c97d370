//! aloop-race: the seed 003 race. With the capture end of cable 0 (hw:Loopback,1,0) running,
//! starting the playback end (hw:Loopback,0,0) with another format makes
//! `loopback_check_format()` stop the capture, outside the cable lock, while the capture may
//! be closing (`free_cable()`). One thread opens, configures S16_LE 48000 2, starts and closes
//! the capture; another does the same with a playback S32_LE 44100 1; a third reads the cable's
//! /proc file. Raw ioctls leave a stream configured but unprepared, which is what lets the
//! two ends disagree (alsa-lib would prepare inside hw_params, and the cable's rules would
//! then refuse the second format).
//!
//! ```text
//! aloop-race [ROUNDS]     (default 300 per thread)
//! ```
//!
//! Prints what each side saw; exits non-zero on an errno the loopback never returns here.

#[path = "../../aloop-hwparams/src/raw.rs"]
#[allow(dead_code)]
mod raw;

use raw::{RawPcm, Setup};
use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::Duration;

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

fn main() -> std::process::ExitCode {
    let rounds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let card = match raw::loopback_card() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("aloop-race: no Loopback card: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let done = AtomicBool::new(false);
    let proc_reads = AtomicU64::new(0);
    let (capt, play) = thread::scope(|s| {
        let capt = s.spawn(|| {
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
        let play = s.spawn(|| {
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
        s.spawn(|| {
            while !done.load(Relaxed) {
                let _ = std::fs::read_to_string("/proc/asound/Loopback/cable#0");
                proc_reads.fetch_add(1, Relaxed);
                thread::sleep(Duration::from_millis(2));
            }
        });
        let capt = capt.join().expect("capture thread");
        let play = play.join().expect("playback thread");
        done.store(true, Relaxed);
        (capt, play)
    });
    println!("capture, {rounds} rounds: {}", capt.line());
    println!("playback, {rounds} rounds: {}", play.line());
    println!("proc reads: {}", proc_reads.load(Relaxed));
    let bad: Vec<&String> = capt
        .0
        .keys()
        .chain(play.0.keys())
        .filter(|k| k.contains(' ') && !k.starts_with("stopped") && !expected(k))
        .collect();
    if !bad.is_empty() {
        println!("aloop-race: FAIL: unexpected errors: {bad:?}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
