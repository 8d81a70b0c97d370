//! The seed 000 race through the real interface: on one open `/dev/sequencer`, a reader,
//! `SNDCTL_SEQ_RESET`, `SNDCTL_SEQ_GETINCOUNT` and `poll()` run at once while echoes and
//! snd-virmidi input flood the read queue. Every iteration count is bounded; the verdict lines
//! are the same on every run, the statistics line is not.

use crate::records::{split, SEQ_ECHO};
use crate::{close, echo, incount, open, poll_in, read, reset, write_all};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::Duration;

/// Batches of echoes written, and virmidi writes.
const ROUNDS: u32 = 300;
/// Echoes per batch.
const BATCH: u32 = 32;
/// Resets issued.
const RESETS: u32 = 200;
/// The read queue holds at most maxqlen - 1 records (default maxqlen 1024).
const CAPACITY: i32 = 1023;
/// What the virmidi writer sends: note on, note off, a short sysex.
const MIDI: [u8; 12] = [
    0x90, 0x3c, 0x64, 0x80, 0x3c, 0x00, 0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7,
];
/// SEQ_WAIT and SEQ_MIDIPUTC.
const SEQ_WAIT: u8 = 2;
const SEQ_MIDIPUTC: u8 = 5;

#[derive(Default)]
struct Stats {
    records: AtomicU64,
    echoes: AtomicU64,
    waits: AtomicU64,
    midi_bytes: AtomicU64,
    malformed: AtomicU64,
    resets: AtomicU64,
    polls: AtomicU64,
    incounts: AtomicU64,
    over_capacity: AtomicU64,
    max_incount: AtomicI32,
    errors: AtomicU64,
}

/// Checks one record as read: an echo we wrote, a timestamp, or one of our MIDI bytes.
fn check(stats: &Stats, record: &[u8]) {
    stats.records.fetch_add(1, Relaxed);
    let ok = match record {
        [SEQ_ECHO, a, b, c] => {
            stats.echoes.fetch_add(1, Relaxed);
            u32::from_le_bytes([*a, *b, *c, 0]) < ROUNDS * BATCH
        }
        [SEQ_WAIT, _, _, _] => {
            stats.waits.fetch_add(1, Relaxed);
            true
        }
        [SEQ_MIDIPUTC, byte, _, 0] => {
            stats.midi_bytes.fetch_add(1, Relaxed);
            MIDI.contains(byte)
        }
        _ => false,
    };
    if !ok && stats.malformed.fetch_add(1, Relaxed) < 5 {
        println!("race: malformed record {record:02x?}");
    }
}

/// Runs the race on `/dev/sequencer` with `rawmidi` as the input device; true if it passed.
pub fn run(rawmidi: &str) -> bool {
    let (seq, midi) = match (
        open("/dev/sequencer", libc::O_RDWR),
        open(rawmidi, libc::O_WRONLY),
    ) {
        (Ok(seq), Ok(midi)) => (seq, midi),
        (seq, midi) => {
            println!("race: cannot open the devices: {seq:?} {midi:?}");
            return false;
        }
    };
    let stats = Stats::default();
    let producing = AtomicBool::new(true);
    thread::scope(|s| {
        let echoes = s.spawn(|| {
            for round in 0..ROUNDS {
                let batch: Vec<u8> = (0..BATCH).flat_map(|i| echo(round * BATCH + i)).collect();
                if write_all(seq, &batch).is_err() {
                    stats.errors.fetch_add(1, Relaxed);
                }
            }
        });
        let input = s.spawn(|| {
            for _ in 0..ROUNDS {
                if write_all(midi, &MIDI).is_err() {
                    stats.errors.fetch_add(1, Relaxed);
                }
                thread::sleep(Duration::from_micros(500));
            }
        });
        let resets = s.spawn(|| {
            for _ in 0..RESETS {
                match reset(seq) {
                    Ok(_) => stats.resets.fetch_add(1, Relaxed),
                    Err(_) => stats.errors.fetch_add(1, Relaxed),
                };
                thread::sleep(Duration::from_millis(2));
            }
        });
        s.spawn(|| {
            while producing.load(Relaxed) {
                match read(seq, 512) {
                    Ok(buf) => match split(&buf) {
                        Some(records) => records.iter().for_each(|r| check(&stats, r)),
                        None => {
                            println!("race: read ended mid-record: {buf:02x?}");
                            stats.malformed.fetch_add(1, Relaxed);
                        }
                    },
                    // An empty queue gives EAGAIN at once, even to a blocking read.
                    Err(_) => thread::sleep(Duration::from_micros(200)),
                }
            }
        });
        s.spawn(|| {
            while producing.load(Relaxed) {
                match incount(seq) {
                    Ok(n) => {
                        stats.incounts.fetch_add(1, Relaxed);
                        stats.max_incount.fetch_max(n, Relaxed);
                        if !(0..=CAPACITY).contains(&n) {
                            stats.over_capacity.fetch_add(1, Relaxed);
                        }
                    }
                    Err(_) => {
                        stats.errors.fetch_add(1, Relaxed);
                    }
                }
                thread::sleep(Duration::from_micros(300));
            }
        });
        s.spawn(|| {
            while producing.load(Relaxed) {
                if poll_in(seq, 5).is_ok() {
                    stats.polls.fetch_add(1, Relaxed);
                }
            }
        });
        for producer in [echoes, input, resets] {
            if producer.join().is_err() {
                stats.errors.fetch_add(1, Relaxed);
            }
        }
        producing.store(false, Relaxed);
    });
    let after_reset = reset(seq).and_then(|_| incount(seq));
    close(midi);
    close(seq);

    let n = |a: &AtomicU64| a.load(Relaxed);
    println!("race: malformed records: {}", n(&stats.malformed));
    println!(
        "race: incount outside 0..={CAPACITY}: {}",
        n(&stats.over_capacity)
    );
    println!("race: failed system calls: {}", n(&stats.errors));
    println!("race: incount after a final reset: {after_reset:?}");
    println!(
        "race: stats: {} records read ({} echoes, {} waits, {} midi bytes), {} resets, \
         {} polls, {} incounts, max incount {}",
        n(&stats.records),
        n(&stats.echoes),
        n(&stats.waits),
        n(&stats.midi_bytes),
        n(&stats.resets),
        n(&stats.polls),
        n(&stats.incounts),
        stats.max_incount.load(Relaxed)
    );
    let proved_something = n(&stats.echoes) > 0 && n(&stats.midi_bytes) > 0 && n(&stats.resets) > 0;
    if !proved_something {
        println!("race: the reader never saw both kinds of input between resets; proved nothing");
    }
    n(&stats.malformed) == 0
        && n(&stats.over_capacity) == 0
        && n(&stats.errors) == 0
        && matches!(after_reset, Ok(0))
        && proved_something
}
