// SPDX-License-Identifier: GPL-2.0

//! The sequencer ↔ rawmidi bridge ("MIDI synth" driver), in Rust.
//!
//! C: `sound/core/seq/seq_midi.c` (`snd-seq-midi`). For every rawmidi device the sequencer
//! core announces, one sequencer port per subdevice, on one kernel client per card: events
//! written to the port go out as MIDI bytes, MIDI bytes read from the device come in as
//! events to the port's subscribers.
//!
//! Seed 001 (2026, "Serialize output teardown with event_input"): C's event path used the
//! output substream while the last unsubscribe released it. Here the output is a
//! `snd_sync::Published` value: `use` publishes it only once its parameters are set, the
//! event path borrows it, `unuse` unpublishes it and waits for every borrow before it drains
//! and releases it. No path can reach a released substream.

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

pub mod driver;
pub mod port;
pub mod synth;
#[cfg(CONFIG_SND_RS_KUNIT_TEST)]
mod tests;

use kernel::prelude::*;
use snd::seq::device::Registration;

// The module's name is the C module's when this one replaces it (Kconfig
// `SND_SEQ_MIDI_IMPL_RUST`: snd-seq-midi.ko, which the sequencer core requests by name when a
// raw MIDI device appears), else its twin's, built beside the C module for the differential
// tests (snd-seq-midi-rs.ko).
#[cfg(CONFIG_SND_SEQ_MIDI_IMPL_RUST)]
module! {
    type: SeqMidiModule,
    name: "snd_seq_midi",
    author: "snd-rs developers (C original: Frank van de Pol, Jaroslav Kysela)",
    description: "Advanced Linux Sound Architecture sequencer MIDI synth.",
    license: "GPL",
}
#[cfg(not(CONFIG_SND_SEQ_MIDI_IMPL_RUST))]
module! {
    type: SeqMidiModule,
    name: "snd_seq_midi_rs",
    author: "snd-rs developers (C original: Frank van de Pol, Jaroslav Kysela)",
    description: "Advanced Linux Sound Architecture sequencer MIDI synth.",
    license: "GPL",
}

// C: `static int output_buffer_size = PAGE_SIZE; module_param(..., int, 0644)`.
snd::module_param_int!(
    OUTPUT_BUFFER_SIZE,
    output_buffer_size,
    kernel::page::PAGE_SIZE as i32,
    0o644,
    "Output buffer size in bytes."
);
snd::module_param_int!(
    INPUT_BUFFER_SIZE,
    input_buffer_size,
    kernel::page::PAGE_SIZE as i32,
    0o644,
    "Input buffer size in bytes."
);

/// The module: the registered driver, which unregisters (removing every port) on unload.
///
/// C: `module_snd_seq_driver(seq_midisynth_driver)`.
struct SeqMidiModule {
    _driver: Pin<KBox<Registration<driver::MidiSynthDriver>>>,
}

impl kernel::Module for SeqMidiModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // C: `.name = KBUILD_MODNAME`, the driver's name on the sequencer bus.
        let registration = Registration::new(
            snd::this_module_name!(),
            driver::MidiSynthDriver::new(),
            module,
        );
        Ok(Self {
            _driver: KBox::pin_init(registration, GFP_KERNEL)?,
        })
    }
}
