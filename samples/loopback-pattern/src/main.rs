//! loopback-pattern: plays a known pattern into one end of an ALSA loopback while capturing the
//! other end, and checks the capture bit-exact.
//!
//! ```text
//! loopback-pattern [PLAYBACK [CAPTURE [RATE [CHANNELS [SECONDS]]]]]
//! defaults:        hw:Loopback,0,0 hw:Loopback,1,0 48000 2 2
//! ```
//!
//! Exit status 0 when the capture is silence, then every played frame in order, then silence.

mod pattern;

use alsa::pcm::{Access, Format, HwParams, PCM};
use alsa::{Direction, ValueOr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

const PERIOD_FRAMES: i64 = 1024;

fn open(name: &str, dir: Direction, rate: u32, channels: u32) -> alsa::Result<PCM> {
    let pcm = PCM::new(name, dir, false)?;
    {
        let hw = HwParams::any(&pcm)?;
        hw.set_access(Access::RWInterleaved)?;
        hw.set_format(Format::s16())?;
        hw.set_channels(channels)?;
        hw.set_rate(rate, ValueOr::Nearest)?;
        hw.set_period_size_near(PERIOD_FRAMES, ValueOr::Nearest)?;
        hw.set_buffer_size_near(PERIOD_FRAMES * 4)?;
        pcm.hw_params(&hw)?;
    }
    Ok(pcm)
}

fn run(play: &str, capt: &str, rate: u32, channels: u32, seconds: u32) -> Result<(), String> {
    let total = (rate * seconds) as usize;
    let ch = channels as usize;
    let capture =
        open(capt, Direction::Capture, rate, channels).map_err(|e| format!("{capt}: {e}"))?;
    capture.start().map_err(|e| format!("{capt}: start: {e}"))?;

    // Capture the pattern plus a second of slack for the silence before it. The playback side
    // keeps writing silence after the pattern until the capture is complete, so what is checked
    // is the loopback's steady state, not what a stream does as it stops.
    let capture_frames = total + rate as usize;
    let capture_done = Arc::new(AtomicBool::new(false));
    let done_flag = capture_done.clone();
    let capturer = thread::spawn(move || -> Result<Vec<i16>, String> {
        let io = capture.io_i16().map_err(|e| e.to_string())?;
        let mut out = vec![0i16; capture_frames * ch];
        let mut done = 0;
        let result = loop {
            if done >= capture_frames {
                break Ok(());
            }
            let end = (done + PERIOD_FRAMES as usize).min(capture_frames);
            match io.readi(&mut out[done * ch..end * ch]) {
                Ok(n) => done += n,
                Err(e) => break Err(format!("capture read: {e} after {done} frames")),
            }
        };
        done_flag.store(true, Ordering::Release);
        result.map(|()| out)
    });

    let playback =
        open(play, Direction::Playback, rate, channels).map_err(|e| format!("{play}: {e}"))?;
    {
        let io = playback.io_i16().map_err(|e| e.to_string())?;
        let mut chunk = vec![0i16; PERIOD_FRAMES as usize * ch];
        let mut sent = 0;
        while !capture_done.load(Ordering::Acquire) {
            let n = PERIOD_FRAMES as usize;
            if sent < total {
                chunk.fill(0);
                let m = n.min(total - sent);
                pattern::fill(&mut chunk[..m * ch], sent as u64, channels);
            } else {
                chunk.fill(0);
            }
            let mut off = 0;
            while off < n {
                off += io
                    .writei(&chunk[off * ch..n * ch])
                    .map_err(|e| format!("playback write: {e} after {} frames", sent + off))?;
            }
            sent += n;
        }
    }
    drop(playback);

    let captured = capturer
        .join()
        .map_err(|_| "capture thread panicked".to_string())??;
    let v = pattern::verify(&captured, channels, total).map_err(|m| {
        if let pattern::Mismatch::Differs { at, .. } | pattern::Mismatch::BadStart { at } = m {
            let from = at.saturating_sub(3);
            for (i, f) in captured.chunks_exact(ch).enumerate().skip(from).take(10) {
                // Channel 0 numbers pattern frames (1-based), so a skip shows as a jump.
                eprintln!(
                    "  captured frame {i}: {f:?} (pattern frame {})",
                    f[0] as u16 as i64 - 1
                );
            }
        }
        format!("capture differs from playback: {m:?}")
    })?;
    println!(
        "loopback-pattern: {} frames at {rate} Hz x{channels} bit-exact ({} frames of silence first, pattern from frame {})",
        v.matched, v.leading_silence, v.first_pattern_frame
    );
    if v.first_pattern_frame != 0 {
        return Err(format!(
            "the first {} played frames never arrived",
            v.first_pattern_frame
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let play = arg(1, "hw:Loopback,0,0");
    let capt = arg(2, "hw:Loopback,1,0");
    let nums = (
        arg(3, "48000").parse(),
        arg(4, "2").parse(),
        arg(5, "2").parse(),
    );
    let (Ok(rate), Ok(channels), Ok(seconds)) = nums else {
        eprintln!("usage: loopback-pattern [PLAYBACK [CAPTURE [RATE [CHANNELS [SECONDS]]]]]");
        return ExitCode::from(2);
    };
    match run(&play, &capt, rate, channels, seconds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loopback-pattern: FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}
