//! Cable pairs of a snd-aloop card loaded with `pcm_substreams=8`: pair `i < 8` plays into
//! `hw:Loopback,0,i` and captures from `hw:Loopback,1,i`; pair `8 + i` the other way round
//! (`hw:Loopback,1,i` into `hw:Loopback,0,i`). So one card offers 16 pairs.

use alsa::pcm::{Access, Format, HwParams, PCM};
use alsa::poll::Descriptors;
use alsa::{Direction, ValueOr};

/// The most pairs one card with `pcm_substreams=8` offers.
pub const MAX_PAIRS: usize = 16;

/// The stream format of every pair.
#[derive(Clone, Copy)]
pub struct Shape {
    pub rate: u32,
    pub channels: u32,
    pub format: Format,
    /// Frames per period; 0 for the smallest the driver allows.
    pub period: i64,
    pub periods: i64,
    /// Stop threshold at the boundary: the stream never stops on an xrun, so that it runs
    /// without a client (the timer-path measurement); otherwise the default (an xrun stops it).
    pub free_running: bool,
}

/// One direction of one cable, set up and prepared.
pub struct Stream {
    pub pcm: PCM,
    pub fd: libc::c_int,
}

/// The two device names of pair `index` (playback, capture).
pub fn devices(index: usize) -> (String, String) {
    let (play_dev, cap_dev) = if index < 8 { (0, 1) } else { (1, 0) };
    let sub = index % 8;
    (
        format!("hw:Loopback,{play_dev},{sub}"),
        format!("hw:Loopback,{cap_dev},{sub}"),
    )
}

pub fn open(name: &str, dir: Direction, shape: Shape) -> Result<Stream, String> {
    let err = |what: &str, e: alsa::Error| format!("{name}: {what}: {e}");
    let pcm = PCM::new(name, dir, false).map_err(|e| err("open", e))?;
    let period_frames;
    {
        let hw = HwParams::any(&pcm).map_err(|e| err("hw_params any", e))?;
        hw.set_access(Access::RWInterleaved)
            .map_err(|e| err("access", e))?;
        hw.set_format(shape.format).map_err(|e| err("format", e))?;
        hw.set_channels(shape.channels)
            .map_err(|e| err("channels", e))?;
        hw.set_rate(shape.rate, ValueOr::Nearest)
            .map_err(|e| err("rate", e))?;
        let want = if shape.period > 0 {
            shape.period
        } else {
            hw.get_period_size_min().map_err(|e| err("period min", e))?
        };
        period_frames = hw
            .set_period_size_near(want, ValueOr::Nearest)
            .map_err(|e| err("period", e))?;
        hw.set_buffer_size_near(period_frames * shape.periods)
            .map_err(|e| err("buffer", e))?;
        pcm.hw_params(&hw).map_err(|e| err("hw_params", e))?;
    }
    {
        let sw = pcm.sw_params_current().map_err(|e| err("sw_params", e))?;
        if shape.free_running {
            let boundary = sw.get_boundary().map_err(|e| err("boundary", e))?;
            sw.set_stop_threshold(boundary)
                .map_err(|e| err("stop threshold", e))?;
        }
        sw.set_avail_min(period_frames)
            .map_err(|e| err("avail_min", e))?;
        pcm.sw_params(&sw).map_err(|e| err("sw_params set", e))?;
    }
    pcm.prepare().map_err(|e| err("prepare", e))?;
    let fd = pcm
        .get()
        .map_err(|e| err("poll descriptors", e))?
        .first()
        .ok_or_else(|| format!("{name}: no descriptor"))?
        .fd;
    Ok(Stream { pcm, fd })
}

/// Opens pairs `0..n` (playback and capture of each), not started.
pub fn open_pairs(n: usize, shape: Shape) -> Result<Vec<(Stream, Stream)>, String> {
    (0..n)
        .map(|i| {
            let (play, cap) = devices(i);
            Ok((
                open(&play, Direction::Playback, shape)?,
                open(&cap, Direction::Capture, shape)?,
            ))
        })
        .collect()
}
