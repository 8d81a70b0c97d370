// SPDX-License-Identifier: GPL-2.0

//! KUnit suite of the loopback's position arithmetic; runs when snd-aloop-rs loads with
//! KUnit on. Expected values are worked out with the C formulas from the kernel's HZ
//! (`CONFIG_HZ`), so they hold at any tick rate.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "KUnit code: loop counters and fixtures of known size, no outside input"
)]

use crate::cable::{Cable, LOOPBACK_HW};
use crate::loopback::{Loopback, Setups, NO_PITCH};
use crate::pcm_ops::{
    LoopbackStream, RuleChannels, RuleFormat, RulePeriodBytes, RuleRate, StreamCtx,
};
use crate::position::{StreamPos, HZ};
use kernel::{c_str, prelude::*, str::CStr, sync::Arc};
use snd::card::OwnedCard;
use snd::control::{Element, Iface};
use snd::pcm::{Direction, Format, HwParams, HwRule, IntervalParam, MaskParam};
use snd::platform::DeviceRegistration;
use snd_kunit::{kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, Test};

/// Bytes per second of [`stream_48k_s16_stereo`].
const BPS: u32 = 192_000;

/// Bytes of one period of [`stream_48k_s16_stereo`].
const PERIOD_BYTES: u32 = 4096;

/// 48 kHz, S16_LE, stereo, 1024-frame periods: 192000 bytes/s, 4-byte frames.
fn stream_48k_s16_stereo() -> StreamPos {
    StreamPos {
        pcm_buffer_size: 4 * PERIOD_BYTES,
        pcm_period_size: PERIOD_BYTES,
        pcm_bps: BPS,
        pcm_salign: 4,
        pcm_rate_shift: NO_PITCH,
        period_size_frac: PERIOD_BYTES * HZ,
        ..StreamPos::default()
    }
}

/// `bytes` rounded down to whole 4-byte frames. C: `x - (x % dpcm->pcm_salign)`.
fn whole_frames(bytes: u32) -> u32 {
    bytes - bytes % 4
}

/// `x` bytes × HZ with a rate shift. C: `div_u64((u64)x * HZ * pcm_rate_shift, NO_PITCH)`.
fn frac_pos_shifted(x: u32, shift: u32) -> u32 {
    (u64::from(shift) * u64::from(x) * u64::from(HZ) / u64::from(NO_PITCH)) as u32
}

/// Jiffies from `irq_pos` to the period boundary `period_frac` at [`BPS`].
/// C computes it as `DIV_ROUND_UP(period_size_frac - irq_pos, pcm_bps)`.
fn jiffies_to(period_frac: u32, irq_pos: u32) -> usize {
    (period_frac - irq_pos).div_ceil(BPS) as usize
}

/// Without pitch, byte_pos() divides by HZ and rounds down to whole frames; frac_pos()
/// multiplies by HZ. HZ is the kernel's (`CONFIG_HZ`, through `snd::jiffies_timer::HZ`): 250
/// on the test kernel, 1000 on a production-like one.
fn byte_and_frac_pos_without_pitch(test: &mut Test<'_>) {
    // The cases below assume a period boundary lies beyond the first jiffy and that one
    // jiffy moves more than 100 bytes: true for every HZ Kconfig offers (100..=1000).
    kunit_expect!(test, BPS < PERIOD_BYTES * HZ);
    kunit_expect!(test, whole_frames(BPS / HZ) >= 100);
    let pos = stream_48k_s16_stereo();
    kunit_expect_eq!(test, pos.byte_pos(HZ * 1000), 1000);
    // 1001 whole bytes and a fraction: rounded down to 250 frames.
    kunit_expect_eq!(test, pos.byte_pos(HZ * 1001 + HZ - 1), 1000);
    kunit_expect_eq!(test, pos.byte_pos(HZ - 1), 0);
    kunit_expect_eq!(test, pos.frac_pos(4096), 4096 * HZ);
}

/// With a rate shift, byte_pos() scales by NO_PITCH / shift and frac_pos() by shift / NO_PITCH.
fn byte_and_frac_pos_with_pitch(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    pos.pcm_rate_shift = 80000;
    kunit_expect_eq!(test, pos.frac_pos(4096), frac_pos_shifted(4096, 80000));
    // One second of bytes × HZ at 0.8 pitch: 768 * 100000 / 80000 = 960 bytes.
    kunit_expect_eq!(test, pos.byte_pos(768 * HZ), 960);
    pos.pcm_rate_shift = 120000;
    kunit_expect_eq!(test, pos.frac_pos(4096), frac_pos_shifted(4096, 120000));
    // 768 * 100000 / 120000 = 640.
    kunit_expect_eq!(test, pos.byte_pos(768 * HZ), 640);
}

/// One jiffy moves BPS / HZ bytes (768 at HZ = 250); crossing the period boundary wraps
/// irq_pos and marks a period pending.
fn bytepos_delta_counts_bytes_and_periods(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    let one_jiffy = whole_frames(BPS / HZ);
    kunit_expect_eq!(test, pos.bytepos_delta(1), one_jiffy);
    kunit_expect_eq!(test, pos.irq_pos, BPS);
    kunit_expect!(test, !pos.period_update_pending);
    // Up to the first jiffy at or past the period boundary (5 more at HZ = 250).
    let period_frac = PERIOD_BYTES * HZ;
    let total = jiffies_to(period_frac, 0) as u32;
    let after = BPS * total;
    kunit_expect_eq!(
        test,
        pos.bytepos_delta(total - 1),
        whole_frames(after / HZ) - one_jiffy
    );
    kunit_expect_eq!(test, pos.irq_pos, after - period_frac);
    kunit_expect!(test, pos.period_update_pending);
}

/// A drift owed by the last update is taken off the next delta, once, if it fits.
fn bytepos_delta_takes_off_drift(test: &mut Test<'_>) {
    let mut pos = stream_48k_s16_stereo();
    let one_jiffy = whole_frames(BPS / HZ);
    pos.last_drift = 100;
    kunit_expect_eq!(test, pos.bytepos_delta(1), one_jiffy - 100);
    kunit_expect_eq!(test, pos.last_drift, 0);
    pos.last_drift = one_jiffy + 1;
    kunit_expect_eq!(test, pos.bytepos_delta(1), one_jiffy);
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
    // 6 at HZ = 250, 22 at HZ = 1000.
    kunit_expect_eq!(
        test,
        pos.ticks_to_period(NO_PITCH),
        jiffies_to(PERIOD_BYTES * HZ, 0)
    );
    kunit_expect_eq!(test, pos.period_size_frac, PERIOD_BYTES * HZ);
    let shifted = frac_pos_shifted(PERIOD_BYTES, 120000);
    // 7 at HZ = 250.
    kunit_expect_eq!(test, pos.ticks_to_period(120000), jiffies_to(shifted, 0));
    kunit_expect_eq!(test, pos.period_size_frac, shifted);
    // Past the boundary already: wrap and mark the period.
    pos.irq_pos = shifted + 71_200;
    // At HZ = 250: (1228800 - 71200) / 192000 = 6.03, rounded up to 7.
    kunit_expect_eq!(
        test,
        pos.ticks_to_period(120000),
        jiffies_to(shifted, 71_200)
    );
    kunit_expect_eq!(test, pos.irq_pos, 71_200);
    kunit_expect!(test, pos.period_update_pending);
}

/// A card of this driver's data and controls (2 substreams), on a platform device of its
/// own, not registered with userspace. Dropped: card freed, then the device.
struct TestCard {
    card: OwnedCard<Loopback>,
    _device: DeviceRegistration,
}

fn test_card() -> Result<TestCard> {
    let device = DeviceRegistration::new(c_str!("snd_aloop_kunit"), 0)?;
    let mut card = OwnedCard::new(
        device.device(),
        -1,
        Some(c_str!("AloopKUnit")),
        &crate::THIS_MODULE,
        Loopback::new(false, KVec::new())?,
    )?;
    crate::controls::add_all(&mut card, 2)?;
    Ok(TestCard {
        card,
        _device: device,
    })
}

fn control<'a>(card: &'a TestCard, name: &CStr, device: u32, sub: u32) -> Option<Element<'a>> {
    Element::find(card.card.card(), Iface::Pcm, name, device, sub)
}

/// The controls exist per device and substream, in C's order (numids 1..=7 for device 0,
/// substream 0; device 1 starts after both substreams of device 0), with C's ranges and
/// defaults.
fn controls_on_a_real_card(test: &mut Test<'_>) {
    let card = test_card();
    kunit_require!(test, card.is_ok());
    let Ok(card) = card else { return };
    let names = [
        c_str!("PCM Rate Shift 100000"),
        c_str!("PCM Notify"),
        c_str!("PCM Slave Active"),
        c_str!("PCM Slave Format"),
        c_str!("PCM Slave Rate"),
        c_str!("PCM Slave Channels"),
        c_str!("PCM Slave Access Mode"),
    ];
    for (i, name) in names.iter().enumerate() {
        let numid = control(&card, name, 0, 0).map(|c| c.id().numid());
        kunit_expect_eq!(test, numid, Some(i as u32 + 1));
        let numid = control(&card, name, 1, 0).map(|c| c.id().numid());
        kunit_expect_eq!(test, numid, Some(i as u32 + 15));
    }
    kunit_expect!(test, control(&card, names[0], 0, 2).is_none());

    let read = |name: &CStr| control(&card, name, 1, 1).map(|c| c.read());
    kunit_expect_eq!(test, read(names[0]), Some(Ok(100000)));
    kunit_expect_eq!(test, read(names[1]), Some(Ok(0)));
    kunit_expect_eq!(test, read(names[2]), Some(Ok(0)));
    kunit_expect_eq!(test, read(names[3]), Some(Ok(2)));
    kunit_expect_eq!(test, read(names[4]), Some(Ok(48000)));
    kunit_expect_eq!(test, read(names[5]), Some(Ok(2)));
    kunit_expect_eq!(test, read(names[6]), Some(Ok(0)));

    let info = |name: &CStr| control(&card, name, 0, 0).and_then(|c| c.info().ok());
    let range = |name: &CStr| info(name).map(|i| (i.elem_type, i.count, i.min, i.max));
    kunit_expect_eq!(test, range(names[0]), Some((2, 1, 80000, 120000)));
    kunit_expect_eq!(test, range(names[1]), Some((1, 1, 0, 1)));
    kunit_expect_eq!(test, range(names[3]), Some((2, 1, 0, 52)));
    kunit_expect_eq!(test, range(names[4]), Some((2, 1, 0, 192000)));
    kunit_expect_eq!(test, range(names[5]), Some((2, 1, 1, 1024)));
    kunit_expect_eq!(test, range(names[6]), Some((3, 1, 0, 2)));
}

/// Rate Shift clamps to 80000..=120000 as an unsigned value (so -5 is 120000); puts report
/// a change only when the value changes; Notify stores any non-zero as 1; each substream
/// and device has its own setup; the slave controls have no put.
fn control_writes_clamp_and_report_changes(test: &mut Test<'_>) {
    let card = test_card();
    kunit_require!(test, card.is_ok());
    let Ok(card) = card else { return };
    let shift = control(&card, c_str!("PCM Rate Shift 100000"), 0, 1);
    kunit_require!(test, shift.is_some());
    let Some(shift) = shift else { return };
    kunit_expect_eq!(test, shift.write(70000), Ok(true));
    kunit_expect_eq!(test, shift.read(), Ok(80000));
    kunit_expect_eq!(test, shift.write(80000), Ok(false));
    kunit_expect_eq!(test, shift.write(130000), Ok(true));
    kunit_expect_eq!(test, shift.read(), Ok(120000));
    kunit_expect_eq!(test, shift.write(100000), Ok(true));
    kunit_expect_eq!(test, shift.write(-5), Ok(true));
    kunit_expect_eq!(test, shift.read(), Ok(120000));
    let other = control(&card, c_str!("PCM Rate Shift 100000"), 1, 1).map(|c| c.read());
    kunit_expect_eq!(test, other, Some(Ok(100000)));

    let notify = control(&card, c_str!("PCM Notify"), 1, 0);
    kunit_require!(test, notify.is_some());
    let Some(notify) = notify else { return };
    kunit_expect_eq!(test, notify.write(7), Ok(true));
    kunit_expect_eq!(test, notify.read(), Ok(1));
    kunit_expect_eq!(test, notify.write(1), Ok(false));
    kunit_expect_eq!(test, notify.write(0), Ok(true));

    let rate = control(&card, c_str!("PCM Slave Rate"), 0, 0).map(|c| c.write(44100));
    kunit_expect_eq!(test, rate, Some(Err(EPERM)));
}

/// An open stream's data on `cable` (no substream: the rules only read the cable).
fn stream_on(cable: &Arc<Cable>) -> Result<Pin<KBox<LoopbackStream>>> {
    let ctx = StreamCtx {
        cable: cable.clone(),
        setups: Setups::new(false)?,
        dir: Direction::Playback,
        setup_at: (0, 1),
    };
    KBox::pin_init(LoopbackStream::new(ctx), GFP_KERNEL)
}

/// The rules refine a fresh parameter space to the cable's limits through ALSA's own refine
/// functions: first the device's capabilities, then — once one end configured the cable (as
/// params_change() leaves it) — exactly that end's format, rate, channels and period bytes;
/// a space that excludes them is refused with EINVAL, as C's rules do.
fn rules_follow_the_cable(test: &mut Test<'_>) {
    let cable = Arc::pin_init(Cable::new(false), GFP_KERNEL);
    kunit_require!(test, cable.is_ok());
    let Ok(cable) = cable else { return };
    let stream = stream_on(&cable);
    kunit_require!(test, stream.is_ok());
    let Ok(stream) = stream else { return };
    let any = HwParams::new_any();
    kunit_require!(test, any.is_ok());
    let Ok(mut p) = any else { return };

    kunit_expect_eq!(test, RuleFormat::apply(&stream, &mut p), Ok(true));
    kunit_expect_eq!(test, RuleFormat::apply(&stream, &mut p), Ok(false));
    kunit_expect_eq!(test, p.mask(MaskParam::Format), LOOPBACK_HW.formats);
    kunit_expect_eq!(test, RuleRate::apply(&stream, &mut p), Ok(true));
    kunit_expect_eq!(test, p.range(IntervalParam::Rate), (8000, 768000));
    kunit_expect_eq!(test, RuleChannels::apply(&stream, &mut p), Ok(true));
    kunit_expect_eq!(test, p.range(IntervalParam::Channels), (1, 32));

    {
        let mut state = cable.state.lock();
        state.hw.formats = Format::S32_LE.bit();
        state.hw.rate_min = 44100;
        state.hw.rate_max = 44100;
        state.hw.channels_min = 1;
        state.hw.channels_max = 1;
        state.hw.period_bytes_min = 4096;
        state.hw.period_bytes_max = 4096;
    }
    let any = HwParams::new_any();
    kunit_require!(test, any.is_ok(), "parameter space not allocated");
    let Ok(mut p) = any else { return };
    kunit_expect_eq!(test, RuleFormat::apply(&stream, &mut p), Ok(true));
    kunit_expect_eq!(test, p.mask(MaskParam::Format), Format::S32_LE.bit());
    kunit_expect_eq!(test, RuleRate::apply(&stream, &mut p), Ok(true));
    kunit_expect_eq!(test, p.range(IntervalParam::Rate), (44100, 44100));
    kunit_expect_eq!(test, RuleChannels::apply(&stream, &mut p), Ok(true));
    kunit_expect_eq!(test, p.range(IntervalParam::Channels), (1, 1));
    kunit_expect_eq!(test, RulePeriodBytes::apply(&stream, &mut p), Ok(true));
    kunit_expect_eq!(test, p.range(IntervalParam::PeriodBytes), (4096, 4096));

    let any = HwParams::new_any();
    kunit_require!(test, any.is_ok(), "parameter space not allocated");
    let Ok(mut p) = any else { return };
    kunit_expect_eq!(
        test,
        p.refine_range(IntervalParam::Rate, 48000, 48000),
        Ok(true)
    );
    kunit_expect_eq!(test, RuleRate::apply(&stream, &mut p), Err(EINVAL));
    kunit_expect_eq!(
        test,
        p.refine_mask(MaskParam::Format, Format::S16_LE.bit()),
        Ok(true)
    );
    kunit_expect_eq!(test, RuleFormat::apply(&stream, &mut p), Err(EINVAL));
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
        controls_on_a_real_card,
        control_writes_clamp_and_report_changes,
        rules_follow_the_cable,
    ]
);
