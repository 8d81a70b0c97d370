//! seq-fuzz: a seeded fuzzer of the sequencer side, run inside the test guest against the C
//! modules and their Rust twins alike.
//!
//! * `--bridge CLIENT:PORT` (part a): random events into the seq-midi bridge's port (the
//!   snd-seq-midi or snd-seq-midi-rs client of a real UART): every event type 0..=255, fixed
//!   events with random or plausible data, variable-length events of 0, 1, a few, 4096±1,
//!   6000, 65536 or any number of bytes (inline or in our memory), delivered directly, to
//!   subscribers or from a queue, while other threads subscribe and unsubscribe the port in
//!   both directions and clients and ports come and go. See `bridge.rs`.
//! * `--oss` (part b): /dev/sequencer and /dev/sequencer2 opened with random modes, random
//!   4- and 8-byte records written, reads of random sizes, poll, every sequencer ioctl with
//!   random arguments, files closed under other threads' feet; with `--virmidi RAWMIDI`, MIDI
//!   bytes written to a snd-virmidi device reach the readers as input. See `oss.rs`.
//! * Always: /proc/asound/seq/* and the rawmidi status files read meanwhile.
//!
//! ```text
//! seq-fuzz [--seed N] [--seconds N] [--threads N] [--bridge CLIENT:PORT] [--oss]
//!          [--virmidi RAWMIDI] [--uart-loopback]
//! ```
//!
//! The first line printed is `seed=N` (from `--seed`, else from /dev/urandom); the same seed
//! replays the same choices in every thread, as far as their interleaving allows. The run
//! stops itself after `--seconds` (default 60); every call that may block is interrupted by
//! a watchdog after at most 3 s, and if the workers have not stopped 30 s after the deadline
//! the program says so and exits 3. At the end it prints the count of every kind of
//! operation with its outcomes (ok or errno) and the rate. Exit status 0 unless a check
//! failed (an anomaly: a read ending inside an OSS record, a read queue count beyond its
//! capacity, the bridge port vanishing), a thread panicked, or nothing got through at all.
//!
//! `--uart-loopback` sets the loopback bit of the UART at 0x2f8, so that what the bridge sends
//! comes back as its MIDI input. Off by default: MIDI input from the bridge reaching an OSS
//! reader whose timer is stopped runs into a known lockdep report in the ALSA core
//! (recursive `grp->list_lock`, not in the modules under test), so only use it without
//! `--oss`, or to reproduce that report.

mod bridge;
mod cli;
mod oss;
mod oss_records;
mod procfs;
mod rng;
mod seq_client;
mod seq_event;
mod sys;
mod tally;
mod watchdog;
mod worker;

use alsa::seq::Addr;
use bridge::Bridge;
use cli::Config;
use oss::Oss;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};
use tally::{Tally, OPS};
use watchdog::Watchdog;
use worker::Worker;

/// How long after the deadline the workers may take to stop before the run counts as stuck.
const GRACE: Duration = Duration::from_secs(30);

fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    match sys::open("/dev/urandom", libc::O_RDONLY) {
        Ok(fd) => {
            let _ = sys::read(fd, &mut b);
            let _ = sys::close(fd);
        }
        Err(_) => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            b = (t.as_nanos() as u64).to_le_bytes();
        }
    }
    u64::from_le_bytes(b)
}

/// Prints progress every 10 s; ends the process if the workers overstay the deadline.
fn progress(stop: &AtomicBool, start: Instant, deadline: Instant) {
    let mut next = 10;
    while !stop.load(Relaxed) {
        thread::sleep(Duration::from_millis(200));
        let elapsed = start.elapsed().as_secs();
        if elapsed >= next {
            println!("seq-fuzz: {elapsed} s, {} ops", OPS.load(Relaxed));
            next += 10;
        }
        if Instant::now() > deadline + GRACE {
            println!(
                "seq-fuzz: STUCK: workers still busy {} s after the deadline",
                GRACE.as_secs()
            );
            std::process::exit(3);
        }
    }
}

/// What a worker thread does.
type Job<'env> = Box<dyn FnOnce(&mut Worker<'_>) + Send + 'env>;

/// Starts a worker thread (index `index` of the seed's streams); it returns its tally.
fn spawn_worker<'scope, 'env>(
    s: &'scope thread::Scope<'scope, 'env>,
    dog: &'env Watchdog,
    seed: u64,
    index: u64,
    deadline: Instant,
    job: Job<'env>,
) -> thread::ScopedJoinHandle<'scope, Tally> {
    s.spawn(move || {
        let mut w = Worker::new(dog, seed, index, deadline);
        job(&mut w);
        w.tally
    })
}

/// What the run set up: the parts to fuzz and how many workers each gets.
struct Plan {
    seed: u64,
    deadline: Instant,
    bridge: Option<Bridge>,
    subscribers: usize,
    oss: Option<Oss>,
    oss_workers: usize,
    proc_files: Vec<String>,
}

/// Opens what the parts need and prints what will run.
fn plan(cfg: &Config, seed: u64) -> Plan {
    let subscribers = cfg.threads.div_ceil(2) + 1;
    let oss_workers = cfg.threads + 1;
    let bridge = cfg
        .bridge
        .map(|(client, port)| Bridge::new(Addr { client, port }, cfg.threads));
    if let Some((client, port)) = cfg.bridge {
        println!(
            "seq-fuzz: bridge {client}:{port}: {} senders, {subscribers} subscribers",
            cfg.threads
        );
    }
    let oss = cfg.oss.then(|| {
        Oss::new(oss_workers, cfg.virmidi.as_deref()).unwrap_or_else(|e| {
            println!(
                "seq-fuzz: cannot open the virmidi device: {}",
                sys::errno_name(e)
            );
            std::process::exit(1);
        })
    });
    if cfg.oss {
        println!(
            "seq-fuzz: oss: {oss_workers} workers on {oss_workers} files, virmidi input: {}",
            cfg.virmidi.as_deref().unwrap_or("none")
        );
    }
    if cfg.uart_loopback {
        println!("seq-fuzz: UART loopback on (bridge output comes back as input)");
    }
    Plan {
        seed,
        deadline: Instant::now() + cfg.duration,
        bridge,
        subscribers,
        oss,
        oss_workers,
        proc_files: procfs::files(),
    }
}

/// Runs every worker until the deadline, then cleans up; returns the merged tally and how
/// many threads panicked.
fn fuzz(cfg: &Config, plan: &Plan, dog: &Watchdog, start: Instant) -> (Tally, usize) {
    let stop = AtomicBool::new(false);
    let mut total = Tally::default();
    let mut panics = 0;
    let (seed, deadline) = (plan.seed, plan.deadline);
    thread::scope(|s| {
        let stop = &stop;
        s.spawn(move || dog.run(stop));
        s.spawn(move || progress(stop, start, deadline));
        let mut jobs: Vec<(u64, Job<'_>)> = Vec::new();
        if let Some(b) = &plan.bridge {
            for i in 0..cfg.threads {
                jobs.push((i as u64, Box::new(move |w| b.sender(w, i))));
            }
            for i in 0..plan.subscribers {
                jobs.push((100 + i as u64, Box::new(move |w| b.subscriber(w, i))));
            }
        }
        if let Some(o) = &plan.oss {
            for i in 0..plan.oss_workers {
                jobs.push((200 + i as u64, Box::new(move |w| o.worker(w))));
            }
        }
        let (files, loopback) = (&plan.proc_files, cfg.uart_loopback);
        jobs.push((300, Box::new(move |w| procfs::reader(w, files, loopback))));
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(index, job)| spawn_worker(s, dog, seed, index, deadline, job))
            .collect();
        for h in handles {
            match h.join() {
                Ok(t) => total.merge(t),
                Err(_) => panics += 1,
            }
        }
        let mut w = Worker::new(dog, seed, 400, deadline + GRACE);
        if let Some(o) = &plan.oss {
            o.finish(&mut w);
        }
        if loopback {
            let r = procfs::set_uart_loopback(false);
            w.tally.record("uart loopback off", &r);
        }
        total.merge(w.tally);
        stop.store(true, Relaxed);
    });
    (total, panics)
}

/// Why the run failed, if it did.
fn failures(cfg: &Config, total: &Tally, panics: usize) -> Vec<String> {
    let mut failures = Vec::new();
    if total.anomalies() > 0 {
        failures.push(format!("{} anomalies", total.anomalies()));
    }
    if panics > 0 {
        failures.push(format!("{panics} threads panicked"));
    }
    let seq_writes: u64 = [
        "seq write direct",
        "seq write to subscribers",
        "seq write queued",
        "seq write batch",
    ]
    .iter()
    .map(|op| total.successes(op))
    .sum();
    if cfg.bridge.is_some() && seq_writes == 0 {
        failures.push("no event write to the bridge succeeded".into());
    }
    let opens =
        total.successes("oss open /dev/sequencer") + total.successes("oss open /dev/sequencer2");
    if cfg.oss && opens == 0 {
        failures.push("no OSS device opened".into());
    }
    failures
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = cli::parse(&args).unwrap_or_else(|e| {
        eprintln!("seq-fuzz: {e}\n{}", cli::USAGE);
        std::process::exit(2);
    });
    let seed = cfg.seed.unwrap_or_else(random_seed);
    println!("seed={seed}");
    watchdog::install_handler();
    let start = Instant::now();
    let plan = plan(&cfg, seed);
    let dog = Watchdog::new(64);
    let (total, panics) = fuzz(&cfg, &plan, &dog, start);
    let elapsed = start.elapsed().as_secs_f64();

    for line in total.lines() {
        println!("{line}");
    }
    println!(
        "seq-fuzz: watchdog interrupts: {}",
        dog.interrupts.load(Relaxed)
    );
    let ops = total.total();
    println!(
        "seq-fuzz: {ops} ops in {elapsed:.1} s ({:.0} ops/s), seed={seed}",
        ops as f64 / elapsed.max(0.001)
    );
    let failures = failures(&cfg, &total, panics);
    if failures.is_empty() {
        println!("seq-fuzz: verdict: ok");
    } else {
        println!("seq-fuzz: verdict: FAILED: {}", failures.join(", "));
        std::process::exit(1);
    }
}
