// SPDX-License-Identifier: GPL-2.0

//! KUnit suite of the loopback's position arithmetic; runs when snd-aloop-rs loads with
//! KUnit on. Expected values are worked out from the C formulas at HZ = 250.

use crate::loopback::NO_PITCH;
use crate::position::{StreamPos, HZ};
use snd_kunit::{kunit_expect, kunit_expect_eq, kunit_suite, Test};

/// 48 kHz, S16_LE, stereo, 1024-frame periods: 192000 bytes/s, 4-byte frames.
fn stream_48k_s16_stereo() -> StreamPos {
    StreamPos {
        pcm_buffer_size: 4 * 4096,
        pcm_period_size: 4096,
        pcm_bps: 192000,
        pcm_salign: 4,
        pcm_rate_shift: NO_PITCH,
        period_size_frac: 4096 * HZ,
        ..StreamPos::default()
    }
}

/// Without pitch, byte_pos() divides by HZ and rounds down to whole frames; frac_pos()
/// multiplies by HZ.
fn byte_and_frac_pos_without_pitch(test: &mut Test<'_>) {
    kunit_expect_eq!(test, HZ, 250);
    let pos = stream_48k_s16_stereo();
    kunit_expect_eq!(test, pos.byte_pos(250 * 1000), 1000);
    kunit_expect_eq!(test, pos.byte_pos(250 * 1001 + 100), 1000);
    kunit_expect_eq!(test, pos.byte_pos(249), 0);
    kunit_expect_eq!(test, pos.frac_pos(4096), 1_024_000);
}

/// With a rate shift, byte_pos() scales by NO_PITCH / shift and frac_pos() by shift / NO_PITCH.
fn byte_and_frac_pos_with_pitch(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    pos.pcm_rate_shift = 80000;
    kunit_expect_eq!(test, pos.frac_pos(4096), 4096 * 200);
    kunit_expect_eq!(test, pos.byte_pos(192_000), 960);
    pos.pcm_rate_shift = 120000;
    kunit_expect_eq!(test, pos.frac_pos(4096), 1_228_800);
    // 100000 * 192000 / (250 * 120000) = 640.
    kunit_expect_eq!(test, pos.byte_pos(192_000), 640);
}

/// One jiffy moves 768 bytes at 192000 bytes/s; crossing the period boundary wraps irq_pos
/// and marks a period pending.
fn bytepos_delta_counts_bytes_and_periods(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    kunit_expect_eq!(test, pos.bytepos_delta(1), 768);
    kunit_expect_eq!(test, pos.irq_pos, 192_000);
    kunit_expect!(test, !pos.period_update_pending);
    kunit_expect_eq!(test, pos.bytepos_delta(5), 3840);
    kunit_expect_eq!(test, pos.irq_pos, 128_000);
    kunit_expect!(test, pos.period_update_pending);
}

/// A drift owed by the last update is taken off the next delta, once, if it fits.
fn bytepos_delta_takes_off_drift(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    pos.last_drift = 100;
    kunit_expect_eq!(test, pos.bytepos_delta(1), 668);
    kunit_expect_eq!(test, pos.last_drift, 0);
    pos.last_drift = 1000;
    kunit_expect_eq!(test, pos.bytepos_delta(1), 768);
    kunit_expect_eq!(test, pos.last_drift, 0);
}

/// The buffer position wraps at the buffer size; a zero-sized buffer cannot divide by zero.
fn bytepos_finish_wraps(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    pos.buf_pos = 16000;
    pos.bytepos_finish(768);
    kunit_expect_eq!(test, pos.buf_pos, (16000 + 768) % (4 * 4096));
    pos.pcm_buffer_size = 0;
    pos.bytepos_finish(768);
    kunit_expect_eq!(test, pos.buf_pos, 0);
}

/// The timer waits DIV_ROUND_UP(period left, bytes per second) jiffies, after taking up a
/// new rate shift (trigger start sets pcm_rate_shift to 0 to force that).
fn ticks_to_period_rounds_up(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    pos.pcm_rate_shift = 0;
    pos.period_size_frac = 0;
    kunit_expect_eq!(test, pos.ticks_to_period(NO_PITCH), 6);
    kunit_expect_eq!(test, pos.period_size_frac, 1_024_000);
    kunit_expect_eq!(test, pos.ticks_to_period(120000), 7);
    kunit_expect_eq!(test, pos.period_size_frac, 1_228_800);
    // Past the boundary already: wrap and mark the period.
    pos.irq_pos = 1_300_000;
    // (1228800 - 71200) / 192000 = 6.03, rounded up.
    kunit_expect_eq!(test, pos.ticks_to_period(120000), 7);
    kunit_expect_eq!(test, pos.irq_pos, 71_200);
    kunit_expect!(test, pos.period_update_pending);
}

kunit_suite!(
    snd_aloop,
    [
        byte_and_frac_pos_without_pitch,
        byte_and_frac_pos_with_pitch,
        bytepos_delta_counts_bytes_and_periods,
        bytepos_delta_takes_off_drift,
        bytepos_finish_wraps,
        ticks_to_period_rounds_up,
    ]
);
