// SPDX-License-Identifier: GPL-2.0
//! Item 7: an encoded event kept after its encoder (and its buffer) is freed.
// expect-error: does not live long enough
#![allow(missing_docs, dead_code)]
extern crate snd;
use kernel::prelude::*;
use snd::seq::midi_event::MidiEncoder;

fn input() -> Result {
    let event = {
        let mut encoder = MidiEncoder::new(16)?;
        encoder.encode_byte(0xf8)
    };
    drop(event);
    Ok(())
}
