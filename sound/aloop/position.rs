// SPDX-License-Identifier: GPL-2.0

//! Where a stream is in its buffer, advanced by elapsed jiffies, with pitch.
//!
//! The arithmetic is C's, width for width: `irq_pos` counts bytes × HZ in a 32-bit
//! `unsigned int` and wraps as C's does, so positions (and `/proc` output) match.

use crate::loopback::NO_PITCH;

/// C: `HZ`, the kernel's tick rate.
pub const HZ: u32 = snd::jiffies_timer::HZ;

/// C: `NO_PITCH`, as the divisor of `frac_pos()`'s 64-bit arithmetic.
const NO_PITCH_U64: u64 = NO_PITCH as u64;

/// A stream's position state, kept in its cable under the cable lock.
///
/// C: the position and timer fields of `struct loopback_pcm`.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct StreamPos {
    /// Buffer size in bytes.
    pub pcm_buffer_size: u32,
    /// Position in the buffer, in bytes.
    pub buf_pos: u32,
    /// Bytes of silence written since the capture last got data.
    pub silent_size: u32,
    /// Period size in bytes.
    pub pcm_period_size: u32,
    /// Bytes per second.
    pub pcm_bps: u32,
    /// Bytes per frame.
    pub pcm_salign: u32,
    /// The rate shift the period fraction was computed for.
    pub pcm_rate_shift: u32,
    /// A period boundary passed and is not yet reported.
    pub period_update_pending: bool,
    /// Fractional position in bytes × HZ.
    pub irq_pos: u32,
    /// Period size in bytes × HZ.
    pub period_size_frac: u32,
    /// Bytes one side got ahead by in the last update.
    pub last_drift: u32,
    /// Jiffies up to which the position is accounted.
    pub last_jiffies: usize,
    /// Bytes per channel of a non-interleaved buffer.
    pub channel_buf_n: u32,
    /// When the stream's timer was last armed for (0: stopped). C: `dpcm->timer.expires`.
    pub timer_expires: usize,
}

impl StreamPos {
    /// Bytes in `x` (bytes × HZ), whole frames, pitch applied. C: `byte_pos()`.
    pub fn byte_pos(&self, x: u32) -> u32 {
        let x = if self.pcm_rate_shift == NO_PITCH {
            x / HZ
        } else {
            // C: div_u64(NO_PITCH * (u64)x, HZ * (u64)pcm_rate_shift); the Rate Shift
            // control keeps the shift above 0, a division by 0 would give 0 here.
            let den = u64::from(HZ).wrapping_mul(u64::from(self.pcm_rate_shift));
            u64::from(NO_PITCH)
                .wrapping_mul(u64::from(x))
                .checked_div(den)
                .unwrap_or(0) as u32
        };
        // C: x - (x % pcm_salign); pcm_salign is set by prepare, before any position.
        x.wrapping_sub(x.checked_rem(self.pcm_salign).unwrap_or(0))
    }

    /// Bytes × HZ for `x` bytes, pitch applied. C: `frac_pos()`.
    pub fn frac_pos(&self, x: u32) -> u32 {
        if self.pcm_rate_shift == NO_PITCH {
            x.wrapping_mul(HZ)
        } else {
            (u64::from(self.pcm_rate_shift)
                .wrapping_mul(u64::from(x))
                .wrapping_mul(u64::from(HZ))
                / NO_PITCH_U64) as u32
        }
    }

    /// Advances the fractional position by `jiffies_delta` and returns the whole bytes that
    /// passed, less the drift owed. C: `bytepos_delta()`.
    pub fn bytepos_delta(&mut self, jiffies_delta: u32) -> u32 {
        let last_pos = self.byte_pos(self.irq_pos);
        self.irq_pos = self
            .irq_pos
            .wrapping_add(jiffies_delta.wrapping_mul(self.pcm_bps));
        let mut delta = self.byte_pos(self.irq_pos).wrapping_sub(last_pos);
        if delta >= self.last_drift {
            delta = delta.wrapping_sub(self.last_drift);
        }
        self.last_drift = 0;
        if self.irq_pos >= self.period_size_frac {
            self.irq_pos = self.irq_pos.checked_rem(self.period_size_frac).unwrap_or(0);
            self.period_update_pending = true;
        }
        delta
    }

    /// Moves the buffer position by `delta` bytes. C: `bytepos_finish()`.
    pub fn bytepos_finish(&mut self, delta: u32) {
        self.buf_pos = self
            .buf_pos
            .wrapping_add(delta)
            .checked_rem(self.pcm_buffer_size)
            .unwrap_or(0);
    }

    /// Takes up `rate_shift` and returns the jiffies until the next period boundary.
    /// C: the arithmetic of `loopback_jiffies_timer_start()`.
    pub fn ticks_to_period(&mut self, rate_shift: u32) -> usize {
        if rate_shift != self.pcm_rate_shift {
            self.pcm_rate_shift = rate_shift;
            self.period_size_frac = self.frac_pos(self.pcm_period_size);
        }
        if self.period_size_frac <= self.irq_pos {
            self.irq_pos = self.irq_pos.checked_rem(self.period_size_frac).unwrap_or(0);
            self.period_update_pending = true;
        }
        let tick = self.period_size_frac.wrapping_sub(self.irq_pos) as usize;
        // C: DIV_ROUND_UP(tick, dpcm->pcm_bps).
        match self.pcm_bps {
            0 => 1,
            bps => tick.div_ceil(bps as usize),
        }
    }
}
