//! oss-seq-probe: drives the OSS sequencer and prints one line per observation, with nothing
//! timing-dependent in it, so that the transcript of the C module and of its Rust twin can be
//! compared byte for byte.
//!
//! ```text
//! oss-seq-probe [RAWMIDI]        RAWMIDI: a snd-virmidi device to inject MIDI input through
//! oss-seq-probe race RAWMIDI     the seed 000 race: readers, resets and input at once
//! oss-seq-probe capacity         how many of 100 echoes the read queue holds
//! ```

mod race;
mod records;

use records::{echo, hex, split, SNDCTL_MIDI_PRETIME, SNDCTL_SEQ_GETINCOUNT, SNDCTL_SEQ_RESET};
use std::ffi::CString;
use std::io::{Error, Result};
use std::os::fd::RawFd;
use std::thread::sleep;
use std::time::{Duration, Instant};

const ECHOES: u32 = 1500;

fn cstr(path: &str) -> CString {
    CString::new(path).unwrap_or_default()
}

fn open(path: &str, flags: i32) -> Result<RawFd> {
    // SAFETY: `cstr(path)` is a valid NUL-terminated string for the duration of the call.
    let fd = unsafe { libc::open(cstr(path).as_ptr(), flags) };
    if fd < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(fd)
    }
}

fn close(fd: RawFd) {
    // SAFETY: closing a descriptor this program opened.
    unsafe { libc::close(fd) };
}

fn write_all(fd: RawFd, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            return Err(Error::last_os_error());
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

fn read(fd: RawFd, len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    // SAFETY: `buf` is valid for writes of `len` bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), len) };
    if n < 0 {
        return Err(Error::last_os_error());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

fn incount(fd: RawFd) -> Result<i32> {
    let mut n: libc::c_int = -1;
    // SAFETY: SNDCTL_SEQ_GETINCOUNT writes one int to the pointer.
    if unsafe { libc::ioctl(fd, SNDCTL_SEQ_GETINCOUNT as _, &mut n) } < 0 {
        return Err(Error::last_os_error());
    }
    Ok(n)
}

/// SNDCTL_MIDI_PRETIME: sets the read queue's wait in 1/10 s; returns what the kernel stored
/// (in jiffies, or -1 for "forever").
fn pretime(fd: RawFd, tenths: i32) -> Result<i32> {
    let mut n: libc::c_int = tenths;
    // SAFETY: SNDCTL_MIDI_PRETIME reads and writes one int through the pointer.
    if unsafe { libc::ioctl(fd, SNDCTL_MIDI_PRETIME as _, &mut n) } < 0 {
        return Err(Error::last_os_error());
    }
    Ok(n)
}

/// The read queue lines of /proc/asound/seq/oss (one per application reading).
fn proc_readq() -> String {
    match std::fs::read_to_string("/proc/asound/seq/oss") {
        Ok(text) => text
            .lines()
            .filter(|l| l.contains("read queue"))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" | "),
        Err(e) => errno_name(&e),
    }
}

fn reset(fd: RawFd) -> Result<i32> {
    // SAFETY: SNDCTL_SEQ_RESET takes no argument.
    let r = unsafe { libc::ioctl(fd, SNDCTL_SEQ_RESET as _) };
    if r < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// `poll()` for input; returns the revents, 0 on timeout.
fn poll_in(fd: RawFd, timeout_ms: i32) -> Result<i16> {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN | libc::POLLRDNORM,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let r = unsafe { libc::poll(&mut p, 1, timeout_ms) };
    if r < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(p.revents)
    }
}

/// Waits until the queue length stops changing (echoes arrive through the sequencer core).
fn settled_incount(fd: RawFd) -> Result<i32> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = incount(fd)?;
    let mut stable_since = Instant::now();
    while Instant::now() < deadline {
        sleep(Duration::from_millis(20));
        let now = incount(fd)?;
        if now != last {
            last = now;
            stable_since = Instant::now();
        } else if stable_since.elapsed() >= Duration::from_millis(300) {
            break;
        }
    }
    Ok(last)
}

fn errno_name(e: &Error) -> String {
    match e.raw_os_error() {
        Some(libc::EAGAIN) => "EAGAIN".into(),
        Some(libc::EINVAL) => "EINVAL".into(),
        Some(libc::EINTR) => "EINTR (blocked)".into(),
        Some(libc::ENXIO) => "ENXIO".into(),
        Some(libc::EFAULT) => "EFAULT".into(),
        Some(n) => format!("errno {n}"),
        None => e.to_string(),
    }
}

fn show<T: std::fmt::Display>(name: &str, r: Result<T>) {
    match r {
        Ok(v) => println!("{name}: {v}"),
        Err(e) => println!("{name}: {}", errno_name(&e)),
    }
}

fn records(buf: &[u8]) -> String {
    match split(buf) {
        Some(recs) => recs.iter().map(|r| hex(r)).collect::<Vec<_>>().join(" "),
        None => format!("partial record: {}", hex(buf)),
    }
}

extern "C" fn on_alarm(_: libc::c_int) {}

/// A read that would block is interrupted after 2 s (SIGALRM without SA_RESTART).
fn arm_alarm() {
    // SAFETY: installs a handler that does nothing, then schedules one SIGALRM.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_alarm as *const () as usize;
        libc::sigaction(libc::SIGALRM, &sa, std::ptr::null_mut());
        libc::alarm(2);
    }
}

fn disarm_alarm() {
    // SAFETY: cancels the pending alarm.
    unsafe { libc::alarm(0) };
}

fn device_numbers(path: &str) -> String {
    // SAFETY: `st` is a valid out-parameter; the path is NUL-terminated.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::stat(cstr(path).as_ptr(), &mut st) } < 0 {
        return errno_name(&Error::last_os_error());
    }
    format!(
        "char {},{}",
        libc::major(st.st_rdev),
        libc::minor(st.st_rdev)
    )
}

fn synth_mode(fd: RawFd) -> Result<()> {
    show("incount initially", incount(fd));

    write_all(fd, &echo(0x0a0b0c))?;
    let ready = poll_in(fd, 2000)?;
    println!("poll after one echo: {}", ready & libc::POLLIN != 0);
    show("read one echo", read(fd, 64).map(|b| records(&b)));
    show("incount after reading it", incount(fd));

    let all: Vec<u8> = (1..=ECHOES).flat_map(echo).collect();
    write_all(fd, &all)?;
    show("incount after 1500 echoes", settled_incount(fd));
    println!("proc after 1500 echoes: {}", proc_readq());
    let head = read(fd, 12).map(|b| records(&b));
    show("first three records", head);
    show("incount after reading three", incount(fd));
    show("reset", reset(fd));
    show("incount after reset", incount(fd));
    println!("proc after reset: {}", proc_readq());
    println!(
        "poll on empty queue: {}",
        poll_in(fd, 0)? & libc::POLLIN != 0
    );

    arm_alarm();
    let blocked = read(fd, 4);
    disarm_alarm();
    show("blocking read on empty queue", blocked.map(|b| records(&b)));
    // A pre-event timeout changes nothing: the wait's condition always holds.
    show("pretime 5 tenths (jiffies)", pretime(fd, 5));
    arm_alarm();
    let blocked = read(fd, 4);
    disarm_alarm();
    show(
        "blocking read with pretime set",
        blocked.map(|b| records(&b)),
    );
    show("pretime 0 (forever)", pretime(fd, 0));

    write_all(fd, &echo(7))?;
    poll_in(fd, 2000)?;
    show("read with a 2-byte buffer", read(fd, 2).map(|b| b.len()));
    show("incount after it", incount(fd));
    show(
        "read with a 4-byte buffer",
        read(fd, 4).map(|b| records(&b)),
    );
    Ok(())
}

fn music_mode(fd: RawFd) -> Result<()> {
    // EV_TIMING / TMR_ECHO: an 8-byte record, echoed back in music mode.
    let timer_echo = [0x81u8, 8, 0, 0, 0x44, 0x33, 0x22, 0x11];
    write_all(fd, &timer_echo)?;
    poll_in(fd, 2000)?;
    show(
        "music: read 8-byte echo with a 4-byte buffer",
        read(fd, 4).map(|b| records(&b)),
    );
    show("music: incount after it", incount(fd));
    show(
        "music: read with an 8-byte buffer",
        read(fd, 8).map(|b| records(&b)),
    );
    show(
        "music: short SEQ_ECHO write",
        write_all(fd, &echo(1)).map(|()| "accepted"),
    );
    Ok(())
}

/// Reads until `bytes` SEQ_MIDIPUTC records arrived or a second passed without input.
fn read_input(seq: RawFd, bytes: usize) -> Result<Vec<u8>> {
    let mut got = Vec::new();
    let midi_bytes = |got: &[u8]| split(got).map_or(0, |r| r.iter().filter(|r| r[0] == 5).count());
    while midi_bytes(&got) < bytes && poll_in(seq, 1000)? & libc::POLLIN != 0 {
        got.extend(read(seq, 256)?);
    }
    Ok(got)
}

/// The records of one input burst, with a SEQ_WAIT above the previous tick shown as
/// `02<later>`: how much later depends on timing, not on the read queue. Updates `tick`.
fn input_records(buf: &[u8], tick: &mut u32) -> String {
    let Some(recs) = split(buf) else {
        return format!("partial record: {}", hex(buf));
    };
    recs.iter()
        .map(|r| match *r {
            [2, a, b, c] => {
                let t = u32::from_le_bytes([*a, *b, *c, 0]);
                let later = t > *tick;
                *tick = t;
                if later {
                    "02<later>".to_string()
                } else {
                    hex(r)
                }
            }
            _ => hex(r),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn midi_input(rawmidi: &str) -> Result<()> {
    let seq = open("/dev/sequencer", libc::O_RDONLY)?;
    let midi = open(rawmidi, libc::O_WRONLY)?;
    // Each burst is one MIDI message, so one event and one timestamp: tick 0 for the first
    // (the OSS timer starts with it), a later tick for the next ones, 50 ms apart.
    let bursts: [(&str, &[u8]); 3] = [
        ("midi input (note on)", &[0x90, 0x3c, 0x64]),
        ("midi input (note off)", &[0x80, 0x3c, 0x00]),
        ("midi input (sysex)", &[0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]),
    ];
    let mut tick = 0;
    for (i, (name, bytes)) in bursts.iter().enumerate() {
        if i > 0 {
            sleep(Duration::from_millis(50));
        }
        write_all(midi, bytes)?;
        let got = read_input(seq, bytes.len())?;
        println!("{name}: {}", input_records(&got, &mut tick));
        let proc_line = proc_readq().replace(&format!("tick = {tick}"), "tick = <last read>");
        println!("proc after it: {proc_line}");
    }
    close(midi);
    close(seq);
    Ok(())
}

/// Opens `path` read-write, runs `probe` on it, closes it.
fn with_device(path: &str, probe: fn(RawFd) -> Result<()>) -> Result<()> {
    let fd = open(path, libc::O_RDWR)?;
    let r = probe(fd);
    close(fd);
    r
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("capacity") {
        let held = open("/dev/sequencer", libc::O_RDWR).and_then(|fd| {
            let all: Vec<u8> = (1..=100).flat_map(echo).collect();
            let n = write_all(fd, &all).and_then(|()| settled_incount(fd));
            close(fd);
            n
        });
        show("echoes held of 100", held);
        std::process::exit(0);
    }
    if args.get(1).map(String::as_str) == Some("race") {
        let Some(rawmidi) = args.get(2) else {
            eprintln!("usage: oss-seq-probe race RAWMIDI");
            std::process::exit(2);
        };
        std::process::exit(i32::from(!race::run(rawmidi)));
    }
    println!("/dev/sequencer: {}", device_numbers("/dev/sequencer"));
    println!("/dev/sequencer2: {}", device_numbers("/dev/sequencer2"));
    let mut failed = false;
    let mut report = |name: &str, r: Result<()>| {
        if let Err(e) = r {
            println!("{name}: stopped: {}", errno_name(&e));
            failed = true;
        }
    };
    report("synth", with_device("/dev/sequencer", synth_mode));
    report("music", with_device("/dev/sequencer2", music_mode));
    if let Some(dev) = args.get(1) {
        report("midi", midi_input(dev));
    }
    std::process::exit(i32::from(failed));
}
