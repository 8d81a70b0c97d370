// SPDX-License-Identifier: GPL-2.0

//! The OSS sequencer's MIDI input queue (`/dev/sequencer` reads), in Rust.
//!
//! C: `sound/core/seq/oss/seq_oss_readq.c`. Linked into `snd-seq-oss-rs` with the unchanged C
//! parts of snd-seq-oss, which call it through `seq_oss_readq.h` ([`c_api`]).
//!
//! Seed 000 (2026, "Serialize readq reset state with q->lock"): C reset the ring without the
//! queue lock while readers freed records under it. Here the ring (records, length, head,
//! tail, last input time) is a value inside an IRQ-safe spinlock, so no path can reach it
//! without the lock; the C callers that touched the struct directly go through functions.

// No panic reachable from input (docs/panic-audit.md): arithmetic wraps or is checked as C's
// unsigned/int arithmetic does, indexing is checked, nothing unwraps. An exception carries
// `#[allow(..., reason = "...")]` saying why it cannot panic.
#![deny(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

extern crate snd;
#[cfg(CONFIG_SND_RS_KUNIT_TEST)]
extern crate snd_kunit;
extern crate snd_sync;

pub mod c_api;
pub mod queue;
pub mod record;
#[cfg(CONFIG_SND_RS_KUNIT_TEST)]
mod tests;
