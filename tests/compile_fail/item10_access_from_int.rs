// SPDX-License-Identifier: GPL-2.0
//! Item 10: an access type made from any integer.
// expect-error: found enum `Access`
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::pcm::Access;

fn access() -> Access {
    Access(7)
}
