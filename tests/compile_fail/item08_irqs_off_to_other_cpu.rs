// SPDX-License-Identifier: GPL-2.0
//! Item 8: `IrqsOff` shares the per-CPU count; it cannot leave its CPU either.
// expect-error: cannot be sent between threads safely
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::IrqsOff;

fn to_another_thread<T: Send>(_value: T) {}

fn f() {
    to_another_thread(IrqsOff::disable());
}
