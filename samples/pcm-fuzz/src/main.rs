//! pcm-fuzz: a seeded fuzzer of the ALSA loopback card's PCM side (snd-aloop, snd-aloop-rs),
//! and a reproducer of one of its findings.
//!
//! ```text
//! pcm-fuzz fuzz [--seed N] [--seconds N] [--threads N] [--link]
//! pcm-fuzz appl-ptr
//! ```
//!
//! `fuzz` (defaults: a seed from /dev/urandom, 60 s, 4 threads): every thread opens and
//! closes both ends of the card's cables and issues random, well-formed sequences of PCM
//! ioctls — HW_PARAMS/SW_PARAMS at and beyond the limits, PREPARE, START, DROP, DRAIN
//! (non-blocking), PAUSE, RESUME, RESET, XRUN, REWIND, FORWARD, HWSYNC, DELAY, STATUS,
//! SYNC_PTR, reads and writes — stores extreme appl_ptr/avail_min values in mapped control
//! pages, writes extreme values to every mixer control, and garbage to the card's
//! `timer_source`. Half of the operations go to a stream of the thread that runs, drawn for
//! what it is doing (`fuzz::Phase`): a running playback is drained, a draining one gets
//! pointers at the wrap edges stored in its mapped control page, position updates go to
//! either end of its cable, so that the states in which the loopback copies between the ends
//! of a cable come often. It prints `seed=N` first (the same seed replays each thread's
//! choices as long as the kernel answers and the streams' states are the same; the
//! interleaving of threads differs), progress every 10 s, and the count of each
//! operation (tried, accepted) at the end. `--link` adds LINK/UNLINK, off by default
//! because they reach two known ALSA-core bugs. Exit status 1 when it could not run, a
//! thread died, or an ioctl layout was refused (EFAULT/ENOTTY); the kernel log is the judge
//! of the kernel.
//!
//! `appl-ptr`: the steps in `appl_ptr.rs`, printing a transcript (card loaded with
//! `pcm_substreams=1`).

mod appl_ptr;
mod fuzz;
mod gen;
mod mixer;
#[path = "../../aloop-hwparams/src/raw.rs"]
#[allow(dead_code)]
mod raw;
#[path = "../../seq-fuzz/src/rng.rs"]
#[allow(dead_code)]
mod rng;
mod stream;
mod sys;
mod tally;

use std::process::ExitCode;

const USAGE: &str = "usage: pcm-fuzz fuzz [--seed N] [--seconds N] [--threads N] [--link]\n       pcm-fuzz appl-ptr";

fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    match std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
    {
        Ok(()) => u64::from_ne_bytes(b) >> 1,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    }
}

fn parse_fuzz(args: &[String]) -> Result<fuzz::Options, String> {
    let mut opts = fuzz::Options {
        seed: random_seed(),
        seconds: 60,
        threads: 4,
        link: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} needs a number"))
        };
        match a.as_str() {
            "--seed" => opts.seed = number("--seed")?,
            "--seconds" => opts.seconds = number("--seconds")?,
            "--threads" => opts.threads = number("--threads")?.clamp(1, 64) as usize,
            "--link" => opts.link = true,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ok = match args.first().map(String::as_str) {
        Some("fuzz") => match parse_fuzz(&args[1..]) {
            Ok(opts) => fuzz::run(&opts),
            Err(e) => {
                eprintln!("pcm-fuzz: {e}\n{USAGE}");
                false
            }
        },
        Some("appl-ptr") if args.len() == 1 => match appl_ptr::run() {
            Ok(()) => true,
            Err(e) => {
                println!("pcm-fuzz appl-ptr: {e}");
                false
            }
        },
        _ => {
            eprintln!("{USAGE}");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
