// SPDX-License-Identifier: GPL-2.0

//! The card: its driver data, the per-substream setup the controls show, and the platform
//! driver that creates it.

use crate::cable::Cable;
use crate::{controls, pcm_ops::LoopbackOps, proc};
use kernel::{c_str, new_mutex, prelude::*, sync::Arc, sync::Mutex};
use snd::card::{OwnedCard, PowerState, RegisteredCard};
use snd::control::ElemId;
use snd::pcm::{Access, Format};
use snd::platform::{self, Device};
use snd_sync::{new_irq_spinlock, IrqSpinLock};

/// C: `MAX_PCM_SUBSTREAMS`.
pub const MAX_PCM_SUBSTREAMS: usize = 8;

/// C: `NO_PITCH`.
pub const NO_PITCH: u32 = 100000;

/// What the controls of one capture-side substream show and set.
///
/// C: `struct loopback_setup`.
#[derive(Clone, Copy)]
pub struct Setup {
    /// Stop a running capture when a playback with other parameters starts.
    pub notify: bool,
    /// Pitch, in 1/100000 of the nominal rate.
    pub rate_shift: u32,
    /// The parameters of the playback last started on the cable.
    pub format: Format,
    /// As above.
    pub rate: u32,
    /// As above.
    pub access: Access,
    /// As above.
    pub channels: u32,
    /// Ids of the controls notified when the values above change.
    pub active_id: ElemId,
    /// As above.
    pub format_id: ElemId,
    /// As above.
    pub rate_id: ElemId,
    /// As above.
    pub channels_id: ElemId,
    /// As above.
    pub access_id: ElemId,
}

impl Setup {
    /// The defaults of `loopback_mixer_new()`.
    const fn new(notify: bool) -> Self {
        Self {
            notify,
            rate_shift: NO_PITCH,
            format: Format::S16_LE,
            access: Access::RW_INTERLEAVED,
            rate: 48000,
            channels: 2,
            active_id: ElemId::zero(),
            format_id: ElemId::zero(),
            rate_id: ElemId::zero(),
            channels_id: ElemId::zero(),
            access_id: ElemId::zero(),
        }
    }
}

/// Every substream's setup, `[substream][device]`. Trigger (atomic context) writes it, so it
/// sits behind an IRQ-safe spinlock; streams hold an `Arc` of it for their timers.
///
/// C: `loopback->setup`, written under `cable->lock` and read without a lock.
#[pin_data]
pub struct Setups {
    /// The table.
    #[pin]
    pub table: IrqSpinLock<[[Setup; 2]; MAX_PCM_SUBSTREAMS]>,
}

/// The cables and the timer source; opening, closing, preparing and the proc files take it.
///
/// C: the fields `loopback->cable_lock` protects.
pub struct CableTable {
    /// `[substream][cable]`: cable 0 is fed by device 0's playback, cable 1 by device 1's.
    pub cables: [[Option<Arc<Cable>>; 2]; MAX_PCM_SUBSTREAMS],
    /// The ALSA timer to pace new cables by (empty: jiffies).
    pub timer_source: KVec<u8>,
}

impl CableTable {
    /// The cable of subdevice `number` fed by device `dev`'s playback, if open.
    /// C: `loopback->cables[number][dev]`.
    pub fn cable(&self, number: usize, dev: usize) -> Option<&Arc<Cable>> {
        self.cables.get(number)?.get(dev)?.as_ref()
    }

    /// The slot of that cable, to fill or empty; `None` for a subdevice or device the card
    /// does not have.
    pub fn slot(&mut self, number: usize, dev: usize) -> Option<&mut Option<Arc<Cable>>> {
        self.cables.get_mut(number)?.get_mut(dev)
    }
}

/// The card's driver data.
///
/// C: `struct loopback`.
#[pin_data]
pub struct Loopback {
    /// C: `loopback->cable_lock` and what it protects.
    #[pin]
    pub cables: Mutex<CableTable>,
    /// C: `loopback->setup`.
    pub setups: Arc<Setups>,
}

impl Setups {
    /// Runs `f` on setup `[sub][dev]` under the lock (reading only what it needs: this runs on
    /// every timer tick); `None` for an index past the table.
    pub fn with<R>(
        &self,
        (sub, dev): (usize, usize),
        f: impl FnOnce(&mut Setup) -> R,
    ) -> Option<R> {
        let mut table = self.table.lock();
        table.get_mut(sub).and_then(|row| row.get_mut(dev)).map(f)
    }

    /// Every setup at its default (C: `loopback_mixer_new()`), with `notify`.
    pub(crate) fn new(notify: bool) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Setups {
                table <- new_irq_spinlock!(
                    [[Setup::new(notify); 2]; MAX_PCM_SUBSTREAMS],
                    "Loopback::setups"
                ),
            }),
            GFP_KERNEL,
        )
    }
}

impl Loopback {
    pub(crate) fn new(notify: bool, timer_source: KVec<u8>) -> Result<impl PinInit<Self, Error>> {
        let setups = Setups::new(notify)?;
        let table = CableTable {
            cables: Default::default(),
            timer_source,
        };
        Ok(try_pin_init!(Self {
            cables <- new_mutex!(table, "Loopback::cable_lock"),
            setups,
        }))
    }
}

/// The platform driver. C: `loopback_driver`.
pub struct LoopbackDriver;

impl platform::Driver for LoopbackDriver {
    type Data = RegisteredCard<Loopback>;

    /// C: `loopback_probe()`.
    fn probe(device: &Device) -> Result<Pin<KBox<RegisteredCard<Loopback>>>> {
        let mut dev = device.id();
        if dev < 0 || dev as usize >= crate::CARDS {
            device.warn(format_args!("Invalid card index {dev}, using default 0\n"));
            dev = 0;
        }
        let dev = dev as usize;
        let mut source = KVec::new();
        if let Some(s) = crate::TIMER_SOURCE.get(dev) {
            source.extend_from_slice(s.as_bytes(), GFP_KERNEL)?;
        }
        let notify = crate::PCM_NOTIFY.get(dev).unwrap_or(0) != 0;
        let mut card = OwnedCard::new(
            device,
            crate::INDEX.get(dev).unwrap_or(-1),
            crate::ID.get(dev),
            &crate::THIS_MODULE,
            Loopback::new(notify, source)?,
        )?;
        // C writes the clamped value back into the parameter.
        let requested = crate::PCM_SUBSTREAMS.get(dev).unwrap_or(8);
        let substreams = requested.clamp(1, MAX_PCM_SUBSTREAMS as i32);
        if substreams != requested {
            crate::PCM_SUBSTREAMS.set(dev, substreams);
        }

        let name = c_str!("Loopback PCM");
        snd::pcm::new_pcm::<LoopbackOps>(&card, name, 0, substreams, substreams, name)?;
        snd::pcm::new_pcm::<LoopbackOps>(&card, name, 1, substreams, substreams, name)?;
        controls::add_all(&mut card, substreams as u32)?;
        // C ignores these errors.
        let _ = snd::info::add_text::<proc::CableInfo>(&card, c_str!("cable#0"));
        let _ = snd::info::add_text::<proc::CableInfo>(&card, c_str!("cable#1"));
        let _ = snd::info::add_text::<proc::TimerSourceInfo>(&card, c_str!("timer_source"));
        let loopback = c_str!("Loopback");
        card.set_names(
            loopback,
            loopback,
            format_args!("Loopback {}", dev.wrapping_add(1)),
        );
        let card = card.register()?;
        KBox::pin(card, GFP_KERNEL).map_err(Into::into)
    }

    /// C: `loopback_suspend()`.
    fn suspend(card: &RegisteredCard<Loopback>) -> Result {
        card.set_power_state(PowerState::D3hot);
        Ok(())
    }

    /// C: `loopback_resume()`.
    fn resume(card: &RegisteredCard<Loopback>) -> Result {
        card.set_power_state(PowerState::D0);
        Ok(())
    }
}
