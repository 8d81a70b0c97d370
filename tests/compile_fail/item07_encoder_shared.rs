// SPDX-License-Identifier: GPL-2.0
//! Item 7: an encoder shared between threads (another thread's byte would rewrite the
//! buffer an encoded sysex points into).
// expect-error: cannot be shared between threads safely
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::seq::midi_event::MidiEncoder;

fn shared_by_threads<T: Sync>() {}

fn check() {
    shared_by_threads::<MidiEncoder>();
}
