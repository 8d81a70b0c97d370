//! seq-midi-race: the seed 001 race through the real interface. One client subscribes to
//! and unsubscribes from the bridge's port in a loop (the bridge opens and closes its
//! rawmidi output: `use`/`unuse`); another floods the port with events sent straight to it
//! (`event_input`): notes, controllers, sysex short and oversized, and event types MIDI
//! cannot express. Bounded iterations; prints counts, exits non-zero when a system call
//! fails unexpectedly.
//!
//! ```text
//! seq-midi-race CLIENT:PORT [ROUNDS]
//! seq-midi-race info CLIENT:PORT    the port's description, as the sequencer reports it
//! ```

use alsa::seq::{Addr, EvCtrl, EvNote, Event, EventType, PortCap, PortSubscribe, PortType, Seq};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::Duration;

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
        eprintln!("usage: seq-midi-race CLIENT:PORT [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: u64 = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(300);
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
    println!(
        "race: {} subscribe/unsubscribe rounds, {} events accepted, {} refused, {} failures",
        subscriptions.load(Relaxed),
        sent.load(Relaxed),
        refused.load(Relaxed),
        failures.load(Relaxed)
    );
    let ok = failures.load(Relaxed) == 0 && subscriptions.load(Relaxed) == rounds;
    std::process::exit(i32::from(!ok));
}
