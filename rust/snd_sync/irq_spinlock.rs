// SPDX-License-Identifier: GPL-2.0

//! A spinlock whose guard disables local interrupts.

use kernel::{
    bindings,
    ffi::c_char,
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
/// pin-init like the kernel crate's `SpinLock`. Create one with
/// [`new_irq_spinlock!`](crate::new_irq_spinlock), which gives it a lockdep class and name.
///
/// Local interrupts are disabled by count, not by saved flags: the first guard on a CPU saves
/// the interrupt state, nested guards (and [`crate::IrqsOff`]) only count, and the state comes
/// back when the last of them is dropped. So nested guards may be dropped in any order: an
/// outer guard dropped first cannot re-enable interrupts while an inner lock is still held
/// (with C's `spin_unlock_irqrestore()` it would; upstream Rust later adopted this refcounted
/// design for `SpinLockIrq`). Guards are neither `Send` nor `Sync`, so each is dropped on the
/// CPU whose count it raised.
///
/// C: `spinlock_t` with `spin_lock_irqsave()` / `spin_unlock_irqrestore()`, the interrupt state
/// kept in a per-CPU count (`snd_rs_irq_disable()` / `snd_rs_irq_enable()` in
/// `rust/helpers/snd_rs.c`).
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

/// The [`Backend`] of [`IrqSpinLock`]: `spinlock_t` taken with local interrupts disabled by
/// count (see [`IrqSpinLock`]).
pub struct IrqSpinLockBackend;

// SAFETY: `spinlock_t` gives mutual exclusion between `lock` and `unlock`. Interrupts are off
// from `lock` until `unlock`, also when guards of several such locks are dropped out of order:
// each guard holds one unit of this CPU's disable count, and only the last unit restores the
// interrupt state. `relock` keeps the default, which calls `lock`.
unsafe impl Backend for IrqSpinLockBackend {
    type State = bindings::spinlock_t;
    /// Nothing: the interrupt state lives in the per-CPU count.
    type GuardState = ();

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller guarantees `ptr` is valid for writes and that `name` and `key` are
        // valid for reads indefinitely.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: the caller guarantees `ptr` points to a spinlock initialised by `init`.
        unsafe { bindings::snd_rs_spin_lock_irq_disable(ptr) }
    }

    unsafe fn unlock(ptr: *mut Self::State, _state: &Self::GuardState) {
        // SAFETY: the caller guarantees it owns the lock, taken by `lock` on this CPU (the
        // guard is not `Send`), which raised this CPU's disable count by one.
        unsafe { bindings::snd_rs_spin_unlock_irq_enable(ptr) }
    }
}
