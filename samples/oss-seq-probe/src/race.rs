//! The seed 000 race through the real interface: on one open `/dev/sequencer`, a reader,
//! `SNDCTL_SEQ_RESET`, `SNDCTL_SEQ_GETINCOUNT` and `poll()` run at once while echoes and
//! snd-virmidi input flood the read queue. Every iteration count is bounded.
//!
//! One writer numbers its echoes (1, 2, 3, ... in the record's 24-bit argument) and one reader
//! checks them. The writer first sends `TMR_WAIT_ABS 0`, which makes the OSS timer "real
//! time": every echo is then put into the read queue inside the write() that carries it (not
//! later from the sequencer's queue), so a correct read queue hands them out in the order
//! written. What is read must have been written (none invented), come in increasing order
//! (none duplicated: an echo whose number is not above the last one read is a duplicate or a
//! stale record), never be one that a completed reset removed (stale: an echo whose write()
//! returned before a `SNDCTL_SEQ_RESET` began, read by a read() begun after that reset
//! returned), and none may be lost: between two echoes read one after the other, a gap is
//! allowed only when a reset began after the first was written (the writer keeps the queue
//! below half full, so that no echo is dropped for want of room). An unlocked reset leaves
//! exactly these behind (`qlen` counting records that `head`/`tail` no longer point at).
//! GETINCOUNT must stay within 0..=1023. At the end, after a last batch of echoes that nobody
//! reads, with everything quiet: `poll()`, `SNDCTL_SEQ_GETINCOUNT` and a drain by reads must
//! agree, and a read of the empty queue must return at once. Each failed check prints a
//! `race: FAIL:` line (the first few of each kind); the statistics line differs from run to
//! run.

use crate::records::{split, SEQ_ECHO};
use crate::{close, echo, incount, open, poll_in, pretime, read, reset, write_all};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering::*};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Batches of echoes written at least (and more while the resets go on).
const ROUNDS: u32 = 300;
/// Echoes per batch.
const BATCH: u32 = 32;
/// Virmidi writes at least (and more while the resets go on, up to 100 times as many).
const MIDI_WRITES: u32 = 300;
/// Resets issued.
const RESETS: u32 = 400;
/// Echoes written at the end, with the reader stopped, for the quiet queue to hold.
const FINAL: u32 = 100;
/// The highest echo number the race writes (24 bits, and room for the final batch).
const LAST_ECHO: u32 = (1 << 24) - 1 - FINAL;
/// The read queue holds at most maxqlen - 1 records (default maxqlen 1024).
const CAPACITY: i32 = 1023;
/// The writer waits while the queue holds this many records or more: far below CAPACITY,
/// so that no echo is dropped for want of room and a gap means a reset (or a bug).
const WRITE_BELOW: i32 = 256;
/// `EV_TIMING`, `TMR_WAIT_ABS` with time 0: the OSS timer goes "real time" (events are
/// dispatched at once, not queued), which a reset does not undo.
const REALTIME: [u8; 8] = [0x81, 2, 0, 0, 0, 0, 0, 0];
/// Slots of the writer's per-batch record of the resets begun (indexed by batch number).
const EPOCH_SLOTS: usize = 1 << 16;
/// What the virmidi writer sends: note on, note off, a short sysex.
const MIDI: [u8; 12] = [
    0x90, 0x3c, 0x64, 0x80, 0x3c, 0x00, 0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7,
];
/// SEQ_WAIT and SEQ_MIDIPUTC.
const SEQ_WAIT: u8 = 2;
const SEQ_MIDIPUTC: u8 = 5;
/// How long a read of an empty queue may wait for input (SNDCTL_MIDI_PRETIME, in 1/10 s).
/// The default is an hour; a queue whose count says empty while head and tail differ would
/// hold a blocking read that long.
const PRETIME_TENTHS: i32 = 10;
/// A read of a quiet, empty queue must come back well before the pre-event timeout.
const PROMPT: Duration = Duration::from_millis(500);
/// Failure lines printed per kind of check.
const SHOWN: u64 = 5;

#[derive(Default)]
struct Stats {
    records: AtomicU64,
    echoes: AtomicU64,
    waits: AtomicU64,
    midi_bytes: AtomicU64,
    malformed: AtomicU64,
    out_of_order: AtomicU64,
    unwritten: AtomicU64,
    resets: AtomicU64,
    polls: AtomicU64,
    incounts: AtomicU64,
    outside_capacity: AtomicU64,
    max_incount: AtomicI32,
    errors: AtomicU64,
    stale: AtomicU64,
    lost: AtomicU64,
    /// The writer once wrote into a queue it could not see room in (loss is not checked).
    crowded: AtomicBool,
    /// The highest echo number handed to write() so far.
    sent: AtomicU32,
    /// The highest echo number whose write() has returned (it is in the queue, or was read).
    done: AtomicU32,
    /// The highest echo number that a completed reset removed: the last `done` seen before a
    /// reset began, stored once it returned.
    floor: AtomicU32,
    /// Resets begun so far.
    resets_begun: AtomicU64,
    /// Per batch (by number, modulo the slots): the resets begun before its write() began.
    epochs: Arc<[AtomicU64]>,
}

impl Stats {
    fn new() -> Self {
        Stats {
            epochs: (0..EPOCH_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            ..Default::default()
        }
    }

    /// The resets begun before the write() of the batch carrying echo `n` began.
    fn epoch(&self, n: u32) -> u64 {
        let slot = ((n.saturating_sub(1) / BATCH) as usize) % EPOCH_SLOTS;
        self.epochs.get(slot).map_or(0, |e| e.load(Acquire))
    }
}

/// Counts one failure of a kind; true for the first few, which are printed.
fn count(n: &AtomicU64) -> bool {
    n.fetch_add(1, Relaxed) < SHOWN
}

/// The one reader's view: the last echo number it read, and what it knew when it read it.
struct Reader<'a> {
    stats: &'a Stats,
    last: u32,
    /// The resets begun before the write of `last` began.
    last_epoch: u64,
    /// `Stats::floor` as it was before the current read() began.
    floor: u32,
    /// `Stats::resets_begun` as it was after the current read() returned.
    resets_seen: u64,
}

impl<'a> Reader<'a> {
    fn new(stats: &'a Stats) -> Self {
        Reader {
            stats,
            last: 0,
            last_epoch: 0,
            floor: 0,
            resets_seen: 0,
        }
    }
}

impl Reader<'_> {
    /// Checks one record as read: an echo we wrote, after the last one read; a timestamp;
    /// or one of our MIDI bytes.
    fn record(&mut self, record: &[u8]) {
        let stats = self.stats;
        stats.records.fetch_add(1, Relaxed);
        match record {
            [SEQ_ECHO, a, b, c] => {
                stats.echoes.fetch_add(1, Relaxed);
                let n = u32::from_le_bytes([*a, *b, *c, 0]);
                // Read after the write that carried it returned: `sent` is at least n.
                let sent = stats.sent.load(Acquire);
                if n == 0 || n > sent {
                    if count(&stats.unwritten) {
                        println!(
                            "race: FAIL: echo {n} read, never written (highest written {sent})"
                        );
                    }
                } else if n <= self.last {
                    if count(&stats.out_of_order) {
                        println!(
                            "race: FAIL: echo {n} read after echo {}: a duplicate or stale record \
                             (the queue's count disagrees with its head and tail)",
                            self.last
                        );
                    }
                } else {
                    if n <= self.floor && count(&stats.stale) {
                        println!(
                            "race: FAIL: echo {n} read after a reset that began once echoes up \
                             to {} were written: a stale record",
                            self.floor
                        );
                    }
                    // No reset began between the write of the last one and this read: the
                    // echoes in between must have been read.
                    if n > self.last + 1
                        && self.last > 0
                        && !stats.crowded.load(Relaxed)
                        && self.resets_seen <= self.last_epoch
                        && count(&stats.lost)
                    {
                        println!(
                            "race: FAIL: echoes {}..={} lost: read {} after {} with no reset \
                             in between",
                            self.last + 1,
                            n - 1,
                            n,
                            self.last
                        );
                    }
                    self.last = n;
                    self.last_epoch = stats.epoch(n);
                }
            }
            [SEQ_WAIT, _, _, _] => {
                stats.waits.fetch_add(1, Relaxed);
            }
            [SEQ_MIDIPUTC, byte, _, 0] if MIDI.contains(byte) => {
                stats.midi_bytes.fetch_add(1, Relaxed);
            }
            _ => {
                if count(&stats.malformed) {
                    println!("race: FAIL: malformed record {record:02x?}");
                }
            }
        }
    }

    /// Reads once (up to `len` bytes) and checks what came back.
    fn read(&mut self, seq: i32, len: usize) -> std::io::Result<usize> {
        self.floor = self.stats.floor.load(Acquire);
        let got = read(seq, len);
        self.resets_seen = self.stats.resets_begun.load(Acquire);
        let buf = got?;
        self.buffer(&buf);
        Ok(buf.len())
    }

    /// Checks what one read() returned.
    fn buffer(&mut self, buf: &[u8]) {
        match split(buf) {
            Some(records) => records.iter().for_each(|r| self.record(r)),
            None => {
                if count(&self.stats.malformed) {
                    println!("race: FAIL: read ended mid-record: {buf:02x?}");
                }
            }
        }
    }
}

/// The queue once everything is quiet: what GETINCOUNT and poll() say, and what reads get.
struct Quiet {
    incount: i32,
    readable: bool,
    drained: u64,
    incount_after: i32,
    readable_after: bool,
    /// The longest a read of the empty queue took.
    empty_read: Duration,
}

/// Drains the quiet queue by reads until one finds it empty (EAGAIN, at once: the wait's
/// condition holds for an empty queue).
fn quiet(seq: i32, reader: &mut Reader<'_>) -> std::io::Result<Quiet> {
    let settled = crate::settled_incount(seq)?;
    let readable = poll_in(seq, 0)? & libc::POLLIN != 0;
    let before = reader.stats.records.load(Relaxed);
    let mut empty_read = Duration::ZERO;
    // Bounded: a queue of CAPACITY records drains in far fewer reads.
    for _ in 0..CAPACITY {
        let t0 = Instant::now();
        match reader.read(seq, 512) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => {
                empty_read = t0.elapsed();
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Quiet {
        incount: settled,
        readable,
        drained: reader.stats.records.load(Relaxed) - before,
        incount_after: incount(seq)?,
        readable_after: poll_in(seq, 0)? & libc::POLLIN != 0,
        empty_read,
    })
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
    let stats = Stats::new();
    let producing = AtomicBool::new(true);
    let resetting = AtomicBool::new(true);
    let t0 = Instant::now();
    let mut race_time = Duration::ZERO;
    if let Err(e) = pretime(seq, PRETIME_TENTHS) {
        println!("race: SNDCTL_MIDI_PRETIME: {e}");
        stats.errors.fetch_add(1, Relaxed);
    }
    let last = thread::scope(|s| {
        // The producers go on while the resets do, so that every reset meets input.
        let echoes = s.spawn(|| {
            let mut next = 1;
            for round in 0.. {
                if (round >= ROUNDS && !resetting.load(Relaxed)) || next + BATCH > LAST_ECHO {
                    break;
                }
                // Room for the batch and for the MIDI input meanwhile (bounded wait: 10 s;
                // after that, echoes may be dropped for want of room: no loss check).
                let waited = Instant::now();
                while incount(seq).is_ok_and(|n| n >= WRITE_BELOW) {
                    if waited.elapsed() > Duration::from_secs(10) {
                        stats.crowded.store(true, Relaxed);
                        break;
                    }
                    thread::sleep(Duration::from_micros(200));
                }
                let mut batch = REALTIME.to_vec();
                batch.extend((next..next + BATCH).flat_map(echo));
                let slot = ((next - 1) / BATCH) as usize % EPOCH_SLOTS;
                if let Some(e) = stats.epochs.get(slot) {
                    e.store(stats.resets_begun.load(SeqCst), Release);
                }
                next += BATCH;
                stats.sent.store(next - 1, Release);
                if write_all(seq, &batch).is_err() {
                    stats.errors.fetch_add(1, Relaxed);
                }
                stats.done.store(next - 1, Release);
            }
        });
        let input = s.spawn(|| {
            for i in 0..MIDI_WRITES * 100 {
                if i >= MIDI_WRITES && !resetting.load(Relaxed) {
                    break;
                }
                if write_all(midi, &MIDI).is_err() {
                    stats.errors.fetch_add(1, Relaxed);
                }
                thread::sleep(Duration::from_micros(500));
            }
        });
        let resets = s.spawn(|| {
            for _ in 0..RESETS {
                let before = stats.done.load(Acquire);
                stats.resets_begun.fetch_add(1, SeqCst);
                match reset(seq) {
                    Ok(_) => stats.resets.fetch_add(1, Relaxed),
                    Err(_) => stats.errors.fetch_add(1, Relaxed),
                };
                stats.floor.fetch_max(before, Release);
                thread::sleep(Duration::from_millis(2));
            }
            resetting.store(false, Relaxed);
        });
        let reader = s.spawn(|| {
            let mut reader = Reader::new(&stats);
            while producing.load(Relaxed) {
                // An empty queue gives EAGAIN at once, even to a blocking read.
                if reader.read(seq, 512).is_err() {
                    thread::sleep(Duration::from_micros(200));
                }
            }
            (reader.last, reader.last_epoch)
        });
        s.spawn(|| {
            while producing.load(Relaxed) {
                match incount(seq) {
                    Ok(n) => {
                        stats.incounts.fetch_add(1, Relaxed);
                        stats.max_incount.fetch_max(n, Relaxed);
                        if !(0..=CAPACITY).contains(&n) && count(&stats.outside_capacity) {
                            println!("race: FAIL: GETINCOUNT {n}, outside 0..={CAPACITY}");
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
        race_time = t0.elapsed();
        reader.join().unwrap_or_else(|_| {
            stats.errors.fetch_add(1, Relaxed);
            (0, 0)
        })
    });
    // A last batch with nobody reading, so that the quiet queue holds something; then the
    // same reader drains it.
    let first = stats.sent.load(Relaxed) + 1;
    let last_batch: Vec<u8> = (first..first + FINAL).flat_map(echo).collect();
    // No reset from here on: a gap in the last batch is a loss.
    let begun = stats.resets_begun.load(SeqCst);
    for n in (first..first + FINAL).step_by(BATCH as usize) {
        let slot = ((n - 1) / BATCH) as usize % EPOCH_SLOTS;
        if let Some(e) = stats.epochs.get(slot) {
            e.store(begun, Release);
        }
    }
    stats.sent.store(first + FINAL - 1, Release);
    if write_all(seq, &last_batch).is_err() {
        stats.errors.fetch_add(1, Relaxed);
    }
    stats.done.store(first + FINAL - 1, Release);
    let mut reader = Reader::new(&stats);
    (reader.last, reader.last_epoch) = last;
    let quiet = quiet(seq, &mut reader);
    let after_reset = reset(seq).and_then(|_| incount(seq));
    close(midi);
    close(seq);

    let n = |a: &AtomicU64| a.load(Relaxed);
    let mut ok = true;
    let mut verdict = |good: bool, what: String| {
        if !good {
            println!("race: FAIL: {what}");
            ok = false;
        }
    };
    println!("race: malformed records: {}", n(&stats.malformed));
    verdict(n(&stats.malformed) == 0, "malformed records".into());
    println!(
        "race: echoes out of order (duplicate or stale): {}",
        n(&stats.out_of_order)
    );
    verdict(
        n(&stats.out_of_order) == 0,
        "echoes read out of order (duplicate or stale records)".into(),
    );
    println!(
        "race: stale echoes (removed by a completed reset, read again): {}",
        n(&stats.stale)
    );
    verdict(
        n(&stats.stale) == 0,
        "stale echoes read after a reset".into(),
    );
    println!(
        "race: echoes lost with no reset in between: {}",
        n(&stats.lost)
    );
    verdict(
        n(&stats.lost) == 0,
        "echoes lost with no reset in between".into(),
    );
    println!("race: echoes never written: {}", n(&stats.unwritten));
    verdict(n(&stats.unwritten) == 0, "echoes never written".into());
    println!(
        "race: incount outside 0..={CAPACITY}: {}",
        n(&stats.outside_capacity)
    );
    verdict(
        n(&stats.outside_capacity) == 0,
        format!("GETINCOUNT outside 0..={CAPACITY}"),
    );
    println!("race: failed system calls: {}", n(&stats.errors));
    verdict(n(&stats.errors) == 0, "failed system calls".into());
    match &quiet {
        Ok(q) => {
            println!(
                "race: quiet queue: incount {}, poll readable {}, drained {} records, then \
                 incount {}, poll readable {}",
                q.incount, q.readable, q.drained, q.incount_after, q.readable_after
            );
            verdict(
                u64::try_from(q.incount) == Ok(q.drained),
                format!(
                    "quiet queue: GETINCOUNT {} but {} records read",
                    q.incount, q.drained
                ),
            );
            verdict(
                q.readable == (q.incount > 0),
                format!(
                    "quiet queue: poll readable {} with GETINCOUNT {}",
                    q.readable, q.incount
                ),
            );
            verdict(
                q.incount_after == 0 && !q.readable_after,
                format!(
                    "drained queue: GETINCOUNT {}, poll readable {}",
                    q.incount_after, q.readable_after
                ),
            );
            verdict(
                q.empty_read < PROMPT,
                format!(
                    "a read of the empty queue waited {} ms for input (head and tail \
                     disagree with the count)",
                    q.empty_read.as_millis()
                ),
            );
        }
        Err(e) => verdict(false, format!("draining the quiet queue: {e}")),
    }
    println!("race: incount after a final reset: {after_reset:?}");
    verdict(
        matches!(after_reset, Ok(0)),
        format!("incount after a final reset: {after_reset:?}"),
    );
    println!(
        "race: stats: {} records read ({} echoes, last {}, of {} written; {} waits, {} midi \
         bytes), {} resets, {} polls, {} incounts, max incount {}; {} ms",
        n(&stats.records),
        n(&stats.echoes),
        reader.last,
        stats.sent.load(Relaxed),
        n(&stats.waits),
        n(&stats.midi_bytes),
        n(&stats.resets),
        n(&stats.polls),
        n(&stats.incounts),
        stats.max_incount.load(Relaxed),
        race_time.as_millis()
    );
    let proved_something = n(&stats.echoes) > 0 && n(&stats.midi_bytes) > 0 && n(&stats.resets) > 0;
    verdict(
        proved_something,
        "the reader never saw both kinds of input between resets; proved nothing".into(),
    );
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_after(stats: &Stats, records: &[[u8; 4]]) -> u32 {
        let mut reader = Reader::new(stats);
        // A reset began before anything was written: gaps are allowed.
        reader.resets_seen = 1;
        records.iter().for_each(|r| reader.record(r));
        reader.last
    }

    #[test]
    fn echoes_may_skip_but_not_go_back() {
        let stats = Stats::new();
        stats.sent.store(10, Relaxed);
        // 4..6 dropped by a reset: fine.
        let last = reader_after(
            &stats,
            &[echo(1), echo(2), echo(3), echo(7), [SEQ_WAIT, 1, 0, 0]],
        );
        assert_eq!(last, 7);
        assert_eq!(stats.out_of_order.load(Relaxed), 0);
        assert_eq!(stats.records.load(Relaxed), 5);

        let stats = Stats::new();
        stats.sent.store(10, Relaxed);
        // A duplicate, then a stale record from before: both out of order; the last stays.
        let last = reader_after(&stats, &[echo(5), echo(5), echo(3), echo(6)]);
        assert_eq!(last, 6);
        assert_eq!(stats.out_of_order.load(Relaxed), 2);
    }

    #[test]
    fn unwritten_and_foreign_records_fail() {
        let stats = Stats::new();
        stats.sent.store(10, Relaxed);
        reader_after(
            &stats,
            &[
                echo(11),
                echo(0),
                [0, 0, 0, 0],
                [SEQ_MIDIPUTC, 0x42, 0, 0],
                [SEQ_MIDIPUTC, 0x90, 1, 0],
            ],
        );
        assert_eq!(stats.unwritten.load(Relaxed), 2);
        assert_eq!(stats.malformed.load(Relaxed), 2);
        assert_eq!(stats.midi_bytes.load(Relaxed), 1);
    }

    #[test]
    fn stale_and_lost_echoes_fail() {
        let stats = Stats::new();
        stats.sent.store(100, Relaxed);
        // A reset removed echoes up to 40: reading 35 afterwards is stale.
        let mut reader = Reader::new(&stats);
        reader.resets_seen = 1;
        reader.floor = 40;
        [echo(35), echo(41)].iter().for_each(|r| reader.record(r));
        assert_eq!(stats.stale.load(Relaxed), 1);
        assert_eq!(stats.lost.load(Relaxed), 0);

        // No reset after the batch of 1 was written (epoch 0, none seen): 3 missing is lost.
        let stats = Stats::new();
        stats.sent.store(100, Relaxed);
        let mut reader = Reader::new(&stats);
        [echo(1), echo(2), echo(4)]
            .iter()
            .for_each(|r| reader.record(r));
        assert_eq!(stats.lost.load(Relaxed), 1);
        // A reset began after echo 4's batch was written: the gap is allowed.
        reader.resets_seen = 1;
        reader.record(&echo(9));
        assert_eq!(stats.lost.load(Relaxed), 1);
        assert_eq!(stats.stale.load(Relaxed), 0);
    }
}
