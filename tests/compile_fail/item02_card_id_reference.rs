// SPDX-License-Identifier: GPL-2.0
//! Item 2: a reference into `card->id`, which userspace rewrites through sysfs.
// expect-error: cannot return value referencing temporary value
#![allow(missing_docs, dead_code)]
extern crate snd;
use kernel::str::CStr;
use snd::card::Card;

fn id(card: &Card) -> &CStr {
    card.id().as_cstr()
}
