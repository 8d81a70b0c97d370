// SPDX-License-Identifier: GPL-2.0
//! Item 10: a stream state made from any integer.
// expect-error: found enum `State`
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::pcm::{OpenSubstream, State};

fn stop(capture: &OpenSubstream) -> bool {
    capture.stop_if_running(State(42))
}
