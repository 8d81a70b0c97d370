// SPDX-License-Identifier: GPL-2.0
//! Item 3: keeping a buffer access beyond the handle (and so past the stop that lets
//! hw_free free the buffer).
// expect-error: cannot return value referencing function parameter `handle`
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::pcm::{BufferAccess, OpenSubstream};

fn keep(handle: OpenSubstream) -> Option<BufferAccess<'static>> {
    handle.buffer()
}
