// SPDX-License-Identifier: GPL-2.0

//! The seven controls of each substream: rate shift and notify (writable), and what the
//! cable's playback is doing (read-only).
//!
//! C: `loopback_controls[]` and `loopback_mixer_new()`.

use crate::loopback::{Loopback, Setup};
use kernel::{c_str, prelude::*, str::CStr};
use snd::card::OwnedCard;
use snd::control::{self, access, Control, ElemId, ElemInfo, ElemValue, Iface};
use snd::pcm::{Direction, Format};

/// Runs `f` on the setup a control of `id` shows (C: `loopback->setup[id.subdevice]
/// [id.device]`); `EINVAL` for an id outside the table, which `add_all` never makes.
fn with_setup<R>(chip: &Loopback, id: &ElemId, f: impl FnOnce(&mut Setup) -> R) -> Result<R> {
    let at = (id.subdevice() as usize, id.device() as usize);
    chip.setups.with(at, f).ok_or(EINVAL)
}

/// "PCM Rate Shift 100000". C: `loopback_rate_shift_info/get/put()`.
pub struct RateShift;

#[vtable]
impl Control for RateShift {
    type Chip = Loopback;
    const NAME: &'static CStr = c_str!("PCM Rate Shift 100000");
    const IFACE: Iface = Iface::Pcm;

    fn info(info: &mut ElemInfo) -> Result {
        info.set_integer(1, 80000, 120000, 1);
        Ok(())
    }

    fn get(chip: &Loopback, id: &ElemId, value: &mut ElemValue) -> Result {
        value.set_integer(0, with_setup(chip, id, |s| s.rate_shift)?.into());
        Ok(())
    }

    fn put(chip: &Loopback, id: &ElemId, value: &ElemValue) -> Result<bool> {
        // C: `unsigned int val = value[0]`, so a negative value wraps high and clamps to max.
        let val = (value.integer(0) as u32).clamp(80000, 120000);
        with_setup(chip, id, |setup| {
            let changed = setup.rate_shift != val;
            setup.rate_shift = val;
            changed
        })
    }
}

/// "PCM Notify". C: `loopback_notify_get/put()`.
pub struct Notify;

#[vtable]
impl Control for Notify {
    type Chip = Loopback;
    const NAME: &'static CStr = c_str!("PCM Notify");
    const IFACE: Iface = Iface::Pcm;

    fn info(info: &mut ElemInfo) -> Result {
        info.set_boolean_mono();
        Ok(())
    }

    fn get(chip: &Loopback, id: &ElemId, value: &mut ElemValue) -> Result {
        value.set_integer(0, with_setup(chip, id, |s| s.notify)?.into());
        Ok(())
    }

    fn put(chip: &Loopback, id: &ElemId, value: &ElemValue) -> Result<bool> {
        let val = value.integer(0) != 0;
        with_setup(chip, id, |setup| {
            let changed = setup.notify != val;
            setup.notify = val;
            changed
        })
    }
}

/// "PCM Slave Active": whether the cable's playback runs. C: `loopback_active_get()`.
pub struct SlaveActive;

#[vtable]
impl Control for SlaveActive {
    type Chip = Loopback;
    const NAME: &'static CStr = c_str!("PCM Slave Active");
    const IFACE: Iface = Iface::Pcm;
    const ACCESS: u32 = access::READ;

    fn info(info: &mut ElemInfo) -> Result {
        info.set_boolean_mono();
        Ok(())
    }

    fn get(chip: &Loopback, id: &ElemId, value: &mut ElemValue) -> Result {
        let table = chip.cables.lock();
        let sub = id.subdevice() as usize % crate::loopback::MAX_PCM_SUBSTREAMS;
        let val = table
            .cable(sub, (id.device() as usize & 1) ^ 1)
            .is_some_and(|cable| {
                cable.state.lock().active() & crate::cable::bit(Direction::Playback) != 0
            });
        value.set_integer(0, val.into());
        Ok(())
    }
}

/// "PCM Slave Format". C: `loopback_format_info/get()`.
pub struct SlaveFormat;

#[vtable]
impl Control for SlaveFormat {
    type Chip = Loopback;
    const NAME: &'static CStr = c_str!("PCM Slave Format");
    const IFACE: Iface = Iface::Pcm;
    const ACCESS: u32 = access::READ;

    fn info(info: &mut ElemInfo) -> Result {
        info.set_integer(1, 0, Format::LAST.raw().into(), 1);
        Ok(())
    }

    fn get(chip: &Loopback, id: &ElemId, value: &mut ElemValue) -> Result {
        value.set_integer(0, with_setup(chip, id, |s| s.format.raw())?.into());
        Ok(())
    }
}

/// "PCM Slave Rate". C: `loopback_rate_info/get()`.
pub struct SlaveRate;

#[vtable]
impl Control for SlaveRate {
    type Chip = Loopback;
    const NAME: &'static CStr = c_str!("PCM Slave Rate");
    const IFACE: Iface = Iface::Pcm;
    const ACCESS: u32 = access::READ;

    fn info(info: &mut ElemInfo) -> Result {
        info.set_integer(1, 0, 192000, 1);
        Ok(())
    }

    fn get(chip: &Loopback, id: &ElemId, value: &mut ElemValue) -> Result {
        value.set_integer(0, with_setup(chip, id, |s| s.rate)?.into());
        Ok(())
    }
}

/// "PCM Slave Channels". C: `loopback_channels_info/get()`.
pub struct SlaveChannels;

#[vtable]
impl Control for SlaveChannels {
    type Chip = Loopback;
    const NAME: &'static CStr = c_str!("PCM Slave Channels");
    const IFACE: Iface = Iface::Pcm;
    const ACCESS: u32 = access::READ;

    fn info(info: &mut ElemInfo) -> Result {
        info.set_integer(1, 1, 1024, 1);
        Ok(())
    }

    fn get(chip: &Loopback, id: &ElemId, value: &mut ElemValue) -> Result {
        value.set_integer(0, with_setup(chip, id, |s| s.channels)?.into());
        Ok(())
    }
}

/// "PCM Slave Access Mode". C: `loopback_access_info/get()`.
pub struct SlaveAccess;

#[vtable]
impl Control for SlaveAccess {
    type Chip = Loopback;
    const NAME: &'static CStr = c_str!("PCM Slave Access Mode");
    const IFACE: Iface = Iface::Pcm;
    const ACCESS: u32 = access::READ;

    fn info(info: &mut ElemInfo) -> Result {
        info.set_enumerated(1, &[c_str!("Interleaved"), c_str!("Non-interleaved")])
    }

    fn get(chip: &Loopback, id: &ElemId, value: &mut ElemValue) -> Result {
        let interleaved = with_setup(chip, id, |s| s.access.is_interleaved())?;
        value.set_enumerated(0, u32::from(!interleaved));
        Ok(())
    }
}

/// Adds every substream's controls, device by device, in C's order (so numids match), and
/// records the ids trigger notifies. C: `loopback_mixer_new()`.
pub fn add_all(card: &mut OwnedCard<Loopback>, substreams: u32) -> Result {
    card.set_mixername(c_str!("Loopback Mixer"));
    for dev in 0..2u32 {
        for sub in 0..substreams {
            control::add::<RateShift>(card, dev, sub)?;
            control::add::<Notify>(card, dev, sub)?;
            let active = control::add::<SlaveActive>(card, dev, sub)?;
            let format = control::add::<SlaveFormat>(card, dev, sub)?;
            let rate = control::add::<SlaveRate>(card, dev, sub)?;
            let channels = control::add::<SlaveChannels>(card, dev, sub)?;
            let access = control::add::<SlaveAccess>(card, dev, sub)?;
            card.data()
                .setups
                .with((sub as usize, dev as usize), |setup| {
                    setup.active_id = active;
                    setup.format_id = format;
                    setup.rate_id = rate;
                    setup.channels_id = channels;
                    setup.access_id = access;
                })
                .ok_or(EINVAL)?;
        }
    }
    Ok(())
}
