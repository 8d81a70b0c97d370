// SPDX-License-Identifier: GPL-2.0
//! Item 5: taking (and so releasing, which sleeps) the output from the event callback, which
//! may run in atomic context: it only gets its call chain shared.
// expect-error: types differ in mutability
#![allow(missing_docs, dead_code)]
extern crate snd;
extern crate snd_sync;
use snd::rawmidi::{Output, StreamSlot};
use snd_sync::CallChain;

fn event_input(slot: &StreamSlot<Output>, chain: &CallChain) {
    drop(slot.take(chain));
}
