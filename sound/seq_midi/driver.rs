// SPDX-License-Identifier: GPL-2.0

//! The "seq-midi" sequencer device driver: one kernel client per card, one port per
//! rawmidi subdevice.

use crate::{
    port::{port_kind, port_name, SubdeviceInfo, MIDI_CHANNELS, PORTS_PER_DEVICE, PORT_TYPE},
    synth::MidiSynth,
};
use kernel::{
    error::code::{EINVAL, ENODEV, ENOMEM},
    new_mutex,
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex},
};
use snd::{
    rawmidi::{Info, Stream},
    seq::{
        client::{KernelClient, Port, PortInfo},
        device::{Driver, SeqDevice},
    },
};

const CARDS: usize = snd::card::MAX_CARDS;

/// A card's bridge client and how many rawmidi devices have ports on it.
///
/// C: `struct seq_midisynth_client` (its `ports[]` are the per-device [`DevicePorts`]).
struct CardClient {
    client: Arc<KernelClient>,
    devices: usize,
}

/// The ports of one rawmidi device, dropped (detached) when the device goes.
pub struct DevicePorts {
    card: usize,
    _ports: KVec<Port<MidiSynth>>,
}

/// The driver: the card clients, under the registration mutex.
///
/// C: `synths[SNDRV_CARDS]` and `register_mutex`.
#[pin_data]
pub struct MidiSynthDriver {
    #[pin]
    clients: Mutex<[Option<CardClient>; CARDS]>,
}

impl MidiSynthDriver {
    /// No cards yet.
    #[inline(never)]
    pub fn new() -> impl PinInit<Self, Error> {
        let clients = new_mutex!([const { None }; CARDS], "seq_midi::register_mutex");
        try_pin_init!(Self {
            clients <- clients,
        }? Error)
    }
}

/// Subdevice counts of a device's two streams; 0 for a stream it lacks.
fn subdevices(dev: &SeqDevice, device: u32, stream: Stream) -> u32 {
    Info::select(dev.card(), device, stream, 0).map_or(0, |info| info.subdevices_count())
}

impl Driver for MidiSynthDriver {
    type Data = DevicePorts;
    // SNDRV_SEQ_DEV_ID_MIDISYNTH, "seq-midi".
    const ID: &'static CStr = kernel::c_str!("seq-midi");

    /// C: `snd_seq_midisynth_probe()`. As in C, every failure after the counting is
    /// reported as `ENOMEM`.
    fn probe(&self, dev: &SeqDevice) -> Result<DevicePorts> {
        let card = dev.card();
        let device = u32::try_from(dev.device()).map_err(|_| EINVAL)?;
        if device >= snd::rawmidi::DEVICES {
            return Err(EINVAL);
        }
        let card_index = usize::try_from(card.number()).map_err(|_| EINVAL)?;
        let output_count = subdevices(dev, device, Stream::Output);
        let input_count = subdevices(dev, device, Stream::Input);
        let ports = output_count.max(input_count).min(PORTS_PER_DEVICE);
        if ports == 0 {
            return Err(ENODEV);
        }

        let mut clients = self.clients.lock();
        let slot = clients.get_mut(card_index).ok_or(EINVAL)?;
        let client = match slot {
            Some(existing) => existing.client.clone(),
            None => {
                let shortname = card.shortname();
                let name = if shortname.is_empty() {
                    kernel::c_str!("External MIDI")
                } else {
                    shortname
                };
                KernelClient::new(card, 0, name).map_err(|_| ENOMEM)?
            }
        };
        let made = make_ports(dev, &client, device, ports, output_count, input_count)
            .map_err(|_| ENOMEM)?;
        match slot {
            Some(existing) => existing.devices = existing.devices.wrapping_add(1),
            None => *slot = Some(CardClient { client, devices: 1 }),
        }
        Ok(DevicePorts {
            card: card_index,
            _ports: made,
        })
    }

    /// C: `snd_seq_midisynth_remove()`: the ports go first, the client with the card's last
    /// device.
    fn remove(&self, _dev: &SeqDevice, ports: DevicePorts) {
        let mut clients = self.clients.lock();
        let card = ports.card;
        drop(ports);
        if let Some(slot) = clients.get_mut(card) {
            if let Some(entry) = slot {
                entry.devices = entry.devices.saturating_sub(1);
                if entry.devices == 0 {
                    // The ports held the other references: the client is deleted here.
                    *slot = None;
                }
            }
        }
    }
}

/// Creates the ports of one rawmidi device on `client`.
fn make_ports(
    dev: &SeqDevice,
    client: &Arc<KernelClient>,
    device: u32,
    ports: u32,
    output_count: u32,
    input_count: u32,
) -> Result<KVec<Port<MidiSynth>>> {
    let card = dev.card();
    let mut made = KVec::with_capacity(ports as usize, GFP_KERNEL)?;
    for p in 0..ports {
        let rawmidi = dev.rawmidi().ok_or(ENODEV)?;
        // C: `device * (256 / SNDRV_RAWMIDI_DEVICES) + p`, in int.
        let number = u8::try_from(device.wrapping_mul(PORTS_PER_DEVICE).wrapping_add(p))
            .map_err(|_| EINVAL)?;
        let stream = if p < output_count {
            Stream::Output
        } else {
            Stream::Input
        };
        // C memsets the info first: a failed select leaves everything empty.
        let sub_info = Info::select(card, device, stream, p).ok();
        let sub = SubdeviceInfo {
            subname: sub_info.as_ref().map_or(&[][..], |i| i.subname()),
            name: sub_info.as_ref().map_or(&[][..], |i| i.name()),
            flags: sub_info.as_ref().map_or(0, |i| i.flags()),
        };
        let mut info = PortInfo::new()?;
        info.set_given_port(number);
        info.set_name(port_name(&sub, ports, card.number(), device, p).as_bytes());
        let kind = port_kind(sub.flags, p, output_count, input_count);
        info.set_kind(kind.capability, PORT_TYPE, kind.direction, MIDI_CHANNELS);
        rawmidi.adjust_port_info(p as i32, &mut info);
        let synth = KBox::pin_init(
            MidiSynth::new(rawmidi, p as i32, client.clone(), number)?,
            GFP_KERNEL,
        )?;
        let port = KernelClient::create_port(client, &mut info, &crate::THIS_MODULE, synth)?;
        made.push(port, GFP_KERNEL)?;
    }
    Ok(made)
}
