// SPDX-License-Identifier: GPL-2.0
//! README (Published): a borrow borrows its owner; it cannot outlive it.
// expect-error: cannot return value referencing local variable `output`
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use kernel::prelude::*;
use snd_sync::{new_published, Borrowed, CallChain, Published};

fn make(chain: &'static CallChain) -> Result<Option<Borrowed<'static, u32>>> {
    let output: Pin<KBox<Published<u32>>> = KBox::pin_init(new_published!(), GFP_KERNEL)?;
    Ok(output.borrow(chain))
}
