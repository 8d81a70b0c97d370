// SPDX-License-Identifier: GPL-2.0
//! Item 6: `take` while the same call chain holds a borrow: it would wait for itself.
// expect-error: cannot borrow `*chain` as mutable because it is also borrowed as immutable
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::{CallChain, Published};

fn unuse(output: &Published<u32>, chain: &mut CallChain) {
    let borrowed = output.borrow(chain);
    let taken = output.take(chain);
    drop(borrowed);
    drop(taken);
}
