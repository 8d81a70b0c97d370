// SPDX-License-Identifier: GPL-2.0
//! Item 4: refining a mask parameter as an interval (C would index `intervals[-8]`).
// expect-error: expected `IntervalParam`, found `MaskParam`
#![allow(missing_docs, dead_code)]
extern crate snd;
use kernel::prelude::*;
use snd::pcm::{HwParams, MaskParam};

fn rule(params: &mut HwParams) -> Result<bool> {
    params.refine_range(MaskParam::Format, 0, 10)
}
