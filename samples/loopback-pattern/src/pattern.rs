//! The test signal and its bit-exact check, kept free of ALSA so the host can unit-test them.

/// Frames of the pattern before frame numbers in channel 0 repeat.
pub const PERIOD: u64 = 65535;

/// Sample `channel` of pattern frame `frame`. Never zero, so silence and signal are told apart.
///
/// Channel 0 carries the frame number (1..=65535, repeating), which lets the checker find where
/// in the pattern a capture starts; other channels carry a hash of frame and channel.
pub fn sample(frame: u64, channel: u32) -> i16 {
    if channel == 0 {
        return ((frame % PERIOD) + 1) as u16 as i16;
    }
    let mut x = frame.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(channel).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    let v = (x >> 17) as u16;
    (if v == 0 { 1 } else { v }) as i16
}

/// Fills interleaved `buf` with pattern frames starting at `first_frame`.
pub fn fill(buf: &mut [i16], first_frame: u64, channels: u32) {
    let ch = channels as usize;
    for (i, frame) in buf.chunks_exact_mut(ch).enumerate() {
        for (c, s) in frame.iter_mut().enumerate() {
            *s = sample(first_frame + i as u64, c as u32);
        }
    }
}

/// What the checker found in a capture.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Captured frames of silence before the signal.
    pub leading_silence: usize,
    /// Pattern frame the signal starts with (0 unless the loopback dropped the head).
    pub first_pattern_frame: u64,
    /// Consecutive captured frames equal to the pattern.
    pub matched: usize,
}

/// Why a capture does not hold the pattern.
#[derive(Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// Only silence was captured.
    NoSignal,
    /// The first non-silent frame is not a pattern frame.
    BadStart { at: usize },
    /// Frame `at` of the capture differs from the pattern (after `matched` good frames).
    Differs { at: usize, matched: usize },
    /// Fewer pattern frames than required arrived.
    Short { matched: usize, wanted: usize },
}

/// Checks that `captured` (interleaved) is silence, then `wanted` or more pattern frames in
/// order, then only silence.
pub fn verify(captured: &[i16], channels: u32, wanted: usize) -> Result<Verdict, Mismatch> {
    let ch = channels as usize;
    let frames: Vec<&[i16]> = captured.chunks_exact(ch).collect();
    let is_silent = |f: &[i16]| f.iter().all(|&s| s == 0);
    let start = frames
        .iter()
        .position(|f| !is_silent(f))
        .ok_or(Mismatch::NoSignal)?;
    let first = u64::from(frames[start][0] as u16).wrapping_sub(1);
    if first >= PERIOD || (0..channels).any(|c| frames[start][c as usize] != sample(first, c)) {
        return Err(Mismatch::BadStart { at: start });
    }
    let mut matched = 0;
    while let Some(f) = frames.get(start + matched) {
        if !(0..channels).all(|c| f[c as usize] == sample(first + matched as u64, c)) {
            break;
        }
        matched += 1;
    }
    let rest = start + matched;
    if let Some(j) = frames[rest..].iter().position(|f| !is_silent(f)) {
        return Err(Mismatch::Differs {
            at: rest + j,
            matched,
        });
    }
    if matched < wanted {
        return Err(Mismatch::Short { matched, wanted });
    }
    Ok(Verdict {
        leading_silence: start,
        first_pattern_frame: first,
        matched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(
        silence_before: usize,
        first: u64,
        frames: usize,
        silence_after: usize,
        ch: u32,
    ) -> Vec<i16> {
        let mut v = vec![0i16; silence_before * ch as usize];
        let mut sig = vec![0i16; frames * ch as usize];
        fill(&mut sig, first, ch);
        v.extend(sig);
        v.extend(vec![0i16; silence_after * ch as usize]);
        v
    }

    #[test]
    fn samples_are_never_zero() {
        for f in 0..200_000u64 {
            for c in 0..8 {
                assert_ne!(sample(f, c), 0, "frame {f} channel {c}");
            }
        }
    }

    #[test]
    fn channel_zero_numbers_frames() {
        assert_eq!(sample(0, 0), 1);
        assert_eq!(sample(PERIOD - 1, 0) as u16, 65535);
        assert_eq!(sample(PERIOD, 0), 1);
    }

    #[test]
    fn exact_loopback_passes() {
        let c = capture(1000, 0, 48_000, 500, 2);
        assert_eq!(
            verify(&c, 2, 48_000),
            Ok(Verdict {
                leading_silence: 1000,
                first_pattern_frame: 0,
                matched: 48_000
            })
        );
    }

    #[test]
    fn dropped_head_is_reported_as_offset() {
        let c = capture(0, 17, 1000, 0, 2);
        assert_eq!(verify(&c, 2, 1000).map(|v| v.first_pattern_frame), Ok(17));
    }

    #[test]
    fn flipped_bit_is_found() {
        let mut c = capture(10, 0, 1000, 10, 2);
        c[2 * 500 + 1] ^= 4;
        assert_eq!(
            verify(&c, 2, 1000),
            Err(Mismatch::Differs {
                at: 500,
                matched: 490
            })
        );
    }

    #[test]
    fn gap_in_the_middle_is_found() {
        let mut c = capture(0, 0, 1000, 0, 2);
        for s in &mut c[2 * 300..2 * 310] {
            *s = 0;
        }
        assert_eq!(
            verify(&c, 2, 1000),
            Err(Mismatch::Differs {
                at: 310,
                matched: 300
            })
        );
    }

    #[test]
    fn swapped_channels_are_found() {
        let mut c = capture(0, 0, 100, 0, 2);
        c.swap(0, 1);
        assert_eq!(verify(&c, 2, 100), Err(Mismatch::BadStart { at: 0 }));
    }

    #[test]
    fn silence_and_short_captures_fail() {
        assert_eq!(verify(&vec![0; 2000], 2, 1), Err(Mismatch::NoSignal));
        let c = capture(0, 0, 100, 0, 2);
        assert_eq!(
            verify(&c, 2, 200),
            Err(Mismatch::Short {
                matched: 100,
                wanted: 200
            })
        );
    }
}
