// SPDX-License-Identifier: GPL-2.0
//! Item 8: an IRQ-safe lock guard handed to another thread would give back another CPU's
//! interrupt-disable count.
// expect-error: cannot be sent between threads safely
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::IrqSpinLock;

fn to_another_thread<T: Send>(_value: T) {}

fn nested(lock: &IrqSpinLock<u32>) {
    to_another_thread(lock.lock());
}
