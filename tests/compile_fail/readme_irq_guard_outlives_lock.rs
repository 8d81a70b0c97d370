// SPDX-License-Identifier: GPL-2.0
//! README (IrqSpinLock): a guard borrows its lock.
// expect-error: cannot return value referencing local variable `lock`
#![allow(missing_docs, dead_code)]
extern crate snd_sync;
use kernel::prelude::*;
use snd_sync::{new_irq_spinlock, IrqSpinLock, IrqSpinLockGuard};

fn guard() -> Result<IrqSpinLockGuard<'static, u32>> {
    let lock: Pin<KBox<IrqSpinLock<u32>>> = KBox::pin_init(new_irq_spinlock!(0), GFP_KERNEL)?;
    Ok(lock.lock())
}
