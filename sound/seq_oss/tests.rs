// SPDX-License-Identifier: GPL-2.0

//! KUnit suite on the read queue itself; it runs when snd-seq-oss-rs loads with KUnit enabled.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "KUnit code: loop counters and fixtures of known size, no outside input"
)]

use crate::{queue::ReadQueue, record::Record};
use core::{
    fmt,
    sync::atomic::{AtomicUsize, Ordering},
};
use kernel::{
    error::code::*,
    prelude::*,
    sync::Arc,
    time::{ktime_ms_delta, msecs_to_jiffies, Ktime},
};
use snd::seq::{EventBuf, VariableEvent};
use snd_kunit::{
    interleave, kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, run_in_hardirq, Test,
    Workers,
};

const SYNTH: i32 = snd::seq::oss::MODE_SYNTH;
const MUSIC: i32 = snd::seq::oss::MODE_MUSIC;
const SYSEX: u8 = snd::seq::kind::SYSEX;

fn queue(maxlen: usize) -> Result<Pin<KBox<ReadQueue>>> {
    KBox::pin_init(ReadQueue::new(maxlen)?, GFP_KERNEL)
}

/// An echo record carrying `n`, as `SEQ_ECHO` input would queue it.
fn echo(n: u8) -> Record {
    Record::from_bytes([8, n, 0, 0, 0, 0, 0, 0])
}

/// Takes every queued record (with room for long ones).
fn drain(q: &ReadQueue) -> KVec<Record> {
    let mut out = KVec::new();
    while let Ok(r) = q.take(8) {
        if out.push(r, GFP_KERNEL).is_err() {
            break;
        }
    }
    out
}

/// The queue's `/proc/asound/seq/oss` line, in a fixed buffer.
struct Line {
    text: [u8; 96],
    len: usize,
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.text
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn info_line(q: &ReadQueue) -> Line {
    let mut line = Line {
        text: [0; 96],
        len: 0,
    };
    let _ = q.write_info(&mut line);
    line
}

fn info_is(test: &mut Test<'_>, q: &ReadQueue, expected: &str) {
    let line = info_line(q);
    let got = line.text.get(..line.len).unwrap_or(&[]);
    kunit_expect!(
        test,
        got == expected.as_bytes(),
        "info line {:?}, expected {:?}",
        core::str::from_utf8(got),
        expected
    );
}

/// maxlen 8 holds 7 records; the 8th is refused with ENOMEM and nothing is overwritten.
fn fill_to_capacity(test: &mut Test<'_>) {
    let Ok(q) = queue(8) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    for n in 0..7 {
        kunit_expect!(test, q.put_event(echo(n)).is_ok(), "record {} refused", n);
    }
    kunit_expect_eq!(test, q.put_event(echo(7)), Err(ENOMEM));
    kunit_expect_eq!(test, q.queued(), 7);
    let all = drain(&q);
    kunit_expect_eq!(test, all.len(), 7);
    for (i, r) in all.iter().enumerate() {
        kunit_expect_eq!(test, r.bytes()[1] as usize, i, "records out of order");
    }
    // The default module parameter: 1024 slots, 1023 records.
    let Ok(q) = queue(1024) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let accepted = (0..1500).filter(|_| q.put_event(echo(1)).is_ok()).count();
    kunit_expect_eq!(test, accepted, 1023);
    kunit_expect_eq!(test, q.queued(), 1023);
}

/// Queues with 0 or 1 slots accept nothing, as C's `qlen >= maxlen - 1` says.
fn tiny_queues_accept_nothing(test: &mut Test<'_>) {
    for maxlen in [0, 1] {
        let Ok(q) = queue(maxlen) else {
            kunit_require!(test, false, "allocation failed");
            return;
        };
        kunit_expect_eq!(test, q.put_event(echo(1)), Err(ENOMEM), "maxlen {}", maxlen);
        kunit_expect_eq!(test, q.take(8), Err(EAGAIN), "maxlen {}", maxlen);
        kunit_expect_eq!(test, q.queued(), 0);
    }
}

/// Head and tail wrap around the ring many times without losing order.
fn wrap_around(test: &mut Test<'_>) {
    let Ok(q) = queue(4) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let mut next_in = 0u8;
    let mut next_out = 0u8;
    for round in 0..50 {
        // 1, 2 or 3 records in, then all out: head and tail pass the end at varying slots.
        for _ in 0..(round % 3 + 1) {
            kunit_expect!(test, q.put_event(echo(next_in)).is_ok());
            next_in = next_in.wrapping_add(1);
        }
        for r in drain(&q).iter() {
            kunit_expect_eq!(test, r.bytes()[1], next_out, "round {}", round);
            next_out = next_out.wrapping_add(1);
        }
    }
    kunit_expect_eq!(test, next_out, next_in);
}

/// A record that does not fit in the user's room stays queued (EINVAL); an empty queue
/// gives EAGAIN; a short record fits in 4 bytes, a long one needs 8.
fn take_respects_room(test: &mut Test<'_>) {
    let Ok(q) = queue(8) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_expect_eq!(test, q.take(8), Err(EAGAIN));
    q.put_timestamp(0x11_2233, MUSIC);
    kunit_expect_eq!(test, q.take(4), Err(EINVAL));
    kunit_expect_eq!(test, q.queued(), 1);
    let long = q.take(8);
    kunit_expect_eq!(test, long.map(|r| r.len()), Ok(8));
    kunit_expect!(test, q.put_event(echo(3)).is_ok());
    kunit_expect_eq!(test, q.take(4).map(|r| r.len()), Ok(4));
}

/// Synth mode: one SEQ_WAIT per new tick, `(tick << 8) | SEQ_WAIT` in a native word;
/// repeating the tick queues nothing.
fn synth_timestamps(test: &mut Test<'_>) {
    let Ok(q) = queue(16) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    q.put_timestamp(7, SYNTH);
    q.put_timestamp(7, SYNTH);
    q.put_timestamp(0x12_3456, SYNTH);
    let all = drain(&q);
    kunit_expect_eq!(test, all.len(), 2);
    let word = |i: usize| {
        all.get(i)
            .map(|r| u32::from_ne_bytes([r.bytes()[0], r.bytes()[1], r.bytes()[2], r.bytes()[3]]))
    };
    kunit_expect_eq!(test, word(0), Some((7 << 8) | 2));
    kunit_expect_eq!(test, word(1), Some((0x12_3456 << 8) | 2));
    kunit_expect!(test, all.iter().all(|r| r.len() == 4));
}

/// Music mode: EV_TIMING / TMR_WAIT_ABS with the tick in bytes 4..8; repeats suppressed; an
/// unknown mode queues nothing but still remembers the tick.
fn music_timestamps(test: &mut Test<'_>) {
    let Ok(q) = queue(16) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    q.put_timestamp(0x0102_0304, MUSIC);
    q.put_timestamp(0x0102_0304, MUSIC);
    q.put_timestamp(9, 5);
    q.put_timestamp(9, MUSIC);
    let all = drain(&q);
    kunit_expect_eq!(test, all.len(), 1);
    let [t0, t1, t2, t3] = 0x0102_0304u32.to_ne_bytes();
    kunit_expect_eq!(
        test,
        all.first().map(|r| *r.bytes()),
        Some([0x81, 2, 0, 0, t0, t1, t2, t3])
    );
}

/// A timestamp refused by a full queue is still remembered, so the same tick is not queued
/// once there is room again (C's behaviour).
fn full_queue_still_remembers_tick(test: &mut Test<'_>) {
    let Ok(q) = queue(2) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_expect!(test, q.put_event(echo(1)).is_ok());
    q.put_timestamp(5, SYNTH);
    kunit_expect_eq!(test, q.queued(), 1);
    kunit_expect!(test, q.take(4).is_ok());
    q.put_timestamp(5, SYNTH);
    kunit_expect_eq!(test, q.queued(), 0);
    info_is(test, &q, "  read queue [running] length = 0 : tick = 5\n");
}

/// Clearing empties the queue and forgets the tick: the same tick is queued again after.
fn clear_resets_input_time(test: &mut Test<'_>) {
    let Ok(q) = queue(16) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    q.put_timestamp(42, SYNTH);
    kunit_expect!(test, q.puts(3, &[0x90, 0x3c, 0x64]).is_ok());
    info_is(test, &q, "  read queue [running] length = 4 : tick = 42\n");
    q.clear();
    kunit_expect_eq!(test, q.queued(), 0);
    kunit_expect_eq!(test, q.take(8), Err(EAGAIN));
    info_is(test, &q, "  read queue [running] length = 0 : tick = -1\n");
    q.put_timestamp(42, SYNTH);
    kunit_expect_eq!(test, q.queued(), 1, "tick 42 not queued again after clear");
    // The ring restarts at slot 0 and still wraps correctly.
    for n in 0..14 {
        kunit_expect!(test, q.put_event(echo(n)).is_ok());
    }
    kunit_expect_eq!(test, drain(&q).len(), 15);
}

/// `puts` queues one SEQ_MIDIPUTC record per byte, tagged with (the low byte of) the device.
fn puts_one_record_per_byte(test: &mut Test<'_>) {
    let Ok(q) = queue(16) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_expect!(test, q.puts(0x102, &[0x90, 0x3c, 0x64]).is_ok());
    let all = drain(&q);
    let expected = [[5, 0x90, 2, 0], [5, 0x3c, 2, 0], [5, 0x64, 2, 0]];
    kunit_expect_eq!(test, all.len(), expected.len());
    for (r, e) in all.iter().zip(expected.iter()) {
        kunit_expect_eq!(test, &r.bytes()[..4], &e[..]);
    }
    // Stops at the first refused byte: 7 of 10 fit in 8 slots.
    let Ok(small) = queue(8) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_expect_eq!(test, small.puts(0, &[1; 10]), Err(ENOMEM));
    kunit_expect_eq!(test, small.queued(), 7);
}

/// A sysex event is queued byte by byte through `snd_seq_dump_var_event()`; a fixed-length
/// event queues nothing; a sysex larger than the room fills the queue and reports ENOMEM.
fn sysex_chunks(test: &mut Test<'_>) {
    let Ok(q) = queue(1024) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let mut data = [0u8; 300];
    for (i, b) in data.iter_mut().enumerate() {
        *b = (i % 128) as u8;
    }
    data[0] = 0xf0;
    data[299] = 0xf7;
    let Ok(event) = VariableEvent::new(SYSEX, &data) else {
        kunit_require!(test, false, "event not built");
        return;
    };
    kunit_expect!(test, q.sysex(4, &event).is_ok());
    let all = drain(&q);
    kunit_expect_eq!(test, all.len(), 300);
    let in_order = all
        .iter()
        .zip(data.iter())
        .all(|(r, &b)| r.bytes()[..4] == [5, b, 4, 0]);
    kunit_expect!(
        test,
        in_order,
        "sysex bytes not queued one per record, in order"
    );

    kunit_expect_eq!(test, q.sysex(4, &EventBuf::of_kind(SYSEX)), Ok(()));
    kunit_expect_eq!(test, q.queued(), 0);

    let Ok(small) = queue(100) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_expect_eq!(test, small.sysex(4, &event), Err(ENOMEM));
    kunit_expect_eq!(test, small.queued(), 99);
}

/// The info line names the state, the length and the signed tick, as C's `%ld` prints it.
fn info_text(test: &mut Test<'_>) {
    let Ok(q) = queue(1024) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    info_is(test, &q, "  read queue [running] length = 0 : tick = -1\n");
    for n in 0..3 {
        let _ = q.put_event(echo(n));
    }
    q.put_timestamp(123_456, MUSIC);
    info_is(
        test,
        &q,
        "  read queue [running] length = 4 : tick = 123456\n",
    );
}

/// The blocking-read quirk: `wait` returns at once on an empty queue, even with C's default
/// one-hour timeout, because its condition always holds.
fn wait_returns_at_once(test: &mut Test<'_>) {
    let Ok(q) = queue(16) else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let start = Ktime::ktime_get();
    q.wait();
    q.set_pre_event_timeout(msecs_to_jiffies(10_000));
    q.wait();
    let waited_ms = ktime_ms_delta(Ktime::ktime_get(), start);
    kunit_expect!(
        test,
        waited_ms < 1000,
        "wait on an empty queue slept {} ms",
        waited_ms
    );
}

/// Seed 000: reset against readers and producers. One worker clears, one takes, one
/// checks the length; this thread queues from hard IRQ context (the sequencer's input
/// path can run there) and from process context. The length never exceeds maxlen - 1 and
/// every record taken is one that was queued.
fn hammer_clear_against_take(test: &mut Test<'_>) {
    const CYCLES: usize = 2000;
    struct Race {
        q: Pin<KBox<ReadQueue>>,
        taken: AtomicUsize,
        malformed: AtomicUsize,
        too_long: AtomicUsize,
        clears: AtomicUsize,
    }
    let race = queue(64).and_then(|q| {
        Arc::new(
            Race {
                q,
                taken: AtomicUsize::new(0),
                malformed: AtomicUsize::new(0),
                too_long: AtomicUsize::new(0),
                clears: AtomicUsize::new(0),
            },
            GFP_KERNEL,
        )
        .map_err(Into::into)
    });
    let Ok(race) = race else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    let r = race.clone();
    let workers = Workers::spawn_looping(3, move |role| match role {
        0 => {
            r.q.clear();
            r.clears.fetch_add(1, Ordering::Relaxed);
            interleave(r.clears.load(Ordering::Relaxed));
        }
        1 => {
            if let Ok(rec) = r.q.take(8) {
                r.taken.fetch_add(1, Ordering::Relaxed);
                let b = rec.bytes();
                if !(b[0] == 8 || (b[0] == 5 && b[2] == 1)) {
                    r.malformed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        _ => {
            if r.q.queued() > 63 {
                r.too_long.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let Ok(workers) = workers else {
        kunit_require!(test, false, "could not start the workers");
        return;
    };
    kunit_expect!(test, workers.wait_started(), "workers never started");
    let mut in_irq = 0;
    for cycle in 0..CYCLES {
        let q = &race.q;
        if run_in_hardirq(|| {
            let _ = q.put_event(echo(cycle as u8));
        }) {
            in_irq += 1;
        }
        let _ = q.puts(1, &[0x90, 0x40, 0x7f]);
        interleave(cycle);
    }
    workers.join();
    kunit_expect_eq!(test, race.malformed.load(Ordering::Relaxed), 0);
    kunit_expect_eq!(test, race.too_long.load(Ordering::Relaxed), 0);
    kunit_expect!(test, in_irq > 0, "nothing was queued from hard IRQ context");
    kunit_expect!(
        test,
        race.taken.load(Ordering::Relaxed) > 0 && race.clears.load(Ordering::Relaxed) > 0,
        "takes and clears never raced; the test proved nothing"
    );
}

kunit_suite!(
    snd_seq_oss_readq,
    [
        fill_to_capacity,
        tiny_queues_accept_nothing,
        wrap_around,
        take_respects_room,
        synth_timestamps,
        music_timestamps,
        full_queue_still_remembers_tick,
        clear_resets_input_time,
        puts_one_record_per_byte,
        sysex_chunks,
        info_text,
        wait_returns_at_once,
        hammer_clear_against_take,
    ]
);
