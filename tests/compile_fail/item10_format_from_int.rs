// SPDX-License-Identifier: GPL-2.0
//! Item 10: a sample format made from any integer.
// expect-error: found enum `Format`
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::pcm::Format;

fn setup() -> Format {
    Format(29)
}
