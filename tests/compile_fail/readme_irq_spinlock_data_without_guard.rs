// SPDX-License-Identifier: GPL-2.0
//! README (IrqSpinLock): the protected data exists only behind the guard.
// expect-error: is private
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::IrqSpinLock;

fn reset(queue: &IrqSpinLock<u32>) {
    unsafe { *queue.data.get() = 0 };
}
