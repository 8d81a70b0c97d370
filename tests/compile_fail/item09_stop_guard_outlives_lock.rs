// SPDX-License-Identifier: GPL-2.0
//! Item 9 / README (StopLock): a stop guard borrows its lock; it cannot outlive it.
// expect-error: lifetime may not live long enough
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::{StopGuard, StopLock};

fn begin<'a>(cable: &'a StopLock<u32>) -> StopGuard<'static> {
    cable.lock().begin_stop()
}
