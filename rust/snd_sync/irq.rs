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
/// C: `local_irq_save()` / `local_irq_restore()`.
///
/// # Invariants
///
/// `flags` is what `local_irq_save()` returned on this CPU, and nothing has restored them yet.
/// The value cannot leave the CPU (it is neither `Send` nor `Sync`), so it is restored where it
/// was saved.
pub struct IrqsOff {
    flags: kernel::ffi::c_ulong,
    _not_send: PhantomData<*mut ()>,
}

impl IrqsOff {
    /// Disables local interrupts.
    pub fn disable() -> Self {
        // SAFETY: `local_irq_save()` has no preconditions.
        let flags = unsafe { bindings::local_irq_save() };
        // INVARIANT: `flags` was just saved on this CPU.
        Self {
            flags,
            _not_send: PhantomData,
        }
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        // SAFETY: by the type invariant, `flags` came from `local_irq_save()` on this CPU and
        // has not been restored.
        unsafe { bindings::local_irq_restore(self.flags) }
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
