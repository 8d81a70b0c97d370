//! pcm-link-race: races of linked PCM streams in the ALSA core, on the loopback card
//! (`pcm_substreams` ≥ 2). Every stream is a capture substream of device 0, driven by raw
//! ioctls.
//!
//! ```text
//! pcm-link-race close [ROUNDS]           (default 100)
//! pcm-link-race hw-params [ROUNDS]       (default 100)
//! pcm-link-race start [SECONDS]          (default 10)
//! pcm-link-race prepare-both [SECONDS]   (default 10)
//! ```
//!
//! `close`: two captures are configured, the second with a 2 MiB buffer, and linked. One
//! thread PREPAREs the first in a loop; the group's prepare also runs the driver's prepare
//! of the second, which fills the second's buffer with silence. The main thread closes the
//! second meanwhile, a little later in each round. Releasing a stream frees its buffer
//! before the stream leaves the group, so the group's prepare can write into a freed buffer.
//!
//! `hw-params`: the same, but the main thread frees and reconfigures the second stream
//! (HW_FREE, HW_PARAMS) instead of closing it.
//!
//! `start`: the two captures linked; one thread runs PREPARE, START, DROP on the first in a
//! loop, another START and DROP on the second. Every START and DROP locks the group (also a
//! START that the state refuses), and when the other thread holds the group lock, the
//! stream's own lock is dropped and taken again under the group lock. Only the first thread
//! PREPAREs: two PREPAREs issued on different members at once deadlock on the members'
//! buffer mutexes (`prepare-both` shows that).
//!
//! `prepare-both`: both threads PREPARE their member of the group in a loop.
//!
//! Prints what each side did; exits 1 when the streams could not be set up, or when the
//! race was never reached (no close or reconfiguration during a prepare, no START).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

const fn ioc(dir: u32, nr: u32, size: usize) -> libc::c_ulong {
    ((dir << 30) | ((size as u32) << 16) | ((b'A' as u32) << 8) | nr) as libc::c_ulong
}
const W: u32 = 1;
const R: u32 = 2;
const INFO: libc::c_ulong = ioc(R, 0x01, 288);
const HW_PARAMS: libc::c_ulong = ioc(R | W, 0x11, std::mem::size_of::<HwParams>());
const HW_FREE: libc::c_ulong = ioc(0, 0x12, 0);
const SW_PARAMS: libc::c_ulong = ioc(R | W, 0x13, std::mem::size_of::<SwParams>());
const PREPARE: libc::c_ulong = ioc(0, 0x40, 0);
const START: libc::c_ulong = ioc(0, 0x42, 0);
const DROP: libc::c_ulong = ioc(0, 0x43, 0);
const LINK: libc::c_ulong = ioc(W, 0x60, std::mem::size_of::<libc::c_int>());

#[repr(C)]
#[derive(Clone, Copy)]
struct Mask {
    bits: [u32; 8],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Interval {
    min: u32,
    max: u32,
    /// openmin:1, openmax:1, integer:1, empty:1
    flags: u32,
}

/// `struct snd_pcm_hw_params`
#[repr(C)]
struct HwParams {
    flags: u32,
    masks: [Mask; 3],
    mres: [Mask; 5],
    intervals: [Interval; 12],
    ires: [Interval; 9],
    rmask: u32,
    cmask: u32,
    info: u32,
    msbits: u32,
    rate_num: u32,
    rate_den: u32,
    fifo_size: libc::c_ulong,
    reserved: [u8; 64],
}

/// `struct snd_pcm_sw_params`
#[repr(C)]
struct SwParams {
    tstamp_mode: i32,
    period_step: u32,
    sleep_min: u32,
    avail_min: libc::c_ulong,
    xfer_align: libc::c_ulong,
    start_threshold: libc::c_ulong,
    stop_threshold: libc::c_ulong,
    silence_threshold: libc::c_ulong,
    silence_size: libc::c_ulong,
    boundary: libc::c_ulong,
    proto: u32,
    tstamp_type: u32,
    reserved: [u8; 56],
}

/// Format (`SNDRV_PCM_FORMAT_*`), channels, period and buffer (frames); 48 kHz, interleaved.
struct Setup {
    format: u32,
    channels: u32,
    period: u32,
    buffer: u32,
}

/// S16_LE stereo, 16 KiB.
const SMALL: Setup = Setup {
    format: 2,
    channels: 2,
    period: 1024,
    buffer: 4096,
};
/// S32_LE stereo, 2 MiB: the loopback's largest buffer, the longest silence fill.
const BIG: Setup = Setup {
    format: 10,
    channels: 2,
    period: 32768,
    buffer: 262144,
};

struct Pcm {
    file: File,
    sub: u32,
}

impl Pcm {
    /// The first free capture substream of device 0 of `card` (non-blocking).
    fn open(card: u32) -> io::Result<Pcm> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(format!("/dev/snd/pcmC{card}D0c"))?;
        let pcm = Pcm { file, sub: 0 };
        let mut info = [0u8; 288];
        pcm.ioctl(INFO, info.as_mut_ptr().cast())?;
        Ok(Pcm {
            sub: u32::from_ne_bytes([info[4], info[5], info[6], info[7]]),
            ..pcm
        })
    }

    fn ioctl(&self, req: libc::c_ulong, arg: *mut libc::c_void) -> io::Result<()> {
        // SAFETY: each request goes with an argument of the size its number encodes (or a
        // plain value for LINK).
        if unsafe { libc::ioctl(self.file.as_raw_fd(), req, arg) } < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    fn cmd(&self, req: libc::c_ulong) -> io::Result<()> {
        self.ioctl(req, std::ptr::null_mut())
    }

    /// HW_PARAMS fixing everything but the times, then SW_PARAMS that never start or
    /// stop the stream by themselves. Leaves it in SETUP.
    fn hw_params(&self, s: &Setup) -> io::Result<()> {
        let any = Interval {
            min: 0,
            max: u32::MAX,
            flags: 0,
        };
        let fixed = |v: u32| Interval {
            min: v,
            max: v,
            flags: 1 << 2,
        };
        let mut masks = [Mask { bits: [0; 8] }; 3];
        masks[0].bits[0] = 1 << 3; // RW_INTERLEAVED
        masks[1].bits[(s.format / 32) as usize] = 1 << (s.format % 32);
        masks[2].bits[0] = 1; // STD
        let mut intervals = [any; 12];
        intervals[2] = fixed(s.channels);
        intervals[3] = fixed(48000);
        intervals[5] = fixed(s.period);
        intervals[9] = fixed(s.buffer);
        let mut p = HwParams {
            flags: 0,
            masks,
            mres: [Mask { bits: [0; 8] }; 5],
            intervals,
            ires: [any; 9],
            rmask: !0,
            cmask: 0,
            info: 0,
            msbits: 0,
            rate_num: 0,
            rate_den: 0,
            fifo_size: 0,
            reserved: [0; 64],
        };
        self.ioctl(HW_PARAMS, (&mut p as *mut HwParams).cast())?;
        let mut sw = SwParams {
            tstamp_mode: 0,
            period_step: 1,
            sleep_min: 0,
            avail_min: 1,
            xfer_align: 1,
            start_threshold: libc::c_ulong::MAX,
            stop_threshold: libc::c_ulong::MAX,
            silence_threshold: 0,
            silence_size: 0,
            boundary: 0,
            proto: 0,
            tstamp_type: 0,
            reserved: [0; 56],
        };
        self.ioctl(SW_PARAMS, (&mut sw as *mut SwParams).cast())
    }

    /// LINK: `other` joins this stream's group.
    fn link(&self, other: &Pcm) -> io::Result<()> {
        let fd = other.file.as_raw_fd() as usize;
        self.ioctl(LINK, fd as *mut libc::c_void)
    }
}

fn loopback_card() -> io::Result<u32> {
    let link = std::fs::read_link("/proc/asound/Loopback")?;
    let name = link.to_string_lossy();
    name.trim_start_matches("card")
        .parse()
        .map_err(|_| io::Error::other(format!("odd link {name}")))
}

/// Two captures, the second configured with `second`, linked. Fails on any error: the
/// race needs all of it.
fn linked_pair(card: u32, second: &Setup) -> Result<(Pcm, Pcm), String> {
    let e = |what: &'static str| move |e: io::Error| format!("{what}: {e}");
    let a = Pcm::open(card).map_err(e("open the first capture"))?;
    let b = Pcm::open(card).map_err(e("open the second capture (pcm_substreams >= 2?)"))?;
    a.hw_params(&SMALL).map_err(e("HW_PARAMS of the first"))?;
    b.hw_params(second).map_err(e("HW_PARAMS of the second"))?;
    a.link(&b).map_err(e("LINK"))?;
    Ok((a, b))
}

/// `close` (reconfigure = false) and `hw-params` (true).
fn prepare_race(card: u32, rounds: u64, reconfigure: bool) -> Result<(), String> {
    let prepares = AtomicU64::new(0);
    let mut during = 0;
    let mut last_subs = (0, 0);
    for round in 0..rounds {
        let (a, b) = linked_pair(card, &BIG)?;
        last_subs = (a.sub, b.sub);
        a.cmd(PREPARE)
            .map_err(|e| format!("PREPARE of the group: {e}"))?;
        let busy = AtomicBool::new(false);
        let stop = AtomicBool::new(false);
        // 0 to 1.8 ms after the prepares begin: the closes meet every phase of them.
        let delay = Duration::from_micros(round % 10 * 200);
        thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(SeqCst) {
                    busy.store(true, SeqCst);
                    let _ = a.cmd(PREPARE);
                    busy.store(false, SeqCst);
                    prepares.fetch_add(1, SeqCst);
                }
            });
            thread::sleep(delay);
            if busy.load(SeqCst) {
                during += 1;
            }
            if reconfigure {
                for _ in 0..4 {
                    let _ = b.cmd(HW_FREE);
                    let _ = b.hw_params(&BIG);
                }
            }
            drop(b);
            stop.store(true, SeqCst);
        });
    }
    let what = if reconfigure {
        "HW_FREE+HW_PARAMS"
    } else {
        "close"
    };
    println!(
        "{rounds} rounds (substreams {} and {}): {} group prepares, {during} of the {rounds} {what}s began during one",
        last_subs.0,
        last_subs.1,
        prepares.load(SeqCst)
    );
    if during == 0 {
        return Err(format!("no {what} ever began during a group prepare"));
    }
    Ok(())
}

/// `start`: the first member PREPAREs, STARTs and DROPs the group, the second STARTs and
/// DROPs it; `prepare-both`: both PREPARE it. One thread each.
fn group_race(card: u32, seconds: u64, prepare_both: bool) -> Result<(), String> {
    let (a, b) = linked_pair(card, &SMALL)?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let results: Vec<(u64, u64)> = thread::scope(|s| {
        let workers: Vec<_> = [(&a, true), (&b, prepare_both)]
            .into_iter()
            .map(|(p, prepare)| {
                s.spawn(move || {
                    let (mut rounds, mut started) = (0, 0);
                    while Instant::now() < deadline {
                        if prepare {
                            let _ = p.cmd(PREPARE);
                        }
                        if !prepare_both {
                            if p.cmd(START).is_ok() {
                                started += 1;
                            }
                            let _ = p.cmd(DROP);
                        }
                        rounds += 1;
                    }
                    (rounds, started)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .collect()
    });
    let ops = |first: bool| match (prepare_both, first) {
        (true, _) => "PREPARE",
        (false, true) => "PREPARE/START/DROP",
        (false, false) => "START/DROP",
    };
    for (i, (p, (rounds, started))) in [&a, &b].iter().zip(&results).enumerate() {
        let starts = if prepare_both {
            String::new()
        } else {
            format!(", {started} STARTs succeeded")
        };
        println!(
            "substream {}: {rounds} rounds of {}{starts}",
            p.sub,
            ops(i == 0)
        );
    }
    if !prepare_both && results.iter().map(|r| r.1).sum::<u64>() == 0 {
        return Err("the group never started".into());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let num = |default: u64| {
        args.get(2)
            .and_then(|a| a.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let card = match loopback_card() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pcm-link-race: no Loopback card: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let r = match args.get(1).map(String::as_str) {
        Some("close") => prepare_race(card, num(100), false),
        Some("hw-params") => prepare_race(card, num(100), true),
        Some("start") => group_race(card, num(10), false),
        Some("prepare-both") => group_race(card, num(10), true),
        _ => Err(
            "usage: pcm-link-race close|hw-params [ROUNDS] | start|prepare-both [SECONDS]".into(),
        ),
    };
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pcm-link-race: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
