//! seq-midi-race: the seed 001 race through the real interface. One client subscribes to
//! and unsubscribes from the bridge's port in a loop (the bridge opens and closes its
//! rawmidi output: `use`/`unuse`); another floods the port with events sent straight to it
//! (`event_input`): notes, controllers, sysex short and oversized, and event types MIDI
//! cannot express. Then the two in lockstep, so that every round reaches the race: the
//! subscriber subscribes, lets the sender send one note straight to the port and
//! unsubscribes a moment later (0 to 360 us, or 1 to 5 ms in every other round), while that
//! note is on its way to the output being closed. Bounded iterations; prints counts, exits non-zero when a
//! system call fails unexpectedly.
//!
//! ```text
//! seq-midi-race CLIENT:PORT [ROUNDS [LOCKSTEP]]   (LOCKSTEP rounds default to ROUNDS)
//! seq-midi-race info CLIENT:PORT    the port's description, as the sequencer reports it
//! ```

use alsa::seq::{Addr, EvCtrl, EvNote, Event, EventType, PortCap, PortSubscribe, PortType, Seq};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

fn parse_addr(text: &str) -> Option<Addr> {
    let (client, port) = text.split_once(':')?;
    Some(Addr {
        client: client.parse().ok()?,
        port: port.parse().ok()?,
    })
}

fn open(name: &str) -> alsa::Result<(Seq, i32)> {
    let seq = Seq::open(None, None, false)?;
    let cname = CString::new(name).unwrap_or_default();
    seq.set_client_name(&cname)?;
    let port = seq.create_simple_port(
        &cname,
        PortCap::READ | PortCap::SUBS_READ,
        PortType::MIDI_GENERIC | PortType::APPLICATION,
    )?;
    Ok((seq, port))
}

/// The events the flooder cycles through, by index.
fn event(i: u64, sysex: &[u8], oversized: &[u8]) -> Event<'static> {
    let note = |on: bool| EvNote {
        channel: (i % 16) as u8,
        note: (i % 128) as u8,
        velocity: if on { 100 } else { 0 },
        off_velocity: 0,
        duration: 0,
    };
    match i % 8 {
        0 => Event::new(EventType::Noteon, &note(true)),
        1 => Event::new(EventType::Noteoff, &note(false)),
        2 => Event::new(
            EventType::Controller,
            &EvCtrl {
                channel: 0,
                param: 7,
                value: (i % 128) as i32,
            },
        ),
        3 => Event::new(
            EventType::Pitchbend,
            &EvCtrl {
                channel: 1,
                param: 0,
                value: (i % 8192) as i32,
            },
        ),
        4 => Event::new_ext(EventType::Sysex, sysex.to_vec()).into_owned(),
        // Cannot be expressed as MIDI: the bridge drops it.
        5 => Event::new(EventType::Echo, &()),
        6 if i % 64 == 6 => Event::new_ext(EventType::Sysex, oversized.to_vec()).into_owned(),
        _ => Event::new(EventType::Noteon, &note(true)),
    }
}

/// Prints what `aconnect -l` leaves out: type, capability bits, channels and voices.
fn port_info(addr: Addr) -> alsa::Result<()> {
    let seq = Seq::open(None, None, false)?;
    let info = seq.get_any_port_info(addr)?;
    println!(
        "port {}:{} '{}': type {:#x}, capability {:#x}, midi channels {}, midi voices {}, \
         synth voices {}",
        addr.client,
        addr.port,
        info.get_name().unwrap_or("?"),
        info.get_type().bits(),
        info.get_capability().bits(),
        info.get_midi_channels(),
        info.get_midi_voices(),
        info.get_synth_voices()
    );
    Ok(())
}

/// Spins for `d` (a sleep would take far longer than the window under test).
fn spin(d: Duration) {
    let t0 = Instant::now();
    while t0.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// What the lockstep rounds saw.
#[derive(Default)]
struct Lockstep {
    rounds: AtomicU64,
    sent: AtomicU64,
    refused: AtomicU64,
    failures: AtomicU64,
}

/// The lockstep rounds: each opens the bridge's output (subscribe), sends one note straight
/// to the port and closes the output (unsubscribe) while the note is on its way.
fn lockstep(dest: Addr, rounds: u64, counts: &Lockstep) {
    let step = Barrier::new(2);
    let go = AtomicBool::new(false);
    let broken = AtomicBool::new(false);
    // Each side opens its client, then both go on only if both could.
    let ready = |client: alsa::Result<(Seq, i32)>| {
        if client.is_err() {
            counts.failures.fetch_add(1, Relaxed);
            broken.store(true, Relaxed);
        }
        step.wait();
        client.ok().filter(|_| !broken.load(Relaxed))
    };
    thread::scope(|s| {
        s.spawn(|| {
            let Some((seq, port)) = ready(open("lockstep subscriber")) else {
                return;
            };
            let me = Addr {
                client: seq.client_id().unwrap_or(-1),
                port,
            };
            for i in 0..rounds {
                let subscribed = PortSubscribe::empty().and_then(|sub| {
                    sub.set_sender(me);
                    sub.set_dest(dest);
                    seq.subscribe_port(&sub)
                });
                step.wait();
                go.store(true, Release);
                // Even rounds close at once (0 to 360 us, spinning); odd rounds sleep 1 to
                // 5 ms first, so that the note is surely inside the bridge (even with both
                // threads on one CPU) when its output is released.
                if i % 2 == 0 {
                    spin(Duration::from_micros(40 * (i / 2 % 10)));
                } else {
                    thread::sleep(Duration::from_millis(1 + i / 2 % 5));
                }
                if subscribed.is_err() || seq.unsubscribe_port(me, dest).is_err() {
                    counts.failures.fetch_add(1, Relaxed);
                }
                counts.rounds.fetch_add(1, Relaxed);
                step.wait();
                go.store(false, Release);
            }
        });
        s.spawn(|| {
            let Some((seq, port)) = ready(open("lockstep sender")) else {
                return;
            };
            for i in 0..rounds {
                let mut ev = Event::new(
                    EventType::Noteon,
                    &EvNote {
                        channel: (i % 16) as u8,
                        note: (i % 128) as u8,
                        velocity: 100,
                        off_velocity: 0,
                        duration: 0,
                    },
                );
                ev.set_source(port);
                ev.set_dest(dest);
                ev.set_direct();
                step.wait();
                while !go.load(Acquire) {
                    std::hint::spin_loop();
                }
                // Refused once the output is closed (ENODEV): expected.
                match seq.event_output_direct(&mut ev) {
                    Ok(_) => counts.sent.fetch_add(1, Relaxed),
                    Err(_) => counts.refused.fetch_add(1, Relaxed),
                };
                step.wait();
            }
        });
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("info") {
        let ok = args
            .get(2)
            .and_then(|a| parse_addr(a))
            .map(|addr| port_info(addr).is_ok());
        std::process::exit(i32::from(ok != Some(true)));
    }
    let Some(dest) = args.get(1).and_then(|a| parse_addr(a)) else {
        eprintln!("usage: seq-midi-race CLIENT:PORT [ROUNDS [LOCKSTEP]]");
        std::process::exit(2);
    };
    let rounds: u64 = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(300);
    let lockstep_rounds: u64 = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(rounds);
    let sysex = [0xf0u8, 0x7e, 0x7f, 0x09, 0x01, 0xf7];
    // Larger than the bridge's default output buffer (one page): it cannot go out whole.
    let mut oversized = vec![0xf0u8];
    oversized.extend((0..6000u32).map(|i| (i % 128) as u8));
    oversized.push(0xf7);

    let subscribing = AtomicBool::new(true);
    let subscriptions = AtomicU64::new(0);
    let sent = AtomicU64::new(0);
    let refused = AtomicU64::new(0);
    let failures = AtomicU64::new(0);
    thread::scope(|s| {
        s.spawn(|| {
            let Ok((seq, port)) = open("race subscriber") else {
                failures.fetch_add(1, Relaxed);
                subscribing.store(false, Relaxed);
                return;
            };
            let me = Addr {
                client: seq.client_id().unwrap_or(-1),
                port,
            };
            for _ in 0..rounds {
                let Ok(sub) = PortSubscribe::empty() else {
                    failures.fetch_add(1, Relaxed);
                    break;
                };
                sub.set_sender(me);
                sub.set_dest(dest);
                if seq.subscribe_port(&sub).is_err() || seq.unsubscribe_port(me, dest).is_err() {
                    failures.fetch_add(1, Relaxed);
                }
                subscriptions.fetch_add(1, Relaxed);
            }
            subscribing.store(false, Relaxed);
        });
        s.spawn(|| {
            let Ok((seq, port)) = open("race sender") else {
                failures.fetch_add(1, Relaxed);
                return;
            };
            let mut i = 0u64;
            // Keep flooding while the subscriber works, and at least `rounds` events.
            while subscribing.load(Relaxed) || i < rounds {
                let mut ev = event(i, &sysex, &oversized);
                ev.set_source(port);
                ev.set_dest(dest);
                ev.set_direct();
                // Refused while the port's output is closed (ENODEV) or full: expected.
                match seq.event_output_direct(&mut ev) {
                    Ok(_) => sent.fetch_add(1, Relaxed),
                    Err(_) => refused.fetch_add(1, Relaxed),
                };
                i += 1;
                if i % 32 == 0 {
                    thread::sleep(Duration::from_micros(200));
                }
            }
        });
    });
    let counts = Lockstep::default();
    lockstep(dest, lockstep_rounds, &counts);
    println!(
        "race: {} subscribe/unsubscribe rounds, {} events accepted, {} refused, {} failures",
        subscriptions.load(Relaxed),
        sent.load(Relaxed),
        refused.load(Relaxed),
        failures.load(Relaxed)
    );
    println!(
        "race: {} lockstep rounds, {} notes accepted, {} refused, {} failures",
        counts.rounds.load(Relaxed),
        counts.sent.load(Relaxed),
        counts.refused.load(Relaxed),
        counts.failures.load(Relaxed)
    );
    let ok = failures.load(Relaxed) == 0
        && subscriptions.load(Relaxed) == rounds
        && counts.failures.load(Relaxed) == 0
        && counts.rounds.load(Relaxed) == lockstep_rounds;
    std::process::exit(i32::from(!ok));
}
