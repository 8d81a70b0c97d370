// SPDX-License-Identifier: GPL-2.0
//! Item 4: reading an interval parameter as a mask.
// expect-error: expected `MaskParam`, found `IntervalParam`
#![allow(missing_docs, dead_code)]
extern crate snd;
use snd::pcm::{HwParams, IntervalParam};

fn rule(params: &HwParams) -> u64 {
    params.mask(IntervalParam::Rate)
}
