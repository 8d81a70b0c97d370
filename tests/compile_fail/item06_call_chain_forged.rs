// SPDX-License-Identifier: GPL-2.0
//! Item 6: a second call chain made inside a chain that borrows, to take anyway.
// expect-error: is unsafe and requires unsafe
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::{CallChain, Published};

fn event_input(output: &Published<u32>, chain: &CallChain) {
    let _borrowed = output.borrow(chain);
    let mut fresh = CallChain::new();
    drop(output.take(&mut fresh));
}
