// SPDX-License-Identifier: GPL-2.0

//! Locking helpers shared by the snd-rs modules (readq, seq_midi, aloop).
//!
//! The three 2026 race fixes in `seq_oss_readq.c`, `seq_midi.c` and `aloop.c` are one bug told
//! three times: state touched outside the lock that protects it, and an object freed while a
//! path that borrowed it is still running. This crate makes those mistakes unrepresentable, once,
//! for all three modules.
//!
//! | need | use | C idiom it replaces | seed |
//! |---|---|---|---|
//! | state used in IRQ and process context | [`IrqSpinLock`] | `spin_lock_irqsave()` | 000, 003 |
//! | an object others use, torn down safely | [`Published`] | spinlock + `snd_use_lock_t` | 001 |
//! | work ending after its lock is dropped | [`StopLock`] | count + `wait_event()` | 003 |
//! | a bare count of users to wait for | [`InFlight`] | `snd_use_lock_t` | 001 |
//! | sleeping until a condition holds | [`WaitQueue`] | `wait_event_timeout()` / `wake_up()` | |
//!
//! Everything that can be called from interrupt context says so; everything that waits starts
//! with `might_sleep()`, so calling it from atomic context is reported even when it would not
//! have slept.
//!
//! The `new_…!` macros give each call site a static lockdep class. Call them from non-generic
//! code that is not inlined into other crates (`#[inline(never)]` on small constructors): a
//! generic or inlined function shares one static among its copies while each crate has its
//! own copy of the name, and lockdep warns when the two meet.

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
#![no_std]

mod in_flight;
mod irq;
mod irq_spinlock;
mod published;
mod stop_counter;
mod wait_queue;

pub use in_flight::{InFlight, InFlightToken};
pub use irq::{in_hardirq, irqs_disabled, might_sleep, IrqsOff};
pub use irq_spinlock::{IrqSpinLock, IrqSpinLockBackend, IrqSpinLockGuard};
pub use published::{Borrowed, CallChain, Published};
pub use stop_counter::{StopGuard, StopLock, StopLockGuard};
pub use wait_queue::{PollFile, PollTable, WaitQueue, Wakeup};

/// Prefix of this crate's kernel log lines (it has no `module!` to provide one).
const __LOG_PREFIX: &[u8] = b"snd_sync\0";
