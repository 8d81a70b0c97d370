// SPDX-License-Identifier: GPL-2.0
//! README (Published): the value is reachable only while the borrow lives, so nothing of it
//! is used after `take` hands it to teardown.
// expect-error: cannot return value referencing local variable `borrowed`
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::{CallChain, Published};

fn peek<'a>(output: &'a Published<u32>, chain: &'a CallChain) -> Option<&'a u32> {
    let borrowed = output.borrow(chain)?;
    Some(&*borrowed)
}
