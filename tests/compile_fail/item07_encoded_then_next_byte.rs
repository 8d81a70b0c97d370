// SPDX-License-Identifier: GPL-2.0
//! Item 7: an encoded event (a sysex points into the encoder's buffer) kept while the next
//! byte is encoded, which rewrites that buffer.
// expect-error: cannot borrow `*encoder` as mutable more than once at a time
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::seq::midi_event::MidiEncoder;

fn input(encoder: &mut MidiEncoder) {
    let first = encoder.encode_byte(0xf7);
    let second = encoder.encode_byte(0xf8);
    drop(first);
    drop(second);
}
