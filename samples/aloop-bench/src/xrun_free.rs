//! Capacity: `pairs` cables at a given rate, channels and S32_LE, each stream served by its
//! own thread that waits for a period and then moves the application pointer over all that
//! is available with `SNDRV_PCM_IOCTL_FORWARD` (the data is neither written nor read: the
//! client copies nothing, the driver's copy between the two buffers is what costs). Counts
//! the xruns (a stream found stopped) within `seconds`.

use crate::cable::{self, Shape, Stream};
use alsa::pcm::Format;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

/// `SNDRV_PCM_IOCTL_FORWARD`: `_IOW('A', 0x49, snd_pcm_uframes_t)`.
const FORWARD: libc::c_ulong = 0x4008_4149;

/// Frames to forward: the kernel takes the smaller of this and what is available.
const ALL_AVAILABLE: libc::c_ulong = 1 << 30;

/// Moves the application pointer over everything available: a playback's whole free space
/// counts as written, a capture's whole data as read.
fn forward_all(stream: &Stream) -> Result<(), String> {
    let mut frames = ALL_AVAILABLE;
    // SAFETY: FORWARD reads and writes one snd_pcm_uframes_t at the pointer.
    if unsafe { libc::ioctl(stream.fd, FORWARD, &mut frames) } < 0 {
        return Err(format!("forward: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Serves one stream until `stop`; returns its xruns (each is recovered with prepare,
/// a full buffer for a playback, and start).
fn serve(stream: &Stream, stop: &AtomicBool) -> Result<u64, String> {
    let mut xruns = 0;
    while !stop.load(Relaxed) {
        // A wait error is an xrun (EPIPE) or a suspend: count it and restart.
        if stream.pcm.wait(Some(100)).is_err() || forward_all(stream).is_err() {
            xruns += 1;
            stream.pcm.prepare().map_err(|e| format!("prepare: {e}"))?;
            forward_all(stream)?;
            stream.pcm.start().map_err(|e| format!("restart: {e}"))?;
        }
    }
    Ok(xruns)
}

/// Xruns of `pairs` cables running for `seconds` (S32_LE, `rate` Hz, `channels`).
pub fn run(pairs: usize, seconds: f64, rate: u32, channels: u32) -> Result<u64, String> {
    let shape = Shape {
        rate,
        channels,
        format: Format::S32LE,
        period: 1024,
        periods: 4,
        free_running: false,
    };
    let streams = cable::open_pairs(pairs, shape)?;
    // A playback with an empty buffer cannot start: give it one buffer first.
    for (play, _) in &streams {
        forward_all(play).map_err(|e| format!("prefill: {e}"))?;
    }
    for (play, cap) in &streams {
        cap.pcm.start().map_err(|e| format!("capture start: {e}"))?;
        play.pcm
            .start()
            .map_err(|e| format!("playback start: {e}"))?;
    }
    let stop = AtomicBool::new(false);
    let xruns = AtomicU64::new(0);
    let (stop_ref, xruns_ref) = (&stop, &xruns);
    // A PCM handle is Send but not Sync: each thread owns its stream.
    let failure = thread::scope(|s| {
        let workers: Vec<_> = streams
            .into_iter()
            .flat_map(|(p, c)| [p, c])
            .map(|st| {
                s.spawn(move || serve(&st, stop_ref).map(|n| xruns_ref.fetch_add(n, Relaxed)))
            })
            .collect();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs_f64(seconds) {
            thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Relaxed);
        workers
            .into_iter()
            .filter_map(|w| w.join().ok().and_then(Result::err))
            .next()
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(xruns.load(Relaxed))
}
