//! Part (b): the OSS sequencer. Worker threads share a few slots, each holding an open
//! /dev/sequencer or /dev/sequencer2 (random access mode, blocking or not), and on them
//! write random records, read with random buffer sizes, poll, and issue every sequencer
//! ioctl with random arguments (or a random command number); files are reopened and closed
//! while other threads use them (a slot's lock keeps the descriptor valid meanwhile).
//! Random MIDI bytes written to a snd-virmidi device reach the readers as input.
//!
//! Checked on every result: a read returns whole records only, and
//! SNDCTL_SEQ_GETINCOUNT stays within the read queue's capacity (1023 with the default
//! `maxqlen`).

use crate::oss_records::{self, Arg, INFO_DEVICE_OFFSET, IOCTLS};
use crate::sys::{self, SysResult};
use crate::worker::Worker;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::RwLock;

/// The read queue holds at most `maxqlen - 1` records (default `maxqlen` 1024).
const CAPACITY: i32 = 1023;
/// What an IntOut argument holds before the call, to tell "not written" apart.
const UNWRITTEN: i32 = -0x5eed;
const DEVICES: [&str; 2] = ["/dev/sequencer", "/dev/sequencer2"];

struct OssFile {
    fd: RawFd,
    readable: bool,
}

/// Closes the file in a slot, if there is one.
fn close_file(w: &mut Worker<'_>, file: &mut Option<OssFile>) {
    if let Some(f) = file.take() {
        // Closing unsubscribes from the MIDI devices: a bridge may drain meanwhile.
        let _ = w.call("oss close", 3000, || sys::close(f.fd));
    }
}

pub struct Oss {
    slots: Vec<RwLock<Option<OssFile>>>,
    virmidi: Option<RawFd>,
    /// OSS MIDI devices, as SNDCTL_SEQ_NRMIDIS last said.
    midis: AtomicU8,
}

impl Oss {
    /// `virmidi`: a rawmidi device to write MIDI input into (opened here).
    pub fn new(slots: usize, virmidi: Option<&str>) -> SysResult<Self> {
        let virmidi = match virmidi {
            Some(path) => Some(sys::open(path, libc::O_WRONLY | libc::O_NONBLOCK)?),
            None => None,
        };
        Ok(Oss {
            slots: (0..slots).map(|_| RwLock::new(None)).collect(),
            virmidi,
            midis: AtomicU8::new(4),
        })
    }

    /// A worker: random operations on random slots until the deadline.
    pub fn worker(&self, w: &mut Worker<'_>) {
        let virmidi_weight = if self.virmidi.is_some() { 8 } else { 0 };
        while w.running() {
            let slot = w.rng.below(self.slots.len() as u64) as usize;
            match w.rng.weighted(&[4, 1, 25, 1, 15, 8, 25, virmidi_weight]) {
                0 => self.reopen(w, slot),
                1 => self.close(w, slot),
                2 => self.with_file(w, slot, Self::write_records),
                3 => self.with_file(w, slot, Self::write_patch),
                4 => self.with_file(w, slot, Self::read),
                5 => self.with_file(w, slot, Self::poll),
                6 => self.with_file(w, slot, Self::ioctl),
                _ => self.virmidi_input(w),
            }
        }
    }

    /// Closes what is still open (after the workers ended).
    pub fn finish(&self, w: &mut Worker<'_>) {
        for slot in 0..self.slots.len() {
            self.close(w, slot);
        }
        if let Some(fd) = self.virmidi {
            let r = sys::close(fd);
            w.tally.record("virmidi close", &r);
        }
    }

    fn slot_mut(&self, slot: usize) -> std::sync::RwLockWriteGuard<'_, Option<OssFile>> {
        self.slots[slot].write().unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self, w: &mut Worker<'_>, slot: usize) {
        close_file(w, &mut self.slot_mut(slot));
    }

    /// Replaces the slot's file (if any) with a new one, under one lock: nobody else can
    /// open into the slot in between (which would leak that descriptor).
    fn reopen(&self, w: &mut Worker<'_>, slot: usize) {
        let path = w.rng.pick(&DEVICES);
        let access = w.rng.pick(&[libc::O_RDONLY, libc::O_WRONLY, libc::O_RDWR]);
        let nonblock = if w.rng.chance(50) {
            libc::O_NONBLOCK
        } else {
            0
        };
        let op = if path == DEVICES[0] {
            "oss open /dev/sequencer"
        } else {
            "oss open /dev/sequencer2"
        };
        let mut file = self.slot_mut(slot);
        close_file(w, &mut file);
        let r = w.call(op, 2000, || sys::open(path, access | nonblock));
        if let Ok(fd) = r {
            *file = Some(OssFile {
                fd,
                readable: access != libc::O_WRONLY,
            });
        }
    }

    /// Runs `f` on the slot's file, if one is open; others may use it at the same time.
    fn with_file(&self, w: &mut Worker<'_>, slot: usize, f: fn(&Self, &mut Worker<'_>, &OssFile)) {
        let file = self.slots[slot].read().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = file.as_ref() {
            f(self, w, file);
        }
    }

    fn write_records(&self, w: &mut Worker<'_>, file: &OssFile) {
        let records = oss_records::random_records(&mut w.rng, self.midis.load(Relaxed));
        let r = w.call("oss write records", 1000, || sys::write(file.fd, &records));
        if let Ok(n) = r {
            w.tally.count("oss bytes written", n as u64);
        }
    }

    fn write_patch(&self, w: &mut Worker<'_>, file: &OssFile) {
        let patch = oss_records::patch_load(&mut w.rng);
        let _ = w.call("oss write patch", 1000, || sys::write(file.fd, &patch));
    }

    fn read(&self, w: &mut Worker<'_>, file: &OssFile) {
        let len = match w.rng.weighted(&[10, 10, 30, 30, 20]) {
            0 => w.rng.below(4) as usize,
            1 => w.rng.pick(&[4, 5, 7, 8, 9, 12]),
            2 => w.rng.range(13, 256) as usize,
            3 => 1024,
            _ => w.rng.below(8193) as usize,
        };
        let mut buf = vec![0u8; len];
        let limit = w.rng.pick(&[20, 200, 1000]);
        let r = w.call("oss read", limit, || sys::read(file.fd, &mut buf));
        if let Ok(n) = r {
            w.tally.count("oss bytes read", n as u64);
            let got = &buf[..n.min(len)];
            if n > len || oss_records::count_records(got).is_none() {
                w.tally.anomaly("oss read returned a partial record", || {
                    format!("asked {len}, got {n}: {got:02x?}")
                });
            }
        }
    }

    fn poll(&self, w: &mut Worker<'_>, file: &OssFile) {
        let events = w.rng.pick(&[
            libc::POLLIN,
            libc::POLLOUT,
            libc::POLLIN | libc::POLLOUT | libc::POLLRDNORM | libc::POLLWRNORM,
        ]);
        let timeout = w.rng.pick(&[0, 1, 10, 50]);
        let _ = w.call("oss poll", 1000, || sys::poll(file.fd, events, timeout));
    }

    fn ioctl(&self, w: &mut Worker<'_>, file: &OssFile) {
        let mut buf = w.rng.bytes(4096 + 64);
        let (name, cmd, arg) = if w.rng.chance(10) {
            let cmd = oss_records::random_ioctl_cmd(&mut w.rng, 4096);
            ("(random number)", cmd, Arg::Buffer)
        } else {
            let i = w.rng.below(IOCTLS.len() as u64) as usize;
            (IOCTLS[i].name, IOCTLS[i].cmd, IOCTLS[i].arg)
        };
        match arg {
            Arg::IntOut => buf[..4].copy_from_slice(&UNWRITTEN.to_le_bytes()),
            Arg::IntIn(lo, hi) => {
                let v = oss_records::int_arg(&mut w.rng, lo, hi);
                buf[..4].copy_from_slice(&v.to_le_bytes());
            }
            Arg::Info(_) => {
                let dev = oss_records::int_arg(&mut w.rng, -1, 8);
                buf[INFO_DEVICE_OFFSET..INFO_DEVICE_OFFSET + 4].copy_from_slice(&dev.to_le_bytes());
            }
            Arg::Record => {
                let rec = oss_records::random_record(&mut w.rng, self.midis.load(Relaxed));
                let n = rec.len().min(8);
                buf[..n].copy_from_slice(&rec[..n]);
            }
            Arg::None | Arg::Buffer => {}
        }
        // Sometimes a pointer the kernel must refuse to follow.
        let ptr = if w.rng.chance(3) {
            w.rng.pick(&[0usize, 0x1000]) as *mut u8
        } else {
            buf.as_mut_ptr()
        };
        let op = format!("oss ioctl {name}");
        // SAFETY: `buf` (4160 bytes) holds the argument of every command in the table (at
        // most 4004 bytes) and whatever size a random command encodes (at most 4096); a bogus
        // pointer is refused by copy_from_user()/copy_to_user().
        let r = w.call(&op, 500, || unsafe { sys::ioctl(file.fd, cmd, ptr) });
        if r.is_err() || ptr != buf.as_mut_ptr() {
            return;
        }
        let value = i32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
        match name {
            "SEQ_GETINCOUNT"
                if file.readable && value != UNWRITTEN && !(0..=CAPACITY).contains(&value) =>
            {
                w.tally
                    .anomaly("GETINCOUNT out of range", || format!("{value}"));
            }
            "SEQ_NRMIDIS" if (0..=64).contains(&value) => self.midis.store(value as u8, Relaxed),
            _ => {}
        }
    }

    fn virmidi_input(&self, w: &mut Worker<'_>) {
        let Some(fd) = self.virmidi else { return };
        let bytes = if w.rng.chance(50) {
            let len = w.rng.range(1, 64) as usize;
            w.rng.bytes(len)
        } else {
            let n = w.rng.range(1, 4);
            (0..n)
                .flat_map(|_| {
                    let status =
                        w.rng.pick(&[0x80u8, 0x90, 0xb0, 0xc0, 0xe0]) | w.rng.below(16) as u8;
                    [status, w.rng.byte() & 0x7f, w.rng.byte() & 0x7f]
                })
                .collect()
        };
        let _ = w.call("virmidi write", 1000, || sys::write(fd, &bytes));
    }
}
