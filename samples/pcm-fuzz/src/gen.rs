//! The values the fuzzer draws (with `crate::rng`, the seeded generator shared with seq-fuzz):
//! hardware and software parameters at and beyond the loopback's limits, frame counts and
//! pointers at the edges of the buffer and the boundary, mixer values and timer sources.

use crate::raw::{HwParams, Interval, Mask, SwParams};
use crate::rng::Rng;
use crate::sys;

/// The loopback's formats (S16, S24, S24_3, S32, FLOAT in both byte orders, the DSD ones).
const LOOPBACK_FORMATS: [u32; 15] = [2, 3, 6, 7, 32, 33, 10, 11, 14, 15, 48, 49, 50, 51, 52];
const FORMAT_LAST: u32 = 52;
const RATES: [u32; 10] = [
    8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000, 384000, 768000,
];
/// `SNDRV_PCM_HW_PARAM_*` interval indices (0 is SAMPLE_BITS).
const CHANNELS: usize = 2;
const RATE: usize = 3;
const PERIOD_SIZE: usize = 5;
const PERIODS: usize = 7;
const BUFFER_SIZE: usize = 9;
/// Each interval's limits on the loopback (or plausible ones), by index.
const LIMITS: [(u32, u32); 12] = [
    (8, 64),         // SAMPLE_BITS
    (8, 2048),       // FRAME_BITS
    (1, 32),         // CHANNELS
    (8000, 768_000), // RATE
    (1, 10_000_000), // PERIOD_TIME (us)
    (1, 1 << 20),    // PERIOD_SIZE
    (64, 1 << 20),   // PERIOD_BYTES
    (1, 1024),       // PERIODS
    (1, 10_000_000), // BUFFER_TIME (us)
    (1, 1 << 21),    // BUFFER_SIZE
    (64, 2 << 20),   // BUFFER_BYTES
    (0, 1_000_000),  // TICK_TIME
];

/// What a successful HW_PARAMS chose; the later operations size their values from it.
#[derive(Clone, Copy)]
pub struct Geometry {
    /// `SNDRV_PCM_ACCESS_*`
    pub access: u32,
    pub frame_bytes: usize,
    pub channels: usize,
    pub period: u64,
    pub buffer: u64,
    /// The runtime's boundary, as the kernel computes it.
    pub boundary: u64,
}

impl Geometry {
    pub fn of(p: &HwParams) -> Geometry {
        let buffer = u64::from(p.intervals[BUFFER_SIZE].min);
        let mut boundary = buffer.max(1);
        while boundary * 2 <= i64::MAX as u64 - buffer {
            boundary *= 2;
        }
        Geometry {
            access: p.masks[0].bits[0].trailing_zeros(),
            frame_bytes: (p.intervals[1].min / 8) as usize,
            channels: p.intervals[CHANNELS].min as usize,
            period: u64::from(p.intervals[PERIOD_SIZE].min),
            buffer,
            boundary,
        }
    }

    /// MMAP_INTERLEAVED or RW_INTERLEAVED: one buffer of frames, not one per channel.
    pub fn interleaved(&self) -> bool {
        self.access == 0 || self.access == 3
    }
}

/// The sizes used when a stream has no (known) hardware parameters.
pub const NO_GEOMETRY: Geometry = Geometry {
    access: 3,
    frame_bytes: 32 * 8,
    channels: 32,
    period: 1024,
    buffer: 4096,
    boundary: 4096 << 50,
};

fn fixed(v: u32) -> Interval {
    Interval {
        min: v,
        max: v,
        flags: 1 << 2, // integer
    }
}

/// Everything allowed: every access, format and subformat bit, every interval open.
fn any_params() -> HwParams {
    let any = Interval {
        min: 0,
        max: u32::MAX,
        flags: 0,
    };
    let mut masks = [Mask { bits: [0; 8] }; 3];
    masks[0].bits[0] = 0x1f;
    masks[1].bits[0] = u32::MAX;
    masks[1].bits[1] = (1 << (FORMAT_LAST - 31)) - 1;
    masks[2].bits[0] = 1;
    HwParams::refine(masks, [any; 12])
}

/// S16_LE, 2 channels, 48000 Hz, 1024-frame periods, 4 periods, RW interleaved: the setup
/// every thread uses most, so that both ends of a cable often agree and the cable runs.
pub fn common_params() -> HwParams {
    let mut p = any_params();
    p.masks[0].bits[0] = 1 << 3;
    p.masks[1].bits = [0; 8];
    p.masks[1].bits[0] = 1 << 2;
    p.intervals[CHANNELS] = fixed(2);
    p.intervals[RATE] = fixed(48000);
    p.intervals[PERIOD_SIZE] = fixed(1024);
    p.intervals[PERIODS] = fixed(4);
    p
}

/// Hardware parameters for the `run` operation, which wants a stream that runs: 80 % the
/// common setup, otherwise a plausible one.
pub fn run_params(rng: &mut Rng) -> HwParams {
    if rng.chance(80) {
        common_params()
    } else {
        plausible_params(rng)
    }
}

/// Hardware parameters: 30 % the common setup, 35 % a plausible one, 35 % masks and
/// intervals at, just beyond and far beyond the loopback's limits.
pub fn hw_params(rng: &mut Rng) -> HwParams {
    match rng.below(20) {
        0..=5 => common_params(),
        6..=12 => plausible_params(rng),
        _ => extreme_params(rng),
    }
}

/// One format, rate, channel count, period size and period count, often accepted.
fn plausible_params(rng: &mut Rng) -> HwParams {
    let mut p = any_params();
    let access = if rng.chance(70) {
        3
    } else {
        rng.pick(&[0, 1, 3, 4])
    };
    p.masks[0].bits[0] = 1 << access;
    let format = rng.pick(&LOOPBACK_FORMATS);
    p.masks[1].bits = [0; 8];
    p.masks[1].bits[(format / 32) as usize] = 1 << (format % 32);
    let rate = if rng.chance(80) {
        rng.pick(&RATES)
    } else {
        rng.range(8000, 768_000) as u32
    };
    p.intervals[RATE] = fixed(rate);
    let any_channels = rng.range(1, 32) as u32;
    p.intervals[CHANNELS] = fixed(rng.pick(&[1, 2, 2, 2, 4, 8, 32, any_channels]));
    let period = rng.pick(&[16, 32, 64, 256, 441, 1024, 1024, 2048, 4096, 8192]);
    p.intervals[PERIOD_SIZE] = fixed(period);
    p.intervals[PERIODS] = fixed(rng.pick(&[1, 2, 2, 4, 4, 8, 16, 1024]));
    p
}

/// Masks and intervals at, just beyond and far beyond the loopback's limits.
fn extreme_params(rng: &mut Rng) -> HwParams {
    let mut p = any_params();
    p.masks[0].bits[0] = if rng.chance(90) {
        rng.range(1, 0x1f) as u32
    } else {
        rng.next_u64() as u32
    };
    if rng.chance(50) {
        let format = rng.below(u64::from(FORMAT_LAST) + 4) as u32;
        p.masks[1].bits = [0; 8];
        p.masks[1].bits[(format / 32) as usize] = 1 << (format % 32);
    } else {
        p.masks[1].bits[0] = rng.next_u64() as u32;
        p.masks[1].bits[1] = rng.next_u64() as u32;
    }
    if rng.chance(20) {
        p.masks[2].bits[0] = rng.next_u64() as u32;
    }
    for (i, &(lo, hi)) in LIMITS.iter().enumerate() {
        if rng.chance(35) {
            p.intervals[i] = extreme_interval(rng, lo, hi);
        }
    }
    if rng.chance(20) {
        p.flags = rng.below(8) as u32;
    }
    p
}

fn extreme_interval(rng: &mut Rng, lo: u32, hi: u32) -> Interval {
    let (min, max) = match rng.below(10) {
        0 => (lo, lo),
        1 => (hi, hi),
        2 => (lo.saturating_sub(1), lo.saturating_sub(1)),
        3 => (hi.saturating_add(1), hi.saturating_add(1)),
        4 => (0, 0),
        5 => (u32::MAX, u32::MAX),
        6 => (lo, hi),
        7 => (hi, lo),
        8 => {
            let v = rng.range(u64::from(lo), u64::from(hi)) as u32;
            (v, v)
        }
        _ => {
            let a = rng.range(u64::from(lo), u64::from(hi)) as u32;
            (a, a.saturating_add(rng.below(1000) as u32))
        }
    };
    let mut flags = if rng.chance(50) { 1 << 2 } else { 0 };
    if rng.chance(10) {
        flags |= rng.below(4) as u32; // openmin, openmax
    }
    Interval { min, max, flags }
}

/// A frame count at an edge: 0, 1, a period, the buffer, the boundary and around it, 2^63
/// and just above (where signed arithmetic on frames overflows), the maximum, or random.
pub fn extreme_frames(rng: &mut Rng, g: &Geometry) -> u64 {
    let top = 1u64 << 63;
    match rng.below(16) {
        0 => 0,
        1 => 1,
        2 => g.period,
        3 => g.buffer,
        4 => g.buffer + 1,
        5 => g.boundary - 1,
        6 => g.boundary,
        7 => g.boundary + 1,
        8 => top,
        9 => top + rng.below(g.buffer * 4 + 1),
        10 => u64::MAX,
        11 => top - 1,
        12 => rng.below(g.boundary),
        13 => rng.next_u64(),
        14 => g.buffer * 2,
        _ => g.period.saturating_sub(1),
    }
}

/// An application pointer for the mapped control page: near the hardware pointer (ahead,
/// behind), at a wrap edge of it (`wrap_edge`), or any edge value of `extreme_frames`.
pub fn appl_ptr(rng: &mut Rng, hw_ptr: u64, g: &Geometry) -> u64 {
    match rng.below(8) {
        0 | 1 => hw_ptr.wrapping_add(rng.below(g.buffer * 2 + 1)),
        2 => hw_ptr.wrapping_sub(rng.below(g.buffer) + 1),
        3..=5 => wrap_edge(rng, hw_ptr, g),
        _ => extreme_frames(rng, g),
    }
}

/// A pointer a little (up to a buffer) to either side of where the kernel's differences of
/// pointers wrap: 2^63 itself and half the pointer space away from `hw_ptr` (a difference
/// taken as signed changes sign or overflows there), and a boundary away from `hw_ptr` (where
/// the kernel folds differences back). Pointers the application stores in its mapped
/// control page reach the kernel unchecked, so these are the values that test its
/// arithmetic; `extreme_frames` alone reaches them only by chance.
pub fn wrap_edge(rng: &mut Rng, hw_ptr: u64, g: &Geometry) -> u64 {
    const SIGN: u64 = 1 << 63;
    let edge = match rng.below(4) {
        0 => SIGN,
        1 => hw_ptr.wrapping_add(SIGN),
        2 => hw_ptr.wrapping_add(g.boundary),
        _ => hw_ptr.wrapping_sub(g.boundary),
    };
    let near = rng.below(g.buffer + 1);
    if rng.chance(70) {
        edge.wrapping_add(near)
    } else {
        edge.wrapping_sub(near)
    }
}

/// Software parameters: half of the time plausible ones, otherwise each field at an edge.
pub fn sw_params(rng: &mut Rng, g: &Geometry) -> SwParams {
    let mut p = SwParams {
        tstamp_mode: 0,
        period_step: 1,
        sleep_min: 0,
        avail_min: g.period,
        xfer_align: 1,
        start_threshold: rng.pick(&[1, g.buffer, g.period]),
        stop_threshold: rng.pick(&[g.buffer, g.boundary]),
        silence_threshold: 0,
        silence_size: 0,
        boundary: 0,
        proto: sys::PCM_VERSION as u32,
        tstamp_type: 0,
        reserved: [0; 56],
    };
    if rng.chance(50) {
        return p;
    }
    p.tstamp_mode = rng.pick(&[0, 1, 1, 2, -1]);
    p.period_step = rng.pick(&[0, 1, 2, u32::MAX]);
    p.avail_min = extreme_frames(rng, g);
    p.xfer_align = extreme_frames(rng, g);
    p.start_threshold = extreme_frames(rng, g);
    p.stop_threshold = extreme_frames(rng, g);
    p.silence_threshold = rng.pick(&[0, 0, 1, g.period, g.buffer, g.buffer + 1]);
    p.silence_size = rng.pick(&[0, 0, 1, g.period, g.buffer, g.boundary, u64::MAX]);
    p.boundary = extreme_frames(rng, g);
    p.proto = rng.pick(&[0, sys::PCM_VERSION as u32, u32::MAX]);
    p.tstamp_type = rng.below(5) as u32;
    p
}

/// A mixer value for an element whose info says `min..=max`: the limits, just outside
/// them, the extremes of i64 and i32, or random.
pub fn control_value(rng: &mut Rng, min: i64, max: i64) -> i64 {
    match rng.below(12) {
        0 => i64::MIN,
        1 => i64::MAX,
        2 => -1,
        3 => 0,
        4 => 1,
        5 => min,
        6 => max,
        7 => min.wrapping_sub(1),
        8 => max.wrapping_add(1),
        9 if min <= max => min + (rng.below((max - min) as u64 + 1) as i64),
        10 => rng.pick(&[
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            i64::from(u32::MAX),
        ]),
        _ => rng.next_u64() as i64,
    }
}

/// A line for /proc/asound/Loopback/timer_source: 80 % the empty line (back to the jiffies
/// timer: a source that does not parse makes every open fail, so it must not stay long),
/// otherwise names and numbers that parse or almost do, overlong lines and random bytes.
pub fn timer_source(rng: &mut Rng) -> Vec<u8> {
    const NAMES: &str = "-1|-1.3|-1.0|-1,1|0|0.0.0|0,1,7|Loopback|Loopback.1.3|Dummy|\
        Dummy.0.0|99|-99|0x7fffffff|-2147483649|1:0|:|,,,|...| 0 |\n-1.3\nDummy|-1.3junk";
    match rng.below(20) {
        0..=15 => b"\n".to_vec(),
        16 | 17 => {
            let names: Vec<&str> = NAMES.split('|').collect();
            rng.pick(&names).as_bytes().to_vec()
        }
        18 => (0..rng.range(60, 300))
            .map(|i| {
                if i % 7 == 6 {
                    b'.'
                } else {
                    b'0' + (i % 10) as u8
                }
            })
            .collect(),
        19 if rng.chance(50) => {
            let mut v = vec![0u8; rng.range(1, 80) as usize];
            rng.fill(&mut v);
            v
        }
        _ => (0..rng.range(1, 16))
            .map(|_| rng.pick(b"0123456789-.,:Lxz \t"))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's boundary: the buffer size doubled while twice it fits below
    /// LONG_MAX - buffer size.
    #[test]
    fn boundary_as_the_kernel_computes_it() {
        let mut p = common_params();
        p.intervals[BUFFER_SIZE] = fixed(4096);
        let g = Geometry::of(&p);
        assert_eq!(g.boundary, 4096 << 50);
        assert!(g.boundary * 2 > i64::MAX as u64 - 4096);
        p.intervals[BUFFER_SIZE] = fixed(3000);
        let b = Geometry::of(&p).boundary;
        assert_eq!(b % 3000, 0);
        assert!((b / 3000).is_power_of_two() && b * 2 > i64::MAX as u64 - 3000);
    }

    /// A write of nothing leaves timer_source as it is; the reset must be a line.
    #[test]
    fn timer_source_reset_is_a_line() {
        let mut rng = Rng::new(1);
        let lines: Vec<Vec<u8>> = (0..200).map(|_| timer_source(&mut rng)).collect();
        assert!(lines.iter().all(|l| !l.is_empty()));
        let resets = lines.iter().filter(|l| l.as_slice() == b"\n").count();
        assert!((120..=190).contains(&resets), "{resets} resets of 200");
    }

    /// Half of the application pointers drawn for a running stream must be on the far side
    /// of 2^63 within a buffer and its hardware pointer: where `hw_ptr + buffer - appl_ptr`
    /// overflows as a signed difference.
    #[test]
    fn appl_ptr_reaches_the_signed_overflow_window() {
        let mut rng = Rng::new(5);
        let mut p = common_params();
        p.intervals[BUFFER_SIZE] = fixed(4096);
        let g = Geometry::of(&p);
        let hw_ptr = 3000;
        let window = (1u64 << 63)..(1 << 63) + hw_ptr + g.buffer;
        let edges = (0..1000)
            .filter(|_| window.contains(&wrap_edge(&mut rng, hw_ptr, &g)))
            .count();
        assert!((300..700).contains(&edges), "{edges}");
        let pointers = (0..1000)
            .filter(|_| window.contains(&appl_ptr(&mut rng, hw_ptr, &g)))
            .count();
        assert!(pointers > 120, "{pointers}");
    }

    #[test]
    fn extreme_frames_reach_the_overflow_window() {
        let mut rng = Rng::new(3);
        let mut p = common_params();
        p.intervals[BUFFER_SIZE] = fixed(4096);
        let g = Geometry::of(&p);
        let hits = (0..1000)
            .map(|_| extreme_frames(&mut rng, &g))
            .filter(|&f| f >= 1 << 63 && f - (1 << 63) <= g.buffer * 4)
            .count();
        assert!(hits > 60, "{hits}");
    }
}
