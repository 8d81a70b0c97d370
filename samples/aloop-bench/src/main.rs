//! aloop-bench: times the loopback's pointer path. A capture of `hw:Loopback,1,0` (S16_LE,
//! 48000 Hz, 2 channels, period 1024 frames, 4 periods) is started, then `SNDRV_PCM_IOCTL_HWSYNC`
//! is issued `CALLS` times on it; each call runs the driver's `pointer` callback (and, for the
//! jiffies timer source, the cable's position update under its lock). The capture's stop
//! threshold is the boundary, so it runs unread without an overrun. Prints the median of
//! `REPEATS` timed batches in nanoseconds per call.
//!
//! ```text
//! aloop-bench hwsync [CALLS] [REPEATS]    (default 20000 calls, 5 batches)
//! ```

use alsa::pcm::{Access, Format, HwParams, PCM};
use alsa::poll::Descriptors;
use alsa::{Direction, ValueOr};
use std::process::ExitCode;
use std::time::Instant;

/// `SNDRV_PCM_IOCTL_HWSYNC`: `_IO('A', 0x22)`.
const HWSYNC: libc::c_ulong = 0x4122;

fn running_capture() -> alsa::Result<PCM> {
    let pcm = PCM::new("hw:Loopback,1,0", Direction::Capture, false)?;
    {
        let hw = HwParams::any(&pcm)?;
        hw.set_access(Access::RWInterleaved)?;
        hw.set_format(Format::S16LE)?;
        hw.set_channels(2)?;
        hw.set_rate(48000, ValueOr::Nearest)?;
        hw.set_period_size(1024, ValueOr::Nearest)?;
        hw.set_periods(4, ValueOr::Nearest)?;
        pcm.hw_params(&hw)?;
    }
    {
        // Nobody reads the capture: without this it overruns (XRUN, and HWSYNC fails EPIPE)
        // after one buffer.
        let sw = pcm.sw_params_current()?;
        sw.set_stop_threshold(sw.get_boundary()?)?;
        pcm.sw_params(&sw)?;
    }
    pcm.prepare()?;
    pcm.start()?;
    Ok(pcm)
}

/// Median nanoseconds per HWSYNC over `repeats` batches of `calls`.
fn time_hwsync(fd: libc::c_int, calls: u32, repeats: usize) -> Result<u64, String> {
    let mut per_call = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t0 = Instant::now();
        for _ in 0..calls {
            // SAFETY: HWSYNC takes no argument; `fd` is the open PCM's descriptor.
            if unsafe { libc::ioctl(fd, HWSYNC) } < 0 {
                return Err(format!("HWSYNC: {}", std::io::Error::last_os_error()));
            }
        }
        per_call.push(t0.elapsed().as_nanos() as u64 / u64::from(calls.max(1)));
    }
    per_call.sort_unstable();
    Ok(per_call[per_call.len() / 2])
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("hwsync") {
        eprintln!("usage: aloop-bench hwsync [CALLS] [REPEATS]");
        return ExitCode::FAILURE;
    }
    let calls = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000u32);
    let repeats = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5usize)
        .max(1);
    let result = running_capture()
        .map_err(|e| format!("capture: {e}"))
        .and_then(|pcm| {
            let fds = pcm.get().map_err(|e| format!("poll descriptors: {e}"))?;
            let fd = fds.first().ok_or("no descriptor")?.fd;
            time_hwsync(fd, calls, repeats)
        });
    match result {
        Ok(ns) => {
            println!("{ns}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aloop-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
