// SPDX-License-Identifier: GPL-2.0

//! Local interrupt state.

use core::marker::PhantomData;
use kernel::bindings;

/// Returns whether interrupts are disabled on this CPU.
///
/// C: `irqs_disabled()`.
pub fn irqs_disabled() -> bool {
    // SAFETY: `irqs_disabled()` only reads this CPU's interrupt flag.
    unsafe { bindings::irqs_disabled() }
}

/// Returns whether this CPU is running a hard interrupt handler.
///
/// C: `in_hardirq()`.
pub fn in_hardirq() -> bool {
    // SAFETY: `in_hardirq()` only reads this CPU's preempt count.
    unsafe { bindings::in_hardirq() }
}

/// Local interrupts disabled until this value is dropped, then restored to what they were.
///
/// It shares the per-CPU disable count of [`crate::IrqSpinLock`]'s guards: interrupts come
/// back only when the last of them (in any order) is dropped, so dropping this value while a
/// lock guard lives does not re-enable interrupts under the lock.
///
/// C: `local_irq_save()` / `local_irq_restore()`, counted (`snd_rs_irq_disable()` /
/// `snd_rs_irq_enable()`).
///
/// # Invariants
///
/// This value holds one unit of this CPU's disable count. It cannot leave the CPU (it is
/// neither `Send` nor `Sync`), so the unit is given back where it was taken.
pub struct IrqsOff {
    _not_send: PhantomData<*mut ()>,
}

impl IrqsOff {
    /// Disables local interrupts.
    pub fn disable() -> Self {
        // SAFETY: `snd_rs_irq_disable()` has no preconditions.
        unsafe { bindings::snd_rs_irq_disable() };
        // INVARIANT: one unit of this CPU's count was just taken.
        Self {
            _not_send: PhantomData,
        }
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        // SAFETY: by the type invariant this value holds one unit of this CPU's count.
        unsafe { bindings::snd_rs_irq_enable() }
    }
}

/// Reports (with `CONFIG_DEBUG_ATOMIC_SLEEP`) when called where sleeping is not allowed.
///
/// Every waiting primitive of this crate calls it first, so calling one from atomic context is
/// caught even when the wait would not have slept.
///
/// C: `might_sleep()`.
pub fn might_sleep() {
    // SAFETY: `might_sleep()` only checks the current context.
    unsafe { bindings::might_sleep() }
}
