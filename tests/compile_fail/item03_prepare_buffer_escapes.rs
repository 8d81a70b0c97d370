// SPDX-License-Identifier: GPL-2.0
//! Item 3: the buffer handed to prepare, kept for later (say, for a timer that would run
//! after hw_free freed it).
// expect-error: lifetime may not live long enough
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::pcm::Buffer;

struct Stream {
    buffer: Option<&'static Buffer<'static>>,
}

fn prepare(stream: &mut Stream, buffer: &Buffer<'_>) {
    stream.buffer = Some(buffer);
}
