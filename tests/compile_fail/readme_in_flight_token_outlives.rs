// SPDX-License-Identifier: GPL-2.0
//! README (InFlight): a token borrows its counter; `drain` cannot miss a token that outlives
//! the counter it was counted in.
// expect-error: cannot return value referencing local variable `users`
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use snd_sync::{InFlight, InFlightToken};

fn enter() -> InFlightToken<'static> {
    let users = InFlight::new();
    users.enter()
}
