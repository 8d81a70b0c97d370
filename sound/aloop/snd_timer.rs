// SPDX-License-Identifier: GPL-2.0

//! The ALSA timer source: a cable paced by another card's PCM timer (or a global timer)
//! named by `timer_source`, instead of jiffies.
//!
//! C: `loopback_snd_timer_ops` and the functions it points to.

use crate::cable::{bit, clear_capture_buf, copy_play_buf, Cable, CableState, NO_TIMER_ID};
use core::fmt;
use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow},
    workqueue::{self, WorkItem},
};
use snd::card::Card;
use snd::pcm::{Direction, Runtime, State, Substream};
use snd::timer::{card_index_by_id, event, TimerClient, TimerId, TimerInstance};

/// Prints a user's string as C's `%s` would (bytes, not escaped).
struct Text<'a>(&'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            fmt::Write::write_char(f, char::from(b))?;
        }
        Ok(())
    }
}

/// Splits `text` at the first byte of `seps`. C: `strpbrk()` + writing a NUL there.
fn split_at_any<'a>(text: &'a [u8], seps: &[u8]) -> (&'a [u8], Option<&'a [u8]>) {
    match text.iter().position(|b| seps.contains(b)) {
        Some(i) => (
            text.get(..i).unwrap_or(&[]),
            Some(text.get(i.saturating_add(1)..).unwrap_or(&[])),
        ),
        None => (text, None),
    }
}

/// Parses `[<pref>:](<card name>|<card idx>)[{.,}<dev idx>[{.,}<subdev idx>]]`.
/// C: `loopback_parse_timer_id()`.
pub fn parse_timer_id(source: &[u8]) -> Result<TimerId> {
    let mut tid = TimerId::pcm_application();
    let name = match split_at_any(source, b":") {
        (_, Some(after)) => after,
        (all, None) => all,
    };
    let (card_name, rest) = split_at_any(name, b".,");
    let mut card_idx = 0;
    let mut result = snd::kstrtoint(card_name, 0).map(|idx| card_idx = idx);
    if result == Err(EINVAL) {
        // Must be the name, not a number.
        if let Some(idx) = card_index_by_id(card_name) {
            card_idx = idx;
            result = Ok(());
        }
    }
    let (mut dev, mut subdev) = (0, 0);
    if let (Some(rest), Ok(())) = (rest, result) {
        let (dev_text, sub_text) = split_at_any(rest, b".,");
        result = snd::kstrtoint(dev_text, 0).map(|d| dev = d);
        if let (Some(sub_text), Ok(())) = (sub_text, result) {
            result = snd::kstrtoint(sub_text, 0).map(|s| subdev = s);
        }
    }
    if card_idx == -1 {
        tid.dev_class = TimerId::CLASS_GLOBAL;
    }
    result?;
    tid.card = card_idx;
    tid.device = dev;
    tid.subdevice = subdev;
    Ok(tid)
}

/// Opens the cable's timer, once per cable. Called with `loopback->cable_lock` held (so the
/// other end cannot open it at the same time). C: `loopback_snd_timer_open()`.
pub fn open(source: &[u8], substream: &Substream, cable: &Arc<Cable>) -> Result {
    if cable.state.lock().snd_timer.is_some() {
        return Ok(());
    }
    let card = substream.card();
    let tid = parse_timer_id(source).inspect_err(|e| {
        card.err(format_args!(
            "Parsing timer source '{}' failed with {}",
            Text(source),
            e.to_errno()
        ))
    })?;
    {
        let mut state = cable.state.lock();
        state.snd_timer_stream = substream.direction();
        state.snd_timer_id = tid;
    }
    let instance =
        TimerInstance::open(card.id().as_cstr(), &tid, cable.clone()).inspect_err(|e| {
            card.err(format_args!(
                "snd_timer_open ({},{},{}) failed with {}",
                tid.card,
                tid.device,
                tid.subdevice,
                e.to_errno()
            ))
        })?;
    cable.state.lock().snd_timer = Some(instance);
    Ok(())
}

/// Starts the timer (both ends share it). Called under the cable lock.
/// C: `loopback_snd_timer_start()`.
pub fn start(state: &CableState, card: &Card) -> Result {
    let Some(instance) = state.snd_timer.as_ref() else {
        return Ok(());
    };
    match instance.start(1) {
        // Already running, started by the other end.
        Err(e) if e == EBUSY => Ok(()),
        Err(e) => {
            let id = &state.snd_timer_id;
            card.err(format_args!(
                "snd_timer_start({},{},{}) failed with {}",
                id.card,
                id.device,
                id.subdevice,
                e.to_errno()
            ));
            Err(e)
        }
        Ok(()) => Ok(()),
    }
}

/// Stops the timer once neither end runs. Called under the cable lock.
/// C: `loopback_snd_timer_stop()`.
pub fn stop(state: &CableState, card: &Card) -> Result {
    if state.active() != 0 {
        return Ok(());
    }
    let Some(instance) = state.snd_timer.as_ref() else {
        return Ok(());
    };
    instance.stop().inspect_err(|e| {
        let id = &state.snd_timer_id;
        card.err(format_args!(
            "snd_timer_stop({},{},{}) failed with {}",
            id.card,
            id.device,
            id.subdevice,
            e.to_errno()
        ))
    })
}

/// Closes the timer when the cable's last end closes; waits for the drain work.
/// Called with `loopback->cable_lock` held. C: `loopback_snd_timer_close_cable()`.
pub fn close_cable(cable: &Cable) {
    let instance = cable.state.lock().snd_timer.take();
    if instance.is_none() {
        return;
    }
    // Closing sleeps (it waits for a running callback): outside the cable lock.
    drop(instance);
    snd::work::flush(&cable.event_work);
    let mut state = cable.state.lock();
    state.snd_timer_id = NO_TIMER_ID;
    state.snd_timer_stream = Direction::Playback;
}

/// Checks that the period matches the timer's tick. C: `loopback_snd_timer_check_resolution()`.
fn check_resolution(runtime: &Runtime, resolution: u64, id: &TimerId, card: &Card) -> Result {
    if resolution == u64::from(runtime.timer_resolution()) {
        return Ok(());
    }
    // C's unsigned long arithmetic: the resolution is whatever the timer source reports.
    let period_size_usec = (resolution / 1000).wrapping_mul(u64::from(runtime.rate()));
    // Round to the nearest sample.
    let period_size = period_size_usec.wrapping_add(500 * 1000) / (1000 * 1000);
    card.err(format_args!(
        "Period size ({} frames) of loopback device is not corresponding to timer resolution ({} nsec = {} frames) of card timer {},{},{}. Use period size of {} frames for loopback device.",
        runtime.period_size(),
        resolution,
        period_size,
        id.card,
        id.device,
        id.subdevice,
        period_size
    ));
    Err(EINVAL)
}

/// One timer period passed: move both ends by a period and report it.
/// C: `loopback_snd_timer_period_elapsed()`.
fn period_elapsed(cable: &Cable, event: i32, resolution: u64) {
    let play_bit = bit(Direction::Playback);
    let capt_bit = bit(Direction::Capture);
    let (play, capt) = {
        let mut state = cable.state.lock();
        let running = state.active();
        // Nothing to do if no stream is running.
        if running == 0 {
            return;
        }
        if event == event::MSTOP {
            let draining = state
                .end(Direction::Playback)
                .is_some_and(|p| p.substream.runtime().state() == State::DRAINING);
            if !draining {
                return;
            }
        }
        let end = |dir: Direction, on: bool| {
            on.then(|| state.end(dir).map(|e| e.substream.clone()))
                .flatten()
        };
        let play = end(Direction::Playback, running & play_bit != 0);
        let capt = end(Direction::Capture, running & capt_bit != 0);
        let Some(valid) = play.as_ref().or(capt.as_ref()) else {
            return;
        };
        let runtime = valid.runtime();
        // The resolution is only valid for ticks. The rules give both ends the same period,
        // so checking one is enough.
        if event == event::TICK
            && check_resolution(runtime, resolution, &state.snd_timer_id, valid.card()).is_err()
        {
            drop(state);
            if let Some(p) = &play {
                let _ = p.stop_xrun();
            }
            if let Some(c) = &capt {
                let _ = c.stop_xrun();
            }
            return;
        }
        let elapsed_bytes = runtime.frames_to_bytes(runtime.period_size()) as u32;
        let [p, c] = &mut state.streams;
        match (play.is_some(), capt.is_some(), p.as_mut(), c.as_mut()) {
            (true, true, Some(p), Some(c)) => {
                copy_play_buf(p, c, elapsed_bytes);
                p.pos.bytepos_finish(elapsed_bytes);
                c.pos.bytepos_finish(elapsed_bytes);
            }
            (true, false, Some(p), _) => p.pos.bytepos_finish(elapsed_bytes),
            (false, true, _, Some(c)) => {
                clear_capture_buf(c, elapsed_bytes);
                c.pos.bytepos_finish(elapsed_bytes);
            }
            _ => {}
        }
        (play, capt)
    };
    if let Some(p) = play {
        p.period_elapsed();
    }
    if let Some(c) = capt {
        c.period_elapsed();
    }
}

impl TimerClient for Cable {
    /// C: `loopback_snd_timer_function()`.
    fn tick(this: ArcBorrow<'_, Self>, resolution: u64, _ticks: u64) {
        period_elapsed(&this, event::TICK, resolution);
    }

    /// C: `loopback_snd_timer_event()`. Runs under the timer's lock, which trigger takes
    /// inside the cable lock: hand over to a work instead of taking the cable lock here.
    fn event(this: ArcBorrow<'_, Self>, event: i32, _resolution: u64) {
        if event == event::MSTOP {
            // The timer's card stopped: no more ticks. Forward a draining playback's data;
            // a running one is ended by the usual timeout (the timer may come back).
            let _ = workqueue::system().enqueue(Arc::<Cable>::from(this));
        }
    }
}

impl WorkItem for Cable {
    type Pointer = Arc<Cable>;

    /// C: `loopback_snd_timer_work()`.
    fn run(this: Arc<Cable>) {
        period_elapsed(&this, event::MSTOP, 0);
    }
}
