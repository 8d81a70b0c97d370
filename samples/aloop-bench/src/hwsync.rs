//! The pointer path: `SNDRV_PCM_IOCTL_HWSYNC` on a running capture of `hw:Loopback,1,0`
//! (S16_LE, 48000 Hz, 2 channels, period 1024 frames, 4 periods). Each call runs the driver's
//! `pointer` callback (and, for the jiffies timer source, the cable's position update under
//! its lock). The capture's stop threshold is the boundary, so it runs unread without an
//! overrun.

use crate::cable::{self, Shape};
use alsa::pcm::Format;
use alsa::Direction;
use std::time::Instant;

/// `SNDRV_PCM_IOCTL_HWSYNC`: `_IO('A', 0x22)`.
const HWSYNC: libc::c_ulong = 0x4122;

/// Median nanoseconds per HWSYNC over `repeats` batches of `calls`.
pub fn run(calls: u32, repeats: usize) -> Result<u64, String> {
    let shape = Shape {
        rate: 48000,
        channels: 2,
        format: Format::S16LE,
        period: 1024,
        periods: 4,
        free_running: true,
    };
    let capture = cable::open("hw:Loopback,1,0", Direction::Capture, shape)?;
    capture.pcm.start().map_err(|e| format!("start: {e}"))?;
    let mut per_call = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t0 = Instant::now();
        for _ in 0..calls {
            // SAFETY: HWSYNC takes no argument; `fd` is the open PCM's descriptor.
            if unsafe { libc::ioctl(capture.fd, HWSYNC) } < 0 {
                return Err(format!("HWSYNC: {}", std::io::Error::last_os_error()));
            }
        }
        per_call.push(t0.elapsed().as_nanos() as u64 / u64::from(calls.max(1)));
    }
    per_call.sort_unstable();
    Ok(per_call[per_call.len() / 2])
}
