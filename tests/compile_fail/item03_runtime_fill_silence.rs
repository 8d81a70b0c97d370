// SPDX-License-Identifier: GPL-2.0
//! Item 3: the DMA buffer reached through the runtime, which outlives the buffer (hw_free
//! frees it before close).
// expect-error: no method named `fill_silence` found
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::pcm::OpenSubstream;

fn timer(handle: &OpenSubstream) {
    handle.runtime().fill_silence(0, 64);
}
