// SPDX-License-Identifier: GPL-2.0

//! Locking helpers shared by the snd-rs modules (readq, seq_midi, aloop).
//!
//! The three 2026 race fixes in `seq_oss_readq.c`, `seq_midi.c` and `aloop.c` are one bug told
//! three times: state touched outside the lock that protects it, and an object freed while a
//! path that borrowed it is still running. This crate makes those mistakes unrepresentable, once,
//! for all three modules.
//!
//! - [`IrqSpinLock`]: a `spinlock_t` whose guard disables local interrupts
//!   (`spin_lock_irqsave()`), for state that sequencer and timer callbacks touch in interrupt
//!   context. The data is reachable only through the guard.
//! - [`IrqsOff`]: local interrupts disabled for a scope (`local_irq_save()`); tests use it to
//!   run code as interrupt context would.

#![no_std]

mod irq;
mod irq_spinlock;

pub use irq::{irqs_disabled, IrqsOff};
pub use irq_spinlock::{IrqSpinLock, IrqSpinLockBackend, IrqSpinLockGuard};
