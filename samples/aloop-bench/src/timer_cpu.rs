//! The timer path: kernel CPU per second while `pairs` cables run at 48000 Hz, S16_LE,
//! 2 channels with the smallest period the driver allows (16 frames, a third of a jiffy at
//! HZ=1000: each stream's timer fires every jiffy). The streams run free (stop threshold at
//! the boundary) and nobody reads or writes them: the clients copy nothing and never wake,
//! so the kernel CPU measured is the timer callbacks (position update, the cable's copy of
//! 4 bytes per frame, period_elapsed) plus the idle machine's own, which `pairs` = 0 gives.

use crate::cable::{self, Shape};
use crate::cpu_stat;
use alsa::pcm::Format;
use std::time::{Duration, Instant};

/// Kernel CPU in µs per second of wall time over `seconds`, with `pairs` cables running.
pub fn run(pairs: usize, seconds: f64) -> Result<f64, String> {
    let shape = Shape {
        rate: 48000,
        channels: 2,
        format: Format::S16LE,
        period: 0,
        periods: 64,
        free_running: true,
    };
    let streams = cable::open_pairs(pairs, shape)?;
    for (play, cap) in &streams {
        cap.pcm.start().map_err(|e| format!("capture start: {e}"))?;
        play.pcm
            .start()
            .map_err(|e| format!("playback start: {e}"))?;
    }
    // Let the timers settle into their rhythm before the window opens.
    std::thread::sleep(Duration::from_millis(300));
    let (t0, k0) = (Instant::now(), cpu_stat::system_usec()?);
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let (k1, wall) = (cpu_stat::system_usec()?, t0.elapsed());
    for (play, cap) in &streams {
        let stopped = play.pcm.drop().and(cap.pcm.drop());
        stopped.map_err(|e| format!("drop: {e}"))?;
    }
    Ok((k1 - k0) as f64 / wall.as_secs_f64())
}
