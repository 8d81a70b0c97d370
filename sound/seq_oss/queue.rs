// SPDX-License-Identifier: GPL-2.0

//! The read queue: a ring of input records behind an IRQ-safe spinlock.

use crate::record::Record;
use core::{
    fmt,
    sync::atomic::{AtomicUsize, Ordering},
};
use kernel::{
    error::code::{EAGAIN, EINVAL, ENOMEM},
    ffi::{c_int, c_ulong},
    prelude::*,
    time::msecs_to_jiffies,
};
use snd::seq::Event;
use snd_sync::{new_irq_spinlock, new_wait_queue, IrqSpinLock, WaitQueue};

/// The input time before any timestamp: C's `(unsigned long)-1`.
const NO_INPUT_TIME: c_ulong = c_ulong::MAX;

/// Sequencer modes of `put_timestamp`. C: `SNDRV_SEQ_OSS_MODE_SYNTH`, `..._MUSIC`.
const MODE_SYNTH: c_int = snd::seq::oss::MODE_SYNTH;
const MODE_MUSIC: c_int = snd::seq::oss::MODE_MUSIC;

/// The ring state. Only [`ReadQueue`]'s lock reaches it.
///
/// # Invariants
///
/// `records.len()` is the queue's `maxlen`; `head` and `tail` are below it (or 0 when it is
/// 0); `qlen < maxlen` (or 0); `tail == (head + qlen) % maxlen`.
struct Ring {
    records: KVec<Record>,
    qlen: usize,
    head: usize,
    tail: usize,
    input_time: c_ulong,
}

impl Ring {
    /// The slot after `index`, wrapping at `maxlen` (C's `% q->maxlen`, without a division).
    fn next(&self, index: usize) -> usize {
        let next = index.saturating_add(1);
        if next >= self.records.len() {
            0
        } else {
            next
        }
    }

    /// Appends a record; a full queue (`maxlen - 1` records) refuses it with `ENOMEM`.
    ///
    /// C: `snd_seq_oss_readq_put_event_locked()`.
    fn push(&mut self, record: Record) -> Result {
        if self.qlen.saturating_add(1) >= self.records.len() {
            return Err(ENOMEM);
        }
        let slot = self.records.get_mut(self.tail).ok_or(ENOMEM)?;
        *slot = record;
        self.tail = self.next(self.tail);
        // Below `maxlen - 1` (checked above), so this cannot saturate.
        self.qlen = self.qlen.saturating_add(1);
        Ok(())
    }

    /// The oldest record, still queued. C: `snd_seq_oss_readq_pick()`.
    fn front(&self) -> Option<Record> {
        if self.qlen == 0 {
            return None;
        }
        self.records.get(self.head).copied()
    }

    /// Drops the oldest record. C: `snd_seq_oss_readq_free()`.
    fn pop(&mut self) {
        if self.qlen > 0 {
            self.head = self.next(self.head);
            self.qlen = self.qlen.saturating_sub(1);
        }
    }
}

/// The MIDI input queue of one open `/dev/sequencer` or `/dev/sequencer2`.
///
/// Producers (sequencer input callbacks, possibly in interrupt context) push records; the
/// reader takes them in `read()`; `SNDCTL_SEQ_RESET` and release clear it.
///
/// C: `struct seq_oss_readq`.
#[pin_data]
pub struct ReadQueue {
    #[pin]
    ring: IrqSpinLock<Ring>,
    /// Readers and pollers wait here for input.
    #[pin]
    midi_sleep: WaitQueue,
    /// How long a blocking read waits, in jiffies (`SNDCTL_MIDI_PRETIME`). Not ring state: C
    /// writes and reads it without the lock, and a stale value only changes one wait.
    pre_event_timeout: AtomicUsize,
}

impl ReadQueue {
    /// A queue of `maxlen` slots, which holds up to `maxlen - 1` records.
    ///
    /// C: `snd_seq_oss_readq_new()` (`kcalloc()` of the slots, then the fields).
    // Not inlined: the lock classes' names and keys must come from one crate (see snd_sync).
    #[inline(never)]
    pub fn new(maxlen: usize) -> Result<impl PinInit<Self, Error>> {
        let records = KVec::from_elem(Record::default(), maxlen, GFP_KERNEL)?;
        let ring = new_irq_spinlock!(
            Ring {
                records,
                qlen: 0,
                head: 0,
                tail: 0,
                input_time: NO_INPUT_TIME,
            },
            "seq_oss_readq::ring"
        );
        let midi_sleep = new_wait_queue!("seq_oss_readq::midi_sleep");
        Ok(try_pin_init!(Self {
            ring <- ring,
            midi_sleep <- midi_sleep,
            // SNDRV_SEQ_OSS_MAX_TIMEOUT: one hour.
            pre_event_timeout: AtomicUsize::new(msecs_to_jiffies(3_600_000)),
        }? Error))
    }

    /// Empties the queue and forgets the last input time, then wakes readers.
    ///
    /// C: `snd_seq_oss_readq_clear()`.
    pub fn clear(&self) {
        {
            let mut ring = self.ring.lock();
            if ring.qlen != 0 {
                ring.qlen = 0;
                ring.head = 0;
                ring.tail = 0;
            }
            ring.input_time = NO_INPUT_TIME;
        }
        self.midi_sleep.wake_up_all();
    }

    /// Queues one record and wakes readers; `ENOMEM` when full.
    ///
    /// C: `snd_seq_oss_readq_put_event()` (which wakes under the lock; here it is after).
    pub fn put_event(&self, record: Record) -> Result {
        self.ring.lock().push(record)?;
        self.midi_sleep.wake_up_all();
        Ok(())
    }

    /// Queues one `SEQ_MIDIPUTC` record per byte, each locked on its own as in C; stops at
    /// the first refused byte.
    ///
    /// C: `snd_seq_oss_readq_puts()`.
    pub fn puts(&self, dev: c_int, data: &[u8]) -> Result {
        data.iter()
            .try_for_each(|&byte| self.put_event(Record::midi_putc(byte, dev)))
    }

    /// Queues the bytes of a variable-length (sysex) event like [`ReadQueue::puts`];
    /// fixed-length events queue nothing.
    ///
    /// C: `snd_seq_oss_readq_sysex()`.
    pub fn sysex(&self, dev: c_int, event: &Event) -> Result {
        if !event.is_variable_length() {
            return Ok(());
        }
        event.dump_variable(|chunk| self.puts(dev, chunk))
    }

    /// Queues a timestamp record for input at tick `curt` unless the last input had the same
    /// tick: `SEQ_WAIT` in synth mode, `EV_TIMING`/`TMR_WAIT_ABS` in music mode, nothing in
    /// another mode. The tick is remembered even when the queue is full.
    ///
    /// C: `snd_seq_oss_readq_put_timestamp()`.
    pub fn put_timestamp(&self, curt: c_ulong, seq_mode: c_int) {
        let queued = {
            let mut ring = self.ring.lock();
            if curt == ring.input_time {
                return;
            }
            let record = match seq_mode {
                MODE_SYNTH => Some(Record::seq_wait(curt)),
                MODE_MUSIC => Some(Record::timing_wait_abs(curt)),
                _ => None,
            };
            ring.input_time = curt;
            record.is_some_and(|r| ring.push(r).is_ok())
        };
        if queued {
            self.midi_sleep.wake_up_all();
        }
    }

    /// Takes the oldest record if it fits in `room` bytes of the user's buffer: `EAGAIN`
    /// when the queue is empty, `EINVAL` (the record stays queued) when it does not fit.
    ///
    /// C: `snd_seq_oss_readq_take()`, i.e. `snd_seq_oss_readq_pick()` and
    /// `snd_seq_oss_readq_free()` under one hold of the lock.
    pub fn take(&self, room: usize) -> Result<Record> {
        let mut ring = self.ring.lock();
        let record = ring.front().ok_or(EAGAIN)?;
        if room < record.len() {
            return Err(EINVAL);
        }
        ring.pop();
        Ok(record)
    }

    /// Waits, up to the pre-event timeout or a signal, until the queue has input or is
    /// empty. That condition always holds (an empty ring has `head == tail`), so this returns
    /// at once, and a blocking `read()` of an empty queue returns `EAGAIN`: C's behaviour,
    /// kept for parity.
    ///
    /// C: `snd_seq_oss_readq_wait()`.
    pub fn wait(&self) {
        let timeout = self.pre_event_timeout.load(Ordering::Relaxed);
        let _ = self.midi_sleep.wait_interruptible_until(
            || {
                let ring = self.ring.lock();
                ring.qlen > 0 || ring.head == ring.tail
            },
            timeout,
        );
    }

    /// The number of queued records (`SNDCTL_SEQ_GETINCOUNT`, `poll()`).
    ///
    /// C: `snd_seq_oss_readq_len()`; C reads `qlen` without the lock, this takes it.
    pub fn queued(&self) -> usize {
        self.ring.lock().qlen
    }

    /// Sets how long a blocking read waits, in jiffies (`SNDCTL_MIDI_PRETIME`).
    ///
    /// C: `snd_seq_oss_readq_set_timeout()`.
    pub fn set_pre_event_timeout(&self, jiffies: c_ulong) {
        self.pre_event_timeout.store(jiffies, Ordering::Relaxed);
    }

    /// The queue readers and pollers wait on.
    pub(crate) fn midi_sleep(&self) -> &WaitQueue {
        &self.midi_sleep
    }

    /// Writes the queue's line of `/proc/asound/seq/oss`; the state is read under the lock
    /// (C reads it without), then formatted after.
    ///
    /// C: `snd_seq_oss_readq_info_read()`.
    pub fn write_info(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let (qlen, input_time) = {
            let ring = self.ring.lock();
            (ring.qlen, ring.input_time)
        };
        let state = if self.midi_sleep.has_sleepers() {
            "sleeping"
        } else {
            "running"
        };
        // C prints the unsigned input time with `%ld`: the initial value shows as -1.
        writeln!(
            out,
            "  read queue [{state}] length = {qlen} : tick = {}",
            input_time as isize
        )
    }
}
