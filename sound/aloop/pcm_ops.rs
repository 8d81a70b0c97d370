// SPDX-License-Identifier: GPL-2.0

//! The PCM callbacks of both devices, the hw_params rules that make the second end of a cable
//! follow the first, and the jiffies timer that paces a stream.

use crate::cable::{bit, Cable, CableEnd, CableState, LOOPBACK_HW, VALID_BOTH};
use crate::loopback::{Loopback, Setup, Setups};
use crate::position::StreamPos;
use kernel::{prelude::*, sync::Arc};
use snd::card::Card;
use snd::jiffies_timer::{jiffies, JiffiesTimer, TimerCallback};
use snd::new_jiffies_timer;
use snd::pcm::{
    Buffer, Direction, Hardware, HwParams, HwRule, HwVar, IntervalParam, MaskParam, OpenSetup,
    OpenSubstream, Ops, State, Substream, Trigger,
};

/// What one open substream's callbacks and timer need.
pub struct StreamCtx {
    /// Its cable.
    pub cable: Arc<Cable>,
    /// The card's setups (rate shift, notify, the slave controls).
    pub setups: Arc<Setups>,
    /// Its direction.
    pub dir: Direction,
    /// Its index in the setups: `[substream][device]`, the capture side's device.
    /// C: `get_setup()`.
    pub setup_at: (usize, usize),
}

/// Per-open data: the stream's jiffies timer around its context.
///
/// C: `struct loopback_pcm` (its position fields live in the cable, under the cable lock).
#[pin_data]
pub struct LoopbackStream {
    #[pin]
    timer: JiffiesTimer<StreamCtx>,
}

impl LoopbackStream {
    /// An open stream's data: its context inside its (idle) jiffies timer.
    pub(crate) fn new(ctx: StreamCtx) -> impl PinInit<Self> {
        pin_init!(Self {
            timer <- new_jiffies_timer!(ctx, "LoopbackStream::timer"),
        })
    }

    fn ctx(&self) -> &StreamCtx {
        self.timer.data()
    }
}

impl StreamCtx {
    /// Reads one thing of this stream's setup. C: `get_setup(dpcm)->...`.
    fn setup<R: Default>(&self, f: impl FnOnce(&Setup) -> R) -> R {
        self.setups
            .with(self.setup_at, |setup| f(setup))
            .unwrap_or_default()
    }

    /// Re-arms the timer for the next period boundary. Called under the cable lock.
    /// C: `loopback_jiffies_timer_start()`.
    fn timer_start(&self, state: &mut CableState, timer: &JiffiesTimer<Self>) {
        let rate_shift = self.setup(|s| s.rate_shift);
        let Some(end) = state.end_slot(self.dir).as_mut() else {
            return;
        };
        let tick = end.pos.ticks_to_period(rate_shift);
        let expires = jiffies().wrapping_add(tick);
        timer.arm_at(expires);
        end.pos.timer_expires = expires;
    }

    /// Starts pacing this end: its jiffies timer or the cable's ALSA timer. Called under the
    /// cable lock. C: `cable->ops->start()`.
    fn start(&self, state: &mut CableState, timer: &JiffiesTimer<Self>, card: &Card) -> Result {
        if self.cable.uses_snd_timer {
            crate::snd_timer::start(state, card)
        } else {
            self.timer_start(state, timer);
            Ok(())
        }
    }

    /// Stops pacing this end. Called under the cable lock. C: `cable->ops->stop()`.
    fn stop(&self, state: &mut CableState, timer: &JiffiesTimer<Self>, card: &Card) -> Result {
        if self.cable.uses_snd_timer {
            crate::snd_timer::stop(state, card)
        } else {
            self.timer_stop(state, timer);
            Ok(())
        }
    }

    /// Stops the timer. Called under the cable lock. C: `loopback_jiffies_timer_stop()`.
    fn timer_stop(&self, state: &mut CableState, timer: &JiffiesTimer<Self>) {
        timer.cancel();
        if let Some(end) = state.end_slot(self.dir).as_mut() {
            end.pos.timer_expires = 0;
        }
    }
}

impl TimerCallback for StreamCtx {
    /// C: `loopback_jiffies_timer_function()`.
    fn expired(&self, timer: &JiffiesTimer<Self>) {
        let elapsed = {
            let mut state = self.cable.state.lock();
            if state.jiffies_pos_update() & bit(self.dir) == 0 {
                None
            } else {
                self.timer_start(&mut state, timer);
                state
                    .end_slot(self.dir)
                    .as_mut()
                    .filter(|end| end.pos.period_update_pending)
                    .map(|end| {
                        end.pos.period_update_pending = false;
                        end.substream.clone()
                    })
            }
        };
        // The PCM core takes the stream lock: report outside the cable lock.
        if let Some(substream) = elapsed {
            substream.period_elapsed();
        }
    }
}

/// The cable index of `substream`: device 0's playback and device 1's capture share cable 0.
/// C: `get_cable_index()`.
fn cable_index(substream: &Substream) -> usize {
    if substream.device() == 0 {
        substream.direction().index()
    } else {
        substream.direction().other().index()
    }
}

/// The setup a substream's controls live at. C: `get_setup()`.
fn setup_index(substream: &Substream) -> (usize, usize) {
    let mut device = substream.device();
    if substream.direction() == Direction::Playback {
        device ^= 1;
    }
    (substream.number(), device)
}

/// Checks a starting stream against the other end, stops a running capture the new playback
/// differs from (with notify), and updates the slave controls from the playback.
/// C: `loopback_check_format()`.
fn check_format(ctx: &StreamCtx, substream: &Substream) -> Result {
    let stream = substream.direction();
    let stop_capture: Option<OpenSubstream>;
    {
        let state = ctx.cable.state.lock();
        let [play, capt] = &state.streams;
        if state.valid != VALID_BOTH {
            if stream == Direction::Capture || play.is_none() {
                return Ok(());
            }
            stop_capture = None;
        } else {
            let (Some(play), Some(capt)) = (play, capt) else {
                return Err(EIO);
            };
            let runtime = play.substream.runtime();
            let cruntime = capt.substream.runtime();
            let check = runtime.format() != cruntime.format()
                || runtime.rate() != cruntime.rate()
                || runtime.channels() != cruntime.channels()
                || runtime.access().is_interleaved() != cruntime.access().is_interleaved();
            // Matching params also go on to the update below, so that the setup controls
            // follow a playback that joins an open capture.
            if check && stream == Direction::Capture {
                return Err(EIO);
            }
            // Seed 003: the clone keeps the capture's close waiting until the stop is done.
            stop_capture =
                (check && cruntime.state() == State::RUNNING).then(|| capt.substream.clone());
        }
        let Some(play) = play else {
            return Ok(());
        };
        update_setup(ctx, &play.substream);
    }
    if let Some(capture) = stop_capture {
        // Under the capture's own stream lock, and only if it still runs: its owner may have
        // dropped it since the check above (the lock half of seed 003).
        capture.stop_if_running(State::DRAINING);
    }
    Ok(())
}

/// Copies the playback's parameters into its setup, notifying each control that changes.
/// Part of C's `loopback_check_format()`.
fn update_setup(ctx: &StreamCtx, play: &Substream) {
    let card = play.card();
    let runtime = play.runtime();
    ctx.setups.with(setup_index(play), |setup| {
        if setup.format != runtime.format() {
            card.notify_value(&setup.format_id);
            setup.format = runtime.format();
        }
        if setup.rate != runtime.rate() {
            card.notify_value(&setup.rate_id);
            setup.rate = runtime.rate();
        }
        if setup.channels != runtime.channels() {
            card.notify_value(&setup.channels_id);
            setup.channels = runtime.channels();
        }
        if setup.access.is_interleaved() != runtime.access().is_interleaved() {
            card.notify_value(&setup.access_id);
            setup.access = runtime.access();
        }
    });
}

/// C: `loopback_active_notify()`.
fn active_notify(ctx: &StreamCtx, substream: &Substream) {
    if let Some(id) = ctx.setups.with(ctx.setup_at, |s| s.active_id) {
        substream.card().notify_value(&id);
    }
}

/// Narrows the cable's limits to what `substream` was configured with. Called with the cable
/// lock held. C: `params_change()`.
fn params_change(state: &mut CableState, substream: &Substream) {
    let runtime = substream.runtime();
    state.hw.formats = runtime.format().bit();
    state.hw.rate_min = runtime.rate();
    state.hw.rate_max = runtime.rate();
    state.hw.channels_min = runtime.channels();
    state.hw.channels_max = runtime.channels();
    if state.snd_timer.is_some() {
        let period_bytes = runtime.frames_to_bytes(runtime.period_size());
        state.hw.period_bytes_min = period_bytes;
        state.hw.period_bytes_max = period_bytes;
    }
}

/// Removes `substream`'s end from its cable and frees the cable with the last end.
/// Called with `loopback->cable_lock` held. C: `free_cable()`.
fn free_cable(table: &mut crate::loopback::CableTable, substream: &Substream) {
    let dev = cable_index(substream);
    let Some(slot) = table.slot(substream.number(), dev) else {
        return;
    };
    let Some(cable) = slot.as_ref() else {
        return;
    };
    let mut state = cable.state.lock();
    let end = state.end_slot(substream.direction()).take();
    let other_alive = state.end(substream.direction().other()).is_some();
    drop(state);
    // The end's handle goes here, outside the lock; the PCM layer's close then waits for any
    // clone still in flight (C: `wait_event(cable->stop_wait, !stop_count)`).
    drop(end);
    if other_alive {
        return;
    }
    if cable.uses_snd_timer {
        crate::snd_timer::close_cable(cable);
    }
    *slot = None;
}

/// The PCM callbacks. C: `loopback_pcm_ops`.
pub struct LoopbackOps;

#[vtable]
impl Ops for LoopbackOps {
    type Chip = Loopback;
    type Open = LoopbackStream;

    /// C: `loopback_open()`.
    fn open(
        chip: &Loopback,
        substream: &Substream,
        handle: OpenSubstream,
        setup: &mut OpenSetup<'_, Self>,
    ) -> Result<Pin<KBox<LoopbackStream>>> {
        let dev = cable_index(substream);
        let number = substream.number();
        let mut table = chip.cables.lock();
        let uses_snd_timer = !table.timer_source.is_empty();
        // The PCM core numbers substreams below the count the card made (at most 8).
        let slot = table.slot(number, dev).ok_or(ENODEV)?;
        let cable = match slot {
            Some(cable) => cable.clone(),
            None => {
                let cable = Arc::pin_init(Cable::new(uses_snd_timer), GFP_KERNEL)?;
                *slot = Some(cable.clone());
                cable
            }
        };
        let opened = if cable.uses_snd_timer {
            crate::snd_timer::open(&table.timer_source, substream, &cable)
        } else {
            Ok(())
        }
        .and_then(|()| open_end(chip, substream, handle, setup, cable));
        if opened.is_err() {
            free_cable(&mut table, substream);
        }
        opened
    }

    /// C: `loopback_close()`.
    fn close(chip: &Loopback, open: &LoopbackStream, substream: &Substream) -> Result {
        open.timer.cancel_sync();
        free_cable(&mut chip.cables.lock(), substream);
        Ok(())
    }

    /// C: `loopback_hw_free()`.
    fn hw_free(_chip: &Loopback, open: &LoopbackStream, substream: &Substream) -> Result {
        open.ctx().cable.state.lock().valid &= !bit(substream.direction());
        Ok(())
    }

    /// C: `loopback_prepare()`.
    fn prepare(
        _chip: &Loopback,
        open: &LoopbackStream,
        substream: &Substream,
        buffer: &Buffer<'_>,
    ) -> Result {
        let ctx = open.ctx();
        open.timer.cancel_sync();
        let runtime = substream.runtime();
        let width = runtime.format().physical_width().map_err(|_| EINVAL)?;
        // C: `int salign, bps`, each an unsigned product stored in an int, then
        // `if (bps <= 0 || salign <= 0) return -EINVAL`.
        let salign = (width.wrapping_mul(runtime.channels()) / 8) as i32;
        let bps = (salign as u32).wrapping_mul(runtime.rate()) as i32;
        if bps <= 0 || salign <= 0 {
            return Err(EINVAL);
        }
        let (salign, bps) = (salign as u32, bps as u32);
        let buffer_bytes = runtime.frames_to_bytes(runtime.buffer_size()) as u32;
        let capture = substream.direction() == Direction::Capture;
        if capture {
            buffer.fill_silence(
                0,
                runtime
                    .buffer_size()
                    .wrapping_mul(runtime.channels() as usize),
            );
        }
        let notify = ctx.setup(|s| s.notify);
        let mut state = ctx.cable.state.lock();
        if let Some(end) = state.end_slot(ctx.dir).as_mut() {
            let pos = &mut end.pos;
            pos.buf_pos = 0;
            pos.pcm_buffer_size = buffer_bytes;
            // C: pcm_buffer_size / runtime->channels (hw_params makes channels at least 1).
            pos.channel_buf_n = buffer_bytes.checked_div(runtime.channels()).unwrap_or(0);
            if capture {
                pos.silent_size = buffer_bytes;
            }
            pos.irq_pos = 0;
            pos.period_update_pending = false;
            pos.pcm_bps = bps;
            pos.pcm_salign = salign;
            pos.pcm_period_size = runtime.frames_to_bytes(runtime.period_size()) as u32;
        }
        let me = bit(ctx.dir);
        if state.valid & !me == 0 || (notify && ctx.dir == Direction::Playback) {
            params_change(&mut state, substream);
        }
        state.valid |= me;
        Ok(())
    }

    /// C: `loopback_trigger()`.
    fn trigger(
        _chip: &Loopback,
        open: &LoopbackStream,
        substream: &Substream,
        cmd: Trigger,
    ) -> Result {
        let ctx = open.ctx();
        let me = bit(ctx.dir);
        let timer = &open.timer;
        let card = substream.card();
        let result = match cmd {
            Trigger::Start => {
                check_format(ctx, substream)?;
                let mut state = ctx.cable.state.lock();
                if let Some(end) = state.end_slot(ctx.dir).as_mut() {
                    end.pos.last_jiffies = jiffies();
                    end.pos.pcm_rate_shift = 0;
                    end.pos.last_drift = 0;
                }
                state.running |= me;
                state.pause &= !me;
                ctx.start(&mut state, timer, card)
            }
            Trigger::Stop => {
                let mut state = ctx.cable.state.lock();
                state.running &= !me;
                state.pause &= !me;
                ctx.stop(&mut state, timer, card)
            }
            Trigger::PausePush | Trigger::Suspend => {
                let mut state = ctx.cable.state.lock();
                state.pause |= me;
                ctx.stop(&mut state, timer, card)
            }
            Trigger::PauseRelease | Trigger::Resume => {
                let mut state = ctx.cable.state.lock();
                if let Some(end) = state.end_slot(ctx.dir).as_mut() {
                    end.pos.last_jiffies = jiffies();
                }
                state.pause &= !me;
                ctx.start(&mut state, timer, card)
            }
        };
        if ctx.dir == Direction::Playback {
            active_notify(ctx, substream);
        }
        result
    }

    /// C: `loopback_pointer()`.
    fn pointer(_chip: &Loopback, open: &LoopbackStream, substream: &Substream) -> usize {
        let ctx = open.ctx();
        let pos = {
            let mut state = ctx.cable.state.lock();
            if !ctx.cable.uses_snd_timer {
                state.jiffies_pos_update();
            }
            state
                .end_slot(ctx.dir)
                .as_ref()
                .map_or(0, |end| end.pos.buf_pos)
        };
        substream.runtime().bytes_to_frames(pos as usize)
    }
}

/// The part of `loopback_open()` after the cable is found: the stream, its rules and its
/// hardware description, and its end in the cable.
fn open_end(
    chip: &Loopback,
    substream: &Substream,
    handle: OpenSubstream,
    setup: &mut OpenSetup<'_, LoopbackOps>,
    cable: Arc<Cable>,
) -> Result<Pin<KBox<LoopbackStream>>> {
    let ctx = StreamCtx {
        cable: cable.clone(),
        setups: chip.setups.clone(),
        dir: substream.direction(),
        setup_at: setup_index(substream),
    };
    let notify = ctx.setup(|s| s.notify);
    let stream = KBox::pin_init(LoopbackStream::new(ctx), GFP_KERNEL)?;
    // C ignores this result.
    let _ = setup.constraint_integer(IntervalParam::Periods);
    // Dynamic rules read the cable's current limits; the PCM core's own are cached.
    setup.add_rule::<RuleFormat>()?;
    setup.add_rule::<RuleRate>()?;
    setup.add_rule::<RuleChannels>()?;
    // With an ALSA timer both ends must have the same period.
    if cable.state.lock().snd_timer.is_some() {
        setup.add_rule::<RulePeriodBytes>()?;
    }
    let mut state = cable.state.lock();
    setup.set_hw(if notify { &LOOPBACK_HW } else { &state.hw });
    *state.end_slot(substream.direction()) = Some(CableEnd {
        substream: handle,
        pos: StreamPos::default(),
    });
    Ok(stream)
}

/// The cable's limits, as the rules read them.
fn cable_hw(open: &LoopbackStream) -> Hardware {
    open.ctx().cable.state.lock().hw
}

/// C: `rule_format()`.
pub struct RuleFormat;

impl HwRule for RuleFormat {
    type Open = LoopbackStream;
    const VAR: HwVar = HwVar::Mask(MaskParam::Format);

    fn apply(open: &LoopbackStream, params: &mut HwParams) -> Result<bool> {
        params.refine_mask(MaskParam::Format, cable_hw(open).formats)
    }
}

/// C: `rule_rate()`.
pub struct RuleRate;

impl HwRule for RuleRate {
    type Open = LoopbackStream;
    const VAR: HwVar = HwVar::Interval(IntervalParam::Rate);

    fn apply(open: &LoopbackStream, params: &mut HwParams) -> Result<bool> {
        let hw = cable_hw(open);
        params.refine_range(IntervalParam::Rate, hw.rate_min, hw.rate_max)
    }
}

/// C: `rule_channels()`.
pub struct RuleChannels;

impl HwRule for RuleChannels {
    type Open = LoopbackStream;
    const VAR: HwVar = HwVar::Interval(IntervalParam::Channels);

    fn apply(open: &LoopbackStream, params: &mut HwParams) -> Result<bool> {
        let hw = cable_hw(open);
        params.refine_range(IntervalParam::Channels, hw.channels_min, hw.channels_max)
    }
}

/// C: `rule_period_bytes()`.
pub struct RulePeriodBytes;

impl HwRule for RulePeriodBytes {
    type Open = LoopbackStream;
    const VAR: HwVar = HwVar::Interval(IntervalParam::PeriodBytes);

    fn apply(open: &LoopbackStream, params: &mut HwParams) -> Result<bool> {
        let hw = cable_hw(open);
        params.refine_range(
            IntervalParam::PeriodBytes,
            hw.period_bytes_min as u32,
            hw.period_bytes_max as u32,
        )
    }
}
