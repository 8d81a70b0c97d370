//! Seed 003's lock half: the peer stop of `loopback_check_format()` must run under the
//! capture's own stream lock and only while the capture still runs.
//!
//! `drop` rounds: the capture of cable 0 runs (S16_LE 48000 2); the playback (S32_LE 44100 1)
//! starts, which stops the capture; the capture's owner DROPs it 0 to 1.5 ms after the
//! playback's START began. Whatever the order, DROP leaves SETUP; a stop that decided before
//! the DROP and lands after it (no lock, no re-check) leaves the dropped capture DRAINING.
//!
//! `linked` rounds: the capture of cable 0 is linked (SNDRV_PCM_IOCTL_LINK) to the capture
//! of cable 1 and both run; the mismatching playback's START stops the group through the
//! linked capture (`snd_pcm_stop()` → `snd_pcm_stream_group_ref()`, which unlocks and
//! relocks the stream lock it expects its caller to hold). Every other round, a third
//! thread DROPs the cable-1 capture at the same moment (the group lock is contended then).
//! After the START both captures are stopped and, after the DROPs, SETUP.

use super::{named, raw, spin, Tally};
use raw::RawPcm;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

/// Delay of round `i`'s competing step after the playback's START began: 0 to 1.5 ms in
/// 100 µs steps, so that every phase of the START meets it.
fn delay(i: u64) -> Duration {
    Duration::from_micros(100 * (i % 16))
}

/// A capture of device 1 (the loopback's capture ends), configured S16_LE 48000 2.
fn capture(card: u32) -> Result<RawPcm, String> {
    let mut p = RawPcm::open(card, 1, true).map_err(|e| format!("open {}", raw::errname(&e)))?;
    p.hw_params(&raw::S16_48K_2)
        .map_err(|e| format!("hw_params {}", raw::errname(&e)))?;
    Ok(p)
}

/// The playback of cable 0, configured S32_LE 44100 1 (mismatching the captures).
fn playback(card: u32) -> Result<RawPcm, String> {
    let mut p = RawPcm::open(card, 0, false).map_err(|e| format!("open {}", raw::errname(&e)))?;
    p.hw_params(&raw::S32_44K_1)
        .map_err(|e| format!("hw_params {}", raw::errname(&e)))?;
    Ok(p)
}

/// Prepares and starts the playback, raising `starting` just before its START.
fn start_playback(p: &RawPcm, starting: &AtomicBool) -> Result<(), String> {
    p.prepare()
        .map_err(|e| format!("prepare {}", raw::errname(&e)))?;
    starting.store(true, Release);
    p.start().map_err(|e| format!("start {}", raw::errname(&e)))
}

fn wait_for(flag: &AtomicBool) {
    while !flag.load(Acquire) {
        std::hint::spin_loop();
    }
}

/// The playback's side of every round: configured before the first barrier, prepared and
/// started (raising `starting`) after the second, closed after the third; the fourth ends
/// the round. Returns what its STARTs gave.
fn playback_rounds(card: u32, rounds: u64, step: &Barrier, starting: &AtomicBool) -> Tally {
    let mut t = Tally::default();
    for _ in 0..rounds {
        let pcm = playback(card);
        step.wait();
        step.wait();
        let r = pcm
            .as_ref()
            .map_err(String::clone)
            .and_then(|p| start_playback(p, starting));
        starting.store(true, Release);
        t.add(&r.map_or_else(|e| format!("playback {e}"), |()| "started".into()));
        step.wait();
        drop(pcm);
        starting.store(false, Release);
        step.wait();
    }
    t
}

/// DROP vs the playback's START. Returns the capture's and the playback's tallies; the
/// capture tally counts the state the capture is left in once both calls returned.
pub fn drop_vs_start(card: u32, rounds: u64) -> (Tally, Tally) {
    let step = Barrier::new(2);
    let starting = AtomicBool::new(false);
    thread::scope(|s| {
        let capt = named(s, "drop-capture", || {
            let mut t = Tally::default();
            for i in 0..rounds {
                step.wait(); // the playback is configured
                let pcm = capture(card).and_then(|p| {
                    p.prepare()
                        .and_then(|()| p.start())
                        .map(|()| p)
                        .map_err(|e| format!("start {}", raw::errname(&e)))
                });
                step.wait(); // the capture runs
                wait_for(&starting);
                spin(delay(i));
                let dropped = pcm.as_ref().map(|p| p.drop_stream());
                step.wait(); // the playback's START returned
                match (&pcm, dropped) {
                    (Ok(p), Ok(Ok(()))) => t.add(&format!("left {}", p.state())),
                    (Ok(_), Ok(Err(e))) => t.add(&format!("capture drop {}", raw::errname(&e))),
                    (Err(e), _) | (_, Err(e)) => t.add(&format!("capture {e}")),
                }
                drop(pcm);
                step.wait(); // both closed
            }
            t
        });
        let play = named(s, "drop-playback", || {
            playback_rounds(card, rounds, &step, &starting)
        });
        (
            capt.join().expect("capture thread"),
            play.join().expect("playback thread"),
        )
    })
}

/// A linked capture stopped by the mismatching playback. Returns the tally of what the
/// captures were left in, and the playback's.
pub fn linked_capture(card: u32, rounds: u64) -> (Tally, Tally) {
    let step = Barrier::new(3);
    let starting = AtomicBool::new(false);
    // The cable-1 capture, shared with the thread that drops it in the contended rounds.
    let member: std::sync::Mutex<Option<RawPcm>> = std::sync::Mutex::new(None);
    thread::scope(|s| {
        let capt = named(s, "linked-capture", || {
            let mut t = Tally::default();
            for _ in 0..rounds {
                step.wait(); // the playback is configured
                             // The first capture opened takes substream 0 (cable 0, the playback's peer),
                             // the second substream 1 (cable 1, no playback).
                let linked = capture(card).and_then(|a| {
                    let b = capture(card)?;
                    a.link(&b)
                        .map_err(|e| format!("link {}", raw::errname(&e)))?;
                    a.prepare()
                        .and_then(|()| a.start())
                        .map_err(|e| format!("group start {}", raw::errname(&e)))?;
                    *member.lock().expect("member") = Some(b);
                    Ok(a)
                });
                step.wait(); // the group runs
                step.wait(); // the playback's START (and the competing DROP) returned
                match &linked {
                    Ok(a) => {
                        let b = member.lock().expect("member").take();
                        let b_state = b.as_ref().map_or("?".into(), |b| b.state());
                        t.add(&format!("after start {} + {}", a.state(), b_state));
                        let _ = a.drop_stream();
                        t.add(&format!("after drop {} + {}", a.state(), b_state_after(&b)));
                        let _ = a.unlink();
                    }
                    Err(e) => t.add(&format!("capture {e}")),
                }
                drop(linked);
                step.wait(); // all closed
            }
            t
        });
        let play = named(s, "linked-playback", || {
            playback_rounds(card, rounds, &step, &starting)
        });
        named(s, "member-drop", || {
            for i in 0..rounds {
                step.wait();
                step.wait();
                if i % 2 == 1 {
                    wait_for(&starting);
                    spin(delay(i / 2));
                    if let Some(b) = member.lock().expect("member").as_ref() {
                        let _ = b.drop_stream();
                    }
                }
                step.wait();
                step.wait();
            }
        });
        (
            capt.join().expect("capture thread"),
            play.join().expect("playback thread"),
        )
    })
}

/// The cable-1 capture's state after the group's DROP.
fn b_state_after(b: &Option<RawPcm>) -> String {
    b.as_ref().map_or("?".into(), |b| b.state())
}
