// SPDX-License-Identifier: GPL-2.0
//! Item 6: `take` (which sleeps) where only a shared chain is given (an event callback).
// expect-error: types differ in mutability
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::{CallChain, Published};

fn event_input(output: &Published<u32>, chain: &CallChain) {
    drop(output.take(chain));
}
