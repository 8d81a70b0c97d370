// SPDX-License-Identifier: GPL-2.0

//! How a rawmidi subdevice becomes a sequencer port: its name and capabilities.
//!
//! C: the port description in `snd_seq_midisynth_probe()`; pure functions, tested in KUnit.

use core::fmt::{self, Write};
use snd::rawmidi::{info_flags, DEVICES};
use snd::seq::client::{cap, dir, port_type};

/// Ports per rawmidi device: port numbers are `device * PORTS_PER_DEVICE + subdevice`.
///
/// C: `256 / SNDRV_RAWMIDI_DEVICES`.
pub const PORTS_PER_DEVICE: u32 = 256 / DEVICES;

/// The longest port name (the C array holds 64 bytes with the NUL).
const NAME_MAX: usize = 63;

/// A port name, built like C's `strcpy()`/`scnprintf()` into `port->name`.
pub struct PortName {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl PortName {
    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl PortName {
    /// Appends what fits, like `scnprintf()`: the rest is cut off silently.
    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = b;
                self.len = self.len.saturating_add(1);
            }
        }
    }
}

impl Write for PortName {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

/// What the rawmidi core told about the subdevice (`snd_rawmidi_info_select()`); all empty
/// when that failed (C memsets the info first).
pub struct SubdeviceInfo<'a> {
    /// `info->subname`, without NUL.
    pub subname: &'a [u8],
    /// `info->name`, without NUL.
    pub name: &'a [u8],
    /// `info->flags` (`SNDRV_RAWMIDI_INFO_*`).
    pub flags: u32,
}

/// The port's name: the subdevice name; else the device name (with `-<subdevice>` when the
/// device has several ports); else `MIDI <card>-<device>[-<subdevice>]`.
///
/// C: the `port->name` lines of `snd_seq_midisynth_probe()`.
pub fn port_name(
    info: &SubdeviceInfo<'_>,
    ports: u32,
    card: i32,
    device: u32,
    sub: u32,
) -> PortName {
    let mut name = PortName {
        bytes: [0; NAME_MAX],
        len: 0,
    };
    // Names are bytes, not necessarily UTF-8 (C copies them as they are).
    if !info.subname.is_empty() {
        name.push(info.subname);
    } else if !info.name.is_empty() {
        name.push(info.name);
        if ports > 1 {
            let _ = write!(name, "-{sub}");
        }
    } else {
        let _ = write!(name, "MIDI {card}-{device}");
        if ports > 1 {
            let _ = write!(name, "-{sub}");
        }
    }
    name
}

/// A port's capability bits and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortKind {
    /// `SNDRV_SEQ_PORT_CAP_*`.
    pub capability: u32,
    /// `SNDRV_SEQ_PORT_DIR_*`.
    pub direction: u8,
}

/// Writable (to the device) if the device has output and the port is one of its output
/// subdevices, readable likewise for input, duplex if both and the device says so.
///
/// C: the `port->capability` and `port->direction` lines of `snd_seq_midisynth_probe()`.
pub fn port_kind(flags: u32, sub: u32, output_count: u32, input_count: u32) -> PortKind {
    let mut capability = 0;
    if flags & info_flags::OUTPUT != 0 && sub < output_count {
        capability |= cap::WRITE | cap::SYNC_WRITE | cap::SUBS_WRITE;
    }
    if flags & info_flags::INPUT != 0 && sub < input_count {
        capability |= cap::READ | cap::SYNC_READ | cap::SUBS_READ;
    }
    let both = cap::WRITE | cap::READ;
    if capability & both == both && flags & info_flags::DUPLEX != 0 {
        capability |= cap::DUPLEX;
    }
    let mut direction = 0;
    if capability & cap::READ != 0 {
        direction |= dir::INPUT;
    }
    if capability & cap::WRITE != 0 {
        direction |= dir::OUTPUT;
    }
    PortKind {
        capability,
        direction,
    }
}

/// Every bridge port is a generic MIDI hardware port. C: `port->type`.
pub const PORT_TYPE: u32 = port_type::MIDI_GENERIC | port_type::HARDWARE | port_type::PORT;

/// MIDI channels per port. C: `port->midi_channels = 16`.
pub const MIDI_CHANNELS: i32 = 16;
