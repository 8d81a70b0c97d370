// SPDX-License-Identifier: GPL-2.0
//! Item 1: card names rewritten after `register()`, while /proc and ioctls read them.
// expect-error: borrow of moved value: `card`
#![allow(missing_docs, dead_code)]
extern crate snd;
use kernel::{c_str, prelude::*};
use snd::card::OwnedCard;

fn probe(mut card: OwnedCard<u32>) -> Result {
    let registered = card.register()?;
    card.set_names(c_str!("X"), c_str!("X"), format_args!("X"));
    drop(registered);
    Ok(())
}
