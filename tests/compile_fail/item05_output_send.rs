// SPDX-License-Identifier: GPL-2.0
//! Item 5: an output (whose drop sleeps) carried to another context.
// expect-error: cannot be sent between threads safely
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::rawmidi::Output;

fn to_another_context<T: Send>(_value: T) {}

fn use_port(output: Output) {
    to_another_context(output);
}
