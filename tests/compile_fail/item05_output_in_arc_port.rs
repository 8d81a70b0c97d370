// SPDX-License-Identifier: GPL-2.0
//! Item 5: the seed-001 pattern: the output slot holds an `Arc<Output>` that `event_input`
//! clones, so its last clone may release it in atomic context or after `unuse`.
// expect-error: cannot be sent between threads safely
// expect-error: required for `Arc<snd::rawmidi::Output>` to implement `Sync`
#![allow(missing_docs, dead_code)]
extern crate snd;
extern crate snd_sync;
use kernel::{prelude::*, sync::Arc};
use snd::rawmidi::Output;
use snd::seq::{client::PortOps, Event};
use snd_sync::CallChain;

struct Synth {
    output: Option<Arc<Output>>,
}

impl PortOps for Synth {
    fn subscribe(&self, _chain: &mut CallChain) -> Result {
        Ok(())
    }
    fn unsubscribe(&self, _chain: &mut CallChain) -> Result {
        Ok(())
    }
    fn use_port(&self, _chain: &mut CallChain) -> Result {
        Ok(())
    }
    fn unuse_port(&self, _chain: &mut CallChain) -> Result {
        Ok(())
    }
    fn event_input(&self, _c: &CallChain, _e: &Event, _d: bool, _a: bool, _h: i32) -> Result {
        let _clone = self.output.clone();
        Ok(())
    }
}
