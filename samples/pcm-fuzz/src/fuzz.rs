//! The fuzzer. Each worker thread has its own generator (the run's seed, jumped ahead by the
//! thread's index), its own control file and up to four open substreams of the loopback
//! card, and draws operations until the deadline: half of the time from a weighted table
//! (`OPS`), half of the time for one of its streams that runs, by that stream's phase
//! (`Phase`), as long as it holds one. Every operation is well-formed (argument sizes match,
//! transfer buffers are big enough, nothing blocks: files are O_NONBLOCK, DRAIN returns
//! EAGAIN); what the kernel answers is only counted. The kernel log is the judge. EFAULT or ENOTTY would mean a wrong layout here: they fail the run.

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
    (Op::Cable, "cable", 6),
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

/// How often an operation is drawn for a live stream by its phase (`Worker::focus`) rather
/// than from `OPS`. Without it, a stream that runs is mostly stopped, reset or reconfigured
/// by the next operation that picks it, and the states in which the loopback copies between
/// the ends of a cable (a playback draining while its capture runs, pointers of the mapped
/// control page far off while a copy reads them) last a few operations at a time: in 60 s
/// of runs they were reached too seldom to find a bug that lives there reliably.
const FOCUS_PERCENT: u64 = 50;

/// What a live stream is doing, as far as the choice of the next operation on it goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    PlaybackRunning,
    PlaybackDraining,
    CaptureRunning,
    CaptureDraining,
    Paused,
}

impl Phase {
    /// The stream's phase, from its status page; `None` when it does not run.
    fn of(s: &mut Stream) -> Option<Phase> {
        let capture = s.capture;
        match s.state()? {
            sys::STATE_RUNNING if capture => Some(Phase::CaptureRunning),
            sys::STATE_RUNNING => Some(Phase::PlaybackRunning),
            sys::STATE_DRAINING if capture => Some(Phase::CaptureDraining),
            sys::STATE_DRAINING => Some(Phase::PlaybackDraining),
            sys::STATE_PAUSED => Some(Phase::Paused),
            _ => None,
        }
    }

    /// The weight of `op` for a stream in this phase: mostly what leads it on (a running
    /// playback drains, a capture is read), stores of extreme values into the mapped control
    /// page and position updates; what ends the phase (DROP, PREPARE, RESET, XRUN, a new
    /// setup) seldom, so that the phase lasts, but never not at all.
    fn weight(self, op: Op) -> u32 {
        use Op::*;
        use Phase::*;
        match (self, op) {
            (PlaybackRunning, Drain) => 10,
            (PlaybackDraining, Control) => 12,
            (Paused, Pause) => 6,
            (CaptureRunning | CaptureDraining, Transfer) => 6,
            (_, Control) => 6,
            (_, Hwsync) => 4,
            (_, Status | Delay | Transfer) => 3,
            (_, SyncPtr | Pause | Drain | Rewind | Forward) => 2,
            (_, Drop | Reset | Xrun | Prepare | SwParams | StatusPage | Resume | Ttstamp) => 1,
            _ => 0,
        }
    }
}

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
            let (i, r) = match self.focus() {
                Some((i, stream)) => (i, self.focused_op(OPS[i].0, stream)),
                None => {
                    let mut i = self.pick();
                    if self.streams.is_empty() && is_stream_op(OPS[i].0) {
                        i = OPS
                            .iter()
                            .position(|o| o.0 == Op::Open)
                            .expect("open in OPS");
                    }
                    (i, self.apply(OPS[i].0))
                }
            };
            self.tally.record(i, OPS[i].1, &r);
            total.fetch_add(1, Relaxed);
        }
        self.streams.clear();
    }

    /// Now and then (`FOCUS_PERCENT`), one of the thread's live streams and an operation
    /// drawn for its phase (`Phase::weight`); `None` otherwise, and when no stream is live.
    /// A stream whose cable peer the thread holds live too is chosen more often: the loopback
    /// copies between the two ends only while both run.
    fn focus(&mut self) -> Option<(usize, usize)> {
        if !self.rng.chance(FOCUS_PERCENT) {
            return None;
        }
        let phases: Vec<Option<Phase>> = self.streams.iter_mut().map(Phase::of).collect();
        let weights: Vec<u32> = (0..self.streams.len())
            .map(|s| match phases[s] {
                None => 0,
                Some(phase) => {
                    let cable_live = self.peer(s).is_some_and(|p| phases[p].is_some());
                    let draining = u32::from(phase == Phase::PlaybackDraining);
                    1 + 3 * u32::from(cable_live) + 2 * draining
                }
            })
            .collect();
        if weights.iter().all(|&w| w == 0) {
            return None;
        }
        let stream = self.rng.weighted(&weights);
        let phase = phases[stream]?;
        let op_weights: Vec<u32> = OPS.iter().map(|&(op, _, _)| phase.weight(op)).collect();
        Some((self.rng.weighted(&op_weights), stream))
    }

    /// The thread's stream at the other end of `stream`'s cable, if it holds it.
    fn peer(&self, stream: usize) -> Option<usize> {
        let s = &self.streams[stream];
        self.streams.iter().position(|o| o.is_peer_of(s))
    }

    /// A focused operation on `stream`. A position update goes to either end of the cable
    /// (the loopback moves both ends in it); a store into the mapped control page of a live
    /// stream is followed by a position update of either end, which makes the kernel act on
    /// the stored value at once rather than at its next timer tick.
    fn focused_op(&mut self, op: Op, stream: usize) -> io::Result<()> {
        let peer = self.peer(stream);
        let either_end = |rng: &mut Rng| match peer {
            Some(p) if rng.chance(50) => p,
            _ => stream,
        };
        match op {
            Op::Hwsync | Op::Status | Op::Delay | Op::SyncPtr => {
                let s = either_end(&mut self.rng);
                self.stream_op(op, s)
            }
            Op::Control => {
                self.stream_op(op, stream)?;
                let s = either_end(&mut self.rng);
                let update = self.rng.pick(&[Op::Hwsync, Op::Status, Op::Delay]);
                self.stream_op(update, s)
            }
            _ => self.stream_op(op, stream),
        }
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
    /// on the other device with the same subdevice (through the preferred subdevice). When
    /// that capture is taken (by another thread), once more the other way round: the other
    /// threads hold most of the card's substreams, and a cable that fails to come up is a
    /// state not reached.
    fn cable(&mut self) -> io::Result<()> {
        while self.streams.len() > MAX_STREAMS - 2 {
            let i = self.rng.below(self.streams.len() as u64) as usize;
            self.streams.swap_remove(i);
        }
        let first = self.rng.below(2) as u32;
        let mut r = Ok(());
        for device in [first, 1 - first] {
            r = self.cable_from(device);
            if !matches!(&r, Err(e) if matches!(e.raw_os_error(), Some(libc::EBUSY | libc::EAGAIN)))
            {
                break;
            }
        }
        r
    }

    /// The cable whose playback end is on `device`.
    fn cable_from(&mut self, device: u32) -> io::Result<()> {
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
