// SPDX-License-Identifier: GPL-2.0
//! Item 9: a stop counted under some other lock than the one teardown detaches under.
// expect-error: no method named `begin_stop` found
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::{IrqSpinLock, StopLock};

fn check_format(cable: &StopLock<u32>, other: &IrqSpinLock<u32>) {
    let guard = other.lock();
    let _stop = guard.begin_stop();
    cable.wait_idle();
}
