//! The OSS sequencer's read queue under a flood: a sequencer client with a MIDI port (which
//! snd-seq-oss registers as an OSS MIDI device) sends note-on events to its subscribers,
//! 64 per `write()`; a reader that opened `/dev/sequencer` (which subscribed it to every
//! MIDI device) reads records with 4 KiB `read()`s. Each event becomes 3 `SEQ_MIDIPUTC`
//! records (the OSS decoder sends no running status) put into the read queue in the
//! sender's context and taken out by the reader's `read()`. Counts the records read; when
//! the sender outruns the reader, the full queue drops the rest (both modules alike).

use crate::open_client;
use alsa::seq::{EvNote, Event, EventType};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

/// Bytes of one record in `/dev/sequencer` (mode 1) reads.
const RECORD_BYTES: usize = 4;

/// Events per `write()` of the sender.
const BATCH: u64 = 64;

pub struct Flood {
    pub records: u64,
    pub events_sent: u64,
    pub seconds: f64,
}

/// The sender: note-on events to the port's subscribers until `stop`; returns the count.
fn send(seq: &alsa::Seq, port: i32, stop: &AtomicBool) -> Result<u64, String> {
    let mut sent = 0u64;
    while !stop.load(Relaxed) {
        for _ in 0..BATCH {
            let mut ev = Event::new(
                EventType::Noteon,
                &EvNote {
                    channel: 0,
                    note: (sent % 128) as u8,
                    velocity: 100,
                    off_velocity: 0,
                    duration: 0,
                },
            );
            ev.set_source(port);
            ev.set_subs();
            ev.set_direct();
            seq.event_output(&mut ev)
                .map_err(|e| format!("event_output: {e}"))?;
            sent += 1;
        }
        seq.drain_output()
            .map_err(|e| format!("drain_output: {e}"))?;
    }
    Ok(sent)
}

/// Reads records from `fd` until `stop`; returns how many.
fn read_records(fd: libc::c_int, stop: &AtomicBool) -> Result<u64, String> {
    let mut buf = vec![0u8; 4096];
    let mut bytes = 0u64;
    while !stop.load(Relaxed) {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut pfd, 1, 50) } <= 0 {
            continue;
        }
        // SAFETY: `buf` is valid for writes of its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EAGAIN) {
                return Err(format!("read /dev/sequencer: {e}"));
            }
        } else {
            bytes += n as u64;
        }
    }
    Ok(bytes / RECORD_BYTES as u64)
}

pub fn run(seconds: f64) -> Result<Flood, String> {
    // The port must exist before the open: snd-seq-oss opens the MIDI devices it knows then.
    let (seq, me) = open_client("bench midi source")?;
    let path = c"/dev/sequencer";
    // SAFETY: a valid NUL-terminated path.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK) };
    if fd < 0 {
        return Err(format!(
            "open /dev/sequencer: {}",
            std::io::Error::last_os_error()
        ));
    }
    let stop = AtomicBool::new(false);
    let t0 = Instant::now();
    let (sent, read) = thread::scope(|s| {
        let reader = s.spawn(|| read_records(fd, &stop));
        s.spawn(|| {
            thread::sleep(Duration::from_secs_f64(seconds));
            stop.store(true, Relaxed);
        });
        // The client handle is not Sync: this thread sends.
        let sent = send(&seq, me.port, &stop);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err("reader panicked".into()));
        (sent, read)
    });
    let seconds = t0.elapsed().as_secs_f64();
    // SAFETY: closing the descriptor opened above.
    unsafe { libc::close(fd) };
    Ok(Flood {
        records: read?,
        events_sent: sent?,
        seconds,
    })
}
