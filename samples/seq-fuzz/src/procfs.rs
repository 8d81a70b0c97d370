//! The /proc readers that run beside the fuzzers: the sequencer's clients, queues, timers and
//! OSS state, and each card's rawmidi status, read whole again and again. With
//! `--uart-loopback` the same thread keeps the UART's loopback bit set (the driver rewrites
//! the modem control register whenever it opens the port).

use crate::sys::{self, SysResult};
use crate::worker::Worker;
use std::thread::sleep;
use std::time::Duration;

/// The UART of the scenarios (QEMU's second ISA serial port): its modem control register.
const UART_MCR: i64 = 0x2f8 + 4;
/// RTS | DTR | OUT2 (as the driver sets them), with and without LOOP.
const MCR_LOOP: u8 = 0x1b;
const MCR_NORMAL: u8 = 0x0b;

/// The files to read: fixed sequencer ones and every rawmidi status file.
pub fn files() -> Vec<String> {
    let mut files: Vec<String> = ["clients", "queues", "timer", "oss"]
        .iter()
        .map(|f| format!("/proc/asound/seq/{f}"))
        .collect();
    files.push("/proc/asound/cards".into());
    let cards = std::fs::read_dir("/proc/asound").into_iter().flatten();
    for card in cards.flatten() {
        let name = card.file_name().to_string_lossy().into_owned();
        if !name.starts_with("card") {
            continue;
        }
        let entries = std::fs::read_dir(card.path()).into_iter().flatten();
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with("midi") {
                files.push(entry.path().to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    files
}

fn read_whole(path: &str) -> SysResult<usize> {
    let fd = sys::open(path, libc::O_RDONLY)?;
    let mut buf = vec![0u8; 4096];
    let mut total = 0;
    let r = loop {
        match sys::read(fd, &mut buf) {
            Ok(0) => break Ok(total),
            Ok(n) => total += n,
            Err(e) => break Err(e),
        }
    };
    let _ = sys::close(fd);
    r
}

/// Sets or clears the UART's loopback bit through /dev/port.
pub fn set_uart_loopback(on: bool) -> SysResult<()> {
    let port = sys::open("/dev/port", libc::O_WRONLY)?;
    let value = if on { MCR_LOOP } else { MCR_NORMAL };
    let r = sys::pwrite(port, &[value], UART_MCR).map(|_| ());
    let _ = sys::close(port);
    r
}

/// Reads `files` in random order until the deadline, a few milliseconds apart.
pub fn reader(w: &mut Worker<'_>, files: &[String], loopback: bool) {
    while w.running() {
        if loopback {
            let r = set_uart_loopback(true);
            w.tally.record("uart loopback on", &r);
        }
        if files.is_empty() {
            sleep(Duration::from_millis(50));
            continue;
        }
        let path = &files[w.rng.below(files.len() as u64) as usize];
        let _ = w.call(&format!("read {path}"), 2000, || read_whole(path));
        sleep(Duration::from_millis(w.rng.range(1, 20)));
    }
}
