//! The fuzzer. Each worker thread has its own generator (the run's seed, jumped ahead by the
//! thread's index), its own control file and up to four open substreams of the loopback
//! card, and draws operations from a weighted table until the deadline. Every operation is
//! well-formed (argument sizes match, transfer buffers are big enough, nothing blocks: files
//! are O_NONBLOCK, DRAIN returns EAGAIN); what the kernel answers is only counted. The
//! kernel log is the judge. EFAULT or ENOTTY would mean a wrong layout here: they fail the run.

use crate::gen;
use crate::mixer::{self, Element};
use crate::raw::HwParams;
use crate::rng::Rng;
use crate::stream::Stream;
use crate::sys;
use crate::tally::Tally;
use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

pub struct Options {
    pub seed: u64,
    pub seconds: u64,
    pub threads: usize,
    /// LINK/UNLINK too: they reach two known ALSA-core bugs (PREPARE on a linked group,
    /// a lockdep report on the group lock), on the C and the Rust module alike.
    pub link: bool,
}

/// Operations on one of the thread's streams (the rest need none).
fn is_stream_op(op: Op) -> bool {
    !matches!(
        op,
        Op::Open | Op::Close | Op::Cable | Op::Mixer | Op::Prefer | Op::TimerSource | Op::ProcRead
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Open,
    Close,
    Run,
    Cable,
    HwRefine,
    HwParams,
    HwFree,
    SwParams,
    Prepare,
    Start,
    Drop,
    Drain,
    Pause,
    Resume,
    Reset,
    Xrun,
    Rewind,
    Forward,
    Hwsync,
    Delay,
    Status,
    SyncPtr,
    Ttstamp,
    Transfer,
    StatusPage,
    Control,
    Unmap,
    Mixer,
    Prefer,
    TimerSource,
    ProcRead,
    Link,
    Unlink,
}

/// Each operation, its name in the counts, and its weight.
const OPS: [(Op, &str, u64); 33] = [
    (Op::Open, "open", 8),
    (Op::Close, "close", 4),
    (Op::Run, "run", 6),
    (Op::Cable, "cable", 3),
    (Op::HwRefine, "hw_refine", 2),
    (Op::HwParams, "hw_params", 10),
    (Op::HwFree, "hw_free", 2),
    (Op::SwParams, "sw_params", 6),
    (Op::Prepare, "prepare", 10),
    (Op::Start, "start", 10),
    (Op::Drop, "drop", 4),
    (Op::Drain, "drain", 5),
    (Op::Pause, "pause", 3),
    (Op::Resume, "resume", 1),
    (Op::Reset, "reset", 2),
    (Op::Xrun, "xrun", 1),
    (Op::Rewind, "rewind", 3),
    (Op::Forward, "forward", 3),
    (Op::Hwsync, "hwsync", 8),
    (Op::Delay, "delay", 3),
    (Op::Status, "status", 4),
    (Op::SyncPtr, "sync_ptr", 4),
    (Op::Ttstamp, "ttstamp", 1),
    (Op::Transfer, "writei/readi", 12),
    (Op::StatusPage, "status_mmap", 2),
    (Op::Control, "control_mmap", 8),
    (Op::Unmap, "munmap", 1),
    (Op::Mixer, "mixer", 4),
    (Op::Prefer, "prefer_subdev", 2),
    (Op::TimerSource, "timer_source", 1),
    (Op::ProcRead, "proc_read", 3),
    (Op::Link, "link", 3),
    (Op::Unlink, "unlink", 2),
];

const MAX_STREAMS: usize = 4;
const TIMER_SOURCE: &str = "/proc/asound/Loopback/timer_source";

struct Worker<'a> {
    rng: Rng,
    card: u32,
    ctl: File,
    elements: &'a [Element],
    streams: Vec<Stream>,
    buf: Vec<u8>,
    link: bool,
    tally: Tally,
}

impl Worker<'_> {
    fn run(&mut self, deadline: Instant, total: &AtomicU64) {
        while Instant::now() < deadline {
            let mut i = self.pick();
            if self.streams.is_empty() && is_stream_op(OPS[i].0) {
                i = OPS
                    .iter()
                    .position(|o| o.0 == Op::Open)
                    .expect("open in OPS");
            }
            let r = self.apply(OPS[i].0);
            self.tally.record(i, OPS[i].1, &r);
            total.fetch_add(1, Relaxed);
        }
        self.streams.clear();
    }

    fn pick(&mut self) -> usize {
        let weight = |op: Op, w: u64| match op {
            Op::Link | Op::Unlink if !self.link => 0,
            _ => w,
        };
        let sum: u64 = OPS.iter().map(|&(op, _, w)| weight(op, w)).sum();
        let mut r = self.rng.below(sum);
        for (i, &(op, _, w)) in OPS.iter().enumerate() {
            let w = weight(op, w);
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!("r < sum of weights")
    }

    fn apply(&mut self, op: Op) -> io::Result<()> {
        match op {
            Op::Open => self.open(),
            Op::Cable => self.cable(),
            Op::Close => {
                if !self.streams.is_empty() {
                    let i = self.rng.below(self.streams.len() as u64) as usize;
                    self.streams.swap_remove(i);
                }
                Ok(())
            }
            Op::Mixer if !self.elements.is_empty() => {
                let e = self.rng.pick(self.elements);
                mixer::poke(&self.ctl, &mut self.rng, &e)
            }
            Op::Mixer => Ok(()),
            Op::Prefer => {
                // Mostly any: a preference for a busy (or missing) substream fails opens.
                let sub = self.rng.pick(&[-1, -1, -1, -1, -1, 0, 1, 2, 3, 4]);
                mixer::prefer_subdevice(&self.ctl, sub)
            }
            Op::TimerSource => std::fs::write(TIMER_SOURCE, gen::timer_source(&mut self.rng)),
            Op::ProcRead => {
                let path = self.proc_path();
                std::fs::read(path).map(drop)
            }
            _ => {
                let i = self.rng.below(self.streams.len() as u64) as usize;
                self.stream_op(op, i)
            }
        }
    }

    fn open(&mut self) -> io::Result<()> {
        if self.streams.len() >= MAX_STREAMS {
            let i = self.rng.below(MAX_STREAMS as u64) as usize;
            self.streams.swap_remove(i);
        }
        let device = self.rng.below(2) as u32;
        match Stream::open(self.card, device, self.rng.chance(50)) {
            Ok(stream) => {
                self.streams.push(stream);
                Ok(())
            }
            Err(e) => {
                // Refused for the timer source (EINVAL: no parse, ENODEV: no such timer;
                // each refusal logs a line): put the jiffies timer back now and then, so a
                // bad source does not last long.
                if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENODEV))
                    && self.rng.chance(25)
                {
                    reset_timer_source();
                }
                Err(e)
            }
        }
    }

    /// Both ends of one cable, running with the common setup: a playback, then the capture
    /// on the other device with the same subdevice (through the preferred subdevice).
    fn cable(&mut self) -> io::Result<()> {
        while self.streams.len() > MAX_STREAMS - 2 {
            let i = self.rng.below(self.streams.len() as u64) as usize;
            self.streams.swap_remove(i);
        }
        let device = self.rng.below(2) as u32;
        let mut playback = Stream::open(self.card, device, false)?;
        mixer::prefer_subdevice(&self.ctl, playback.subdevice as i32)?;
        let capture = Stream::open(self.card, 1 - device, true);
        mixer::prefer_subdevice(&self.ctl, -1)?;
        let mut capture = capture?;
        let r = start(
            &mut capture,
            gen::common_params(),
            &mut self.rng,
            &mut self.buf,
        )
        .and_then(|()| {
            start(
                &mut playback,
                gen::common_params(),
                &mut self.rng,
                &mut self.buf,
            )
        });
        self.streams.push(capture);
        self.streams.push(playback);
        r
    }

    /// A /proc file of the card: a cable, the timer source, or a substream's files.
    fn proc_path(&mut self) -> String {
        let p = "/proc/asound/Loopback";
        match self.rng.below(4) {
            0 => format!("{p}/cable#{}", self.rng.below(2)),
            1 => format!("{p}/timer_source"),
            _ => format!(
                "{p}/pcm{}{}/sub{}/{}",
                self.rng.below(2),
                self.rng.pick(&['p', 'c']),
                self.rng.below(4),
                self.rng.pick(&["status", "hw_params", "sw_params", "info"])
            ),
        }
    }

    fn stream_op(&mut self, op: Op, i: usize) -> io::Result<()> {
        let rng = &mut self.rng;
        let s = &mut self.streams[i];
        let g = s.geometry();
        match op {
            Op::HwRefine | Op::HwParams => {
                let mut p = gen::hw_params(rng);
                s.hw_params(&mut p, op == Op::HwRefine)
            }
            Op::Run => start(s, gen::run_params(rng), rng, &mut self.buf),
            Op::HwFree => s.hw_free(),
            Op::SwParams => s.sw_params(&mut gen::sw_params(rng, &g)),
            Op::Prepare => s.ioctl(sys::PCM_PREPARE),
            Op::Start => s.ioctl(sys::PCM_START),
            Op::Drop => s.ioctl(sys::PCM_DROP),
            Op::Drain => s.ioctl(sys::PCM_DRAIN),
            Op::Pause => s.ioctl_value(sys::PCM_PAUSE, rng.pick(&[1, 0, 1, 0, 2, -1])),
            Op::Resume => s.ioctl(sys::PCM_RESUME),
            Op::Reset => s.ioctl(sys::PCM_RESET),
            Op::Xrun => s.ioctl(sys::PCM_XRUN),
            Op::Rewind => s
                .ioctl_frames(sys::PCM_REWIND, gen::extreme_frames(rng, &g))
                .map(drop),
            Op::Forward => s
                .ioctl_frames(sys::PCM_FORWARD, gen::extreme_frames(rng, &g))
                .map(drop),
            Op::Hwsync => s.ioctl(sys::PCM_HWSYNC),
            Op::Delay => s.ioctl_frames(sys::PCM_DELAY, 0).map(drop),
            Op::Status => {
                let ext = rng.chance(50).then(|| rng.next_u32());
                s.status(ext).map(drop)
            }
            Op::SyncPtr => {
                let flags = sys::SYNC_PTR_FLAGS
                    .iter()
                    .filter(|_| rng.chance(50))
                    .fold(0, |a, f| a | f);
                let appl_ptr = gen::appl_ptr(rng, s.hw_ptr(), &g);
                let mut p = sys::SyncPtr::new(flags, appl_ptr, gen::extreme_frames(rng, &g));
                sys::ioctl_with(s.fd(), sys::PCM_SYNC_PTR, &mut p).map(drop)
            }
            Op::Ttstamp => {
                let mut t: libc::c_int = rng.pick(&[0, 1, 2, -1]);
                sys::ioctl_with(s.fd(), sys::PCM_TTSTAMP, &mut t).map(drop)
            }
            Op::Transfer => {
                let frames = match rng.below(5) {
                    0 => 0,
                    1 => g.period,
                    2 => g.buffer,
                    _ => rng.below(g.buffer + 1),
                };
                let against = rng.chance(5);
                s.transfer(&mut self.buf, frames, against).map(drop)
            }
            Op::StatusPage => s.status_page().map(drop),
            Op::Control => {
                s.status_page()?;
                let hw_ptr = s.hw_ptr();
                let value = if rng.chance(80) {
                    (0, gen::appl_ptr(rng, hw_ptr, &g))
                } else {
                    (1, gen::extreme_frames(rng, &g))
                };
                s.control()?.set(value.0, value.1);
                if rng.chance(50) {
                    s.ioctl(sys::PCM_HWSYNC)?;
                }
                Ok(())
            }
            Op::Unmap => {
                s.unmap();
                Ok(())
            }
            Op::Link => {
                let other = rng.below(self.streams.len() as u64) as usize;
                let fd = self.streams[other].fd();
                self.streams[i].ioctl_value(sys::PCM_LINK, i64::from(fd))
            }
            Op::Unlink => s.ioctl(sys::PCM_UNLINK),
            _ => unreachable!("not a stream operation"),
        }
    }
}

/// What a client does to play or record: set up, prepare, (fill,) start.
fn start(s: &mut Stream, mut params: HwParams, rng: &mut Rng, buf: &mut [u8]) -> io::Result<()> {
    s.hw_params(&mut params, false)?;
    s.ioctl(sys::PCM_PREPARE)?;
    if !s.capture {
        let g = s.geometry();
        s.transfer(buf, rng.range(g.period.min(g.buffer), g.buffer), false)?;
    }
    match s.ioctl(sys::PCM_START) {
        Err(e) if e.raw_os_error() == Some(libc::EBADFD) => Ok(()), // started by the write
        r => r,
    }
}

/// Runs the fuzzer; false when it could not start, a worker died, or a layout was wrong.
pub fn run(opts: &Options) -> bool {
    println!("seed={}", opts.seed);
    kmsg(&format!("pcm-fuzz: seed={} start", opts.seed));
    let card = match crate::raw::loopback_card() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pcm-fuzz: no Loopback card: {e}");
            return false;
        }
    };
    let elements = match mixer::open(card).and_then(|ctl| mixer::elements(&ctl)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("pcm-fuzz: listing the controls: {e}");
            return false;
        }
    };
    println!(
        "pcm-fuzz: card {card}, {} controls, {} threads, {} s, link {}",
        elements.len(),
        opts.threads,
        opts.seconds,
        if opts.link { "on" } else { "off" }
    );
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(opts.seconds);
    let total = AtomicU64::new(0);
    let results: Vec<Option<Tally>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..opts.threads)
            .map(|t| {
                let (elements, total) = (&elements, &total);
                let seed = opts.seed;
                scope.spawn(move || -> io::Result<_> {
                    let mut rng = Rng::for_worker(seed, t as u64);
                    let mut buf = vec![0u8; 1 << 20];
                    rng.fill(&mut buf);
                    let mut w = Worker {
                        rng,
                        card,
                        ctl: mixer::open(card)?,
                        elements,
                        streams: Vec::new(),
                        buf,
                        link: opts.link,
                        tally: Tally::new(OPS.len()),
                    };
                    w.run(deadline, total);
                    Ok(w.tally)
                })
            })
            .collect();
        let mut next = 10;
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            if t0.elapsed().as_secs() >= next {
                println!("pcm-fuzz: {next} s, {} ops", total.load(Relaxed));
                next += 10;
            }
        }
        workers
            .into_iter()
            .map(|w| w.join().ok().and_then(|r| r.ok()))
            .collect()
    });
    // Leave the card on its default timer for whatever runs next.
    reset_timer_source();
    let secs = t0.elapsed().as_secs_f64();
    let n = total.load(Relaxed);
    println!(
        "pcm-fuzz: {n} ops in {secs:.1} s ({:.0}/s)",
        n as f64 / secs
    );
    let mut sum = Tally::new(OPS.len());
    let mut dead = 0;
    for r in &results {
        match r {
            Some(t) => sum.add(t),
            None => dead += 1,
        }
    }
    sum.print(OPS.iter().map(|op| op.1));
    kmsg(&format!("pcm-fuzz: seed={} done", opts.seed));
    if dead > 0 || sum.layout_errors() > 0 {
        let layout = sum.layout_errors();
        println!("pcm-fuzz: FAIL: {dead} threads failed, {layout} EFAULT/ENOTTY");
        return false;
    }
    true
}

/// Back to the jiffies timer: an empty line (a write of nothing changes nothing).
fn reset_timer_source() {
    let _ = std::fs::write(TIMER_SOURCE, "\n");
}

/// A line in the kernel log, to place the run's start and end among kernel reports.
fn kmsg(line: &str) {
    let _ = std::fs::write("/dev/kmsg", line);
}
