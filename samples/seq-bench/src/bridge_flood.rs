//! The bridge's `event_input` under a flood: a client subscribes to the bridge's port (the
//! bridge opens its rawmidi output) and sends note-on events straight to it, one
//! `write()` per event, for a fixed time. Each event is dispatched synchronously in that
//! `write()`: the sequencer core calls the bridge's `event_input`, which decodes it to MIDI
//! bytes and writes them to the rawmidi output, or refuses it (`-ENOMEM`, "MIDI output
//! buffer overrun") when the output buffer has no room. Whether the output drains is up to
//! the device behind the port; the rate counts both outcomes.

use crate::{open_client, parse_addr};
use alsa::seq::{EvNote, Event, EventType, PortSubscribe};
use std::time::{Duration, Instant};

/// What one flood did.
pub struct Flood {
    pub accepted: u64,
    pub refused: u64,
    pub seconds: f64,
}

fn note(i: u64) -> EvNote {
    EvNote {
        channel: 0,
        note: (i % 128) as u8,
        velocity: 100,
        off_velocity: 0,
        duration: 0,
    }
}

/// Floods `dest` ("CLIENT:PORT") for `seconds` after a warm-up of `warmup` seconds (which
/// fills an output that cannot drain).
pub fn run(dest: &str, seconds: f64, warmup: f64) -> Result<Flood, String> {
    let dest = parse_addr(dest).ok_or_else(|| format!("bad port address '{dest}'"))?;
    let (seq, me) = open_client("bench flooder")?;
    let sub = PortSubscribe::empty().map_err(|e| format!("subscription: {e}"))?;
    sub.set_sender(me);
    sub.set_dest(dest);
    seq.subscribe_port(&sub)
        .map_err(|e| format!("subscribe to {}:{}: {e}", dest.client, dest.port))?;
    let send = |i: u64| {
        let mut ev = Event::new(EventType::Noteon, &note(i));
        ev.set_source(me.port);
        ev.set_dest(dest);
        ev.set_direct();
        seq.event_output_direct(&mut ev).is_ok()
    };
    let mut i = 0;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs_f64(warmup) {
        send(i);
        i += 1;
    }
    let (mut accepted, mut refused) = (0, 0);
    let t0 = Instant::now();
    let window = Duration::from_secs_f64(seconds);
    // The clock is read every 64 events, not on every one.
    while t0.elapsed() < window {
        for _ in 0..64 {
            if send(i) {
                accepted += 1;
            } else {
                refused += 1;
            }
            i += 1;
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let _ = seq.unsubscribe_port(me, dest);
    Ok(Flood {
        accepted,
        refused,
        seconds,
    })
}
