// SPDX-License-Identifier: GPL-2.0

//! The loopback sound card, in Rust.
//!
//! C: `sound/drivers/aloop.c` (`snd-aloop`). Each card has two PCM devices of
//! `pcm_substreams` playback and capture substreams; substream *n* of one device is cabled to
//! substream *n* of the other, so what is played on one end is captured on the other.
//!
//! Seed 003 (2026, "Wait for in-flight peer stops before freeing the cable"): starting a
//! playback with new parameters stopped the running capture after dropping `cable->lock`,
//! racing the capture's close. Here the cable holds an `snd::pcm::OpenSubstream` for each
//! end; the stop runs on a clone taken under the cable lock, and the PCM layer's close waits
//! for every such handle, so no stop can reach a closed or freed capture.

// No panic reachable from input (docs/panic-audit.md): arithmetic wraps or is checked as C's
// unsigned/int arithmetic does, indexing is checked, nothing unwraps. An exception carries
// `#[allow(..., reason = "...")]` saying why it cannot panic.
#![deny(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

extern crate snd;
#[cfg(CONFIG_SND_RS_KUNIT_TEST)]
extern crate snd_kunit;
extern crate snd_sync;

pub mod cable;
pub mod controls;
pub mod loopback;
pub mod pcm_ops;
pub mod position;
pub mod proc;
pub mod snd_timer;
#[cfg(CONFIG_SND_RS_KUNIT_TEST)]
mod tests;

use kernel::prelude::*;
use snd::platform::{DeviceRegistration, Registration};

// The module's name is the C module's when this one replaces it (Kconfig
// `SND_ALOOP_IMPL_RUST`: snd-aloop.ko, `snd_aloop.*` parameters), else its twin's, built beside
// the C module for the differential tests (snd-aloop-rs.ko). Kbuild picks the file name; the
// parameter macros check that it is this name.
#[cfg(CONFIG_SND_ALOOP_IMPL_RUST)]
module! {
    type: AloopModule,
    name: "snd_aloop",
    author: "snd-rs developers (C original: Jaroslav Kysela <perex@perex.cz>)",
    description: "A loopback soundcard",
    license: "GPL",
}
#[cfg(not(CONFIG_SND_ALOOP_IMPL_RUST))]
module! {
    type: AloopModule,
    name: "snd_aloop_rs",
    author: "snd-rs developers (C original: Jaroslav Kysela <perex@perex.cz>)",
    description: "A loopback soundcard",
    license: "GPL",
}

/// C: `SNDRV_CARDS`.
pub const CARDS: usize = snd::card::MAX_CARDS;

/// C: `{1, [1 ... (SNDRV_CARDS - 1)] = 0}`.
const ENABLE_DEFAULT: [bool; CARDS] = {
    let mut enable = [false; CARDS];
    enable[0] = true;
    enable
};

snd::module_param_array!(
    INDEX,
    index,
    int,
    [-1; CARDS],
    0o444,
    "Index value for loopback soundcard."
);
snd::module_param_array!(
    ID,
    id,
    charp,
    CARDS,
    0o444,
    "ID string for loopback soundcard."
);
snd::module_param_array!(
    ENABLE,
    enable,
    bool,
    ENABLE_DEFAULT,
    0o444,
    "Enable this loopback soundcard."
);
snd::module_param_array!(
    PCM_SUBSTREAMS,
    pcm_substreams,
    int,
    [8; CARDS],
    0o444,
    "PCM substreams # (1-8) for loopback driver."
);
snd::module_param_array!(
    PCM_NOTIFY,
    pcm_notify,
    int,
    [0; CARDS],
    0o444,
    "Break capture when PCM format/rate/channels changes."
);
snd::module_param_array!(
    TIMER_SOURCE,
    timer_source,
    charp,
    CARDS,
    0o444,
    "Sound card name or number and device/subdevice number of timer to be used. Empty string for jiffies timer [default]."
);

/// The platform driver and device name. C: `SND_LOOPBACK_DRIVER`.
const DRIVER_NAME: &CStr = kernel::c_str!("snd_aloop");

/// The registered driver and one device per enabled card.
///
/// C: `loopback_driver` and `devices[]`; fields drop in order, devices first, as
/// `loopback_unregister_all()` does.
struct AloopModule {
    _devices: [Option<DeviceRegistration>; CARDS],
    _driver: Pin<KBox<Registration<loopback::LoopbackDriver>>>,
}

impl kernel::Module for AloopModule {
    /// C: `alsa_card_loopback_init()`.
    fn init(module: &'static ThisModule) -> Result<Self> {
        let driver = KBox::pin_init(Registration::new(DRIVER_NAME, module), GFP_KERNEL)?;
        let mut devices: [Option<DeviceRegistration>; CARDS] = Default::default();
        let mut cards: u32 = 0;
        for (i, slot) in devices.iter_mut().enumerate() {
            if !ENABLE.get(i) {
                continue;
            }
            let Ok(device) = DeviceRegistration::new(DRIVER_NAME, i as i32) else {
                continue;
            };
            if !device.is_bound() {
                continue;
            }
            *slot = Some(device);
            cards = cards.saturating_add(1);
        }
        if cards == 0 {
            snd::log::err(kernel::c_str!("aloop: No loopback enabled"));
            return Err(ENODEV);
        }
        Ok(Self {
            _devices: devices,
            _driver: driver,
        })
    }
}
