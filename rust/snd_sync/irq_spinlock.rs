// SPDX-License-Identifier: GPL-2.0

//! A spinlock whose guard disables local interrupts.

use kernel::{
    bindings,
    ffi::{c_char, c_ulong},
    sync::lock::{Backend, Guard, Lock},
};

/// A `spinlock_t` taken with `spin_lock_irqsave()` and released with
/// `spin_unlock_irqrestore()`.
///
/// Use it for state that interrupt-context code (sequencer event callbacks, PCM timer
/// callbacks) and process context both touch: the guard keeps local interrupts off while it
/// lives, so an interrupt on this CPU cannot deadlock against the holder. The protected data is
/// reachable only through the guard, which is what the readq and aloop fixes (seeds 000, 003)
/// needed: no reset or peer lookup can skip the lock.
///
/// It is a [`Lock`] with [`IrqSpinLockBackend`], so it composes with `LockedBy`, `CondVar` and
/// pin-init like the kernel crate's `SpinLock`. Create one with [`new_irq_spinlock!`](crate::new_irq_spinlock), which
/// gives it a lockdep class and name.
///
/// Nested guards must be dropped in reverse order, as C's `spin_unlock_irqrestore()` calls
/// must be: dropping the outer guard first restores the interrupt state from before both
/// locks while the inner one is still held. Keep nested guards in nested scopes.
///
/// C: `spinlock_t` with `spin_lock_irqsave()` / `spin_unlock_irqrestore()`.
///
/// # Examples
///
/// ```ignore
/// use kernel::prelude::*;
/// use snd_sync::{new_irq_spinlock, IrqSpinLock};
///
/// #[pin_data]
/// struct Ring {
///     #[pin]
///     state: IrqSpinLock<RingState>,
/// }
///
/// struct RingState {
///     head: usize,
///     len: usize,
/// }
///
/// impl Ring {
///     fn new() -> impl PinInit<Self> {
///         pin_init!(Self {
///             state <- new_irq_spinlock!(RingState { head: 0, len: 0 }, "Ring::state"),
///         })
///     }
///
///     /// Callable from interrupt context: the guard disables local interrupts.
///     fn clear(&self) {
///         let mut state = self.state.lock();
///         state.head = 0;
///         state.len = 0;
///     }
/// }
/// ```
pub type IrqSpinLock<T> = Lock<T, IrqSpinLockBackend>;

/// The guard of an [`IrqSpinLock`]; local interrupts stay disabled while it lives.
pub type IrqSpinLockGuard<'a, T> = Guard<'a, T, IrqSpinLockBackend>;

/// Creates an [`IrqSpinLock`] initialiser with a static lockdep class.
///
/// The name is optional; without one, lockdep names the lock after the file and line.
#[macro_export]
macro_rules! new_irq_spinlock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::IrqSpinLock::new(
            $inner,
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}

/// The [`Backend`] of [`IrqSpinLock`]: `spinlock_t` with irqsave/irqrestore.
pub struct IrqSpinLockBackend;

// SAFETY: `spinlock_t` gives mutual exclusion between `lock` and `unlock`. `relock` keeps the
// default, which calls `lock`, so it takes the lock the same way (and saves the interrupt state
// anew, which is what `spin_lock_irqsave()` after a `spin_unlock_irqrestore()` does in C).
unsafe impl Backend for IrqSpinLockBackend {
    type State = bindings::spinlock_t;
    /// The interrupt flags saved by `spin_lock_irqsave()`.
    type GuardState = c_ulong;

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller guarantees `ptr` is valid for writes and that `name` and `key` are
        // valid for reads indefinitely.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: the caller guarantees `ptr` points to a spinlock initialised by `init`.
        unsafe { bindings::spin_lock_irqsave(ptr) }
    }

    unsafe fn unlock(ptr: *mut Self::State, flags: &Self::GuardState) {
        // SAFETY: the caller guarantees it owns the lock; `flags` is the state `lock` saved for
        // this ownership, as `Guard` keeps it.
        unsafe { bindings::spin_unlock_irqrestore(ptr, *flags) }
    }
}
