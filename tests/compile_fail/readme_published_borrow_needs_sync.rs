// SPDX-License-Identifier: GPL-2.0
//! README (Published): `borrow` needs `T: Sync` (borrowers on several CPUs share it).
// expect-error: doesn't satisfy `Cell<u32>: Sync`
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use core::cell::Cell;
use snd_sync::{CallChain, Published};

fn event_input(output: &Published<Cell<u32>>, chain: &CallChain) {
    if let Some(value) = output.borrow(chain) {
        value.set(1);
    }
}
