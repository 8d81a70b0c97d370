// SPDX-License-Identifier: GPL-2.0
//! Item 1: a registered card has no way to change its names.
// expect-error: no method named `set_mixername` found
#![allow(missing_docs, dead_code)]
extern crate snd;
use kernel::c_str;
use snd::card::RegisteredCard;

fn resume(card: &mut RegisteredCard<u32>) {
    card.set_mixername(c_str!("Renamed Mixer"));
}
