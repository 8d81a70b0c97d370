//! aloop-bench: measurements of the loopback driver for `make bench` (and the CPU parity
//! guard `aloop_cpu`). Each prints one number on stdout.
//!
//! ```text
//! aloop-bench hwsync [CALLS] [REPEATS]      ns per SNDRV_PCM_IOCTL_HWSYNC on a running
//!                                           capture: median of REPEATS batches of CALLS
//!                                           (default 20000 calls, 5 batches)
//! aloop-bench timer-cpu PAIRS SECONDS       kernel CPU in µs per second with PAIRS free-running
//!                                           cables at 48 kHz, smallest period (0: idle)
//! aloop-bench xruns PAIRS SECONDS RATE CH   xruns of PAIRS cables (S32_LE) served by clients
//!                                           that forward without copying
//! ```
//! The last two need snd-aloop loaded with `pcm_substreams=8` (up to 16 pairs).

mod cable;
mod cpu_stat;
mod hwsync;
mod timer_cpu;
mod xrun_free;

use std::process::ExitCode;

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: Option<T>) -> Result<T, String> {
    match args.get(i) {
        Some(a) => a.parse().map_err(|_| format!("bad argument '{a}'")),
        None => default.ok_or_else(|| format!("argument {i} missing")),
    }
}

fn pairs(args: &[String]) -> Result<usize, String> {
    let n = arg(args, 2, None)?;
    if n > cable::MAX_PAIRS {
        return Err(format!("at most {} pairs", cable::MAX_PAIRS));
    }
    Ok(n)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("hwsync") => arg(&args, 2, Some(20_000u32))
            .and_then(|calls| hwsync::run(calls, arg(&args, 3, Some(5usize))?.max(1)))
            .map(|ns| ns.to_string()),
        Some("timer-cpu") => pairs(&args)
            .and_then(|n| timer_cpu::run(n, arg(&args, 3, None)?))
            .map(|us| format!("{us:.0}")),
        Some("xruns") => pairs(&args)
            .and_then(|n| {
                xrun_free::run(
                    n,
                    arg(&args, 3, None)?,
                    arg(&args, 4, None)?,
                    arg(&args, 5, None)?,
                )
            })
            .map(|x| x.to_string()),
        _ => Err(
            "usage: aloop-bench hwsync [CALLS] [REPEATS] | timer-cpu PAIRS SECONDS | \
                  xruns PAIRS SECONDS RATE CHANNELS"
                .into(),
        ),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aloop-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
