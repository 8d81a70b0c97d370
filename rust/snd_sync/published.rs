// SPDX-License-Identifier: GPL-2.0

//! A value that other contexts borrow, unpublished and torn down only once no borrow is left.

use crate::{InFlight, InFlightToken, IrqSpinLock};
use core::{marker::PhantomData, ops::Deref, ptr::NonNull};
use kernel::{init::PinInit, pin_init, prelude::*, str::CStr, sync::LockClassKey};

/// A published value: any context may [`borrow`](Published::borrow) it, and
/// [`take`](Published::take) unpublishes it and hands it back only when no borrow is left.
///
/// This is seed 001 (seq_midi's output teardown) made structural. C's `event_process_midi()`
/// read `msynth->output_rfile.output` with no lock while `midisynth_unuse()` released it; the
/// fix pairs the read with a use-lock reference under a spinlock, and makes the unuse path
/// detach under that spinlock, then `snd_use_lock_sync()`, then release. Here that order is
/// the only one the type allows:
///
/// - [`publish`](Published::publish) takes a fully prepared value (C opened into a local
///   `rfile` and published only after `snd_rawmidi_output_params()` succeeded);
/// - [`borrow`](Published::borrow) checks for the value and counts the borrow in one critical
///   section of an IRQ-safe spinlock, then drops the lock; the value stays borrowed, not
///   locked, so the borrower may sleep or call into other subsystems;
/// - [`take`](Published::take) detaches the value under the same lock (no new borrow can
///   find it), sleeps until every borrow has ended, and only then returns it for teardown.
///   A borrow after that gets `None` (C: `-ENODEV`).
///
/// The two sides are split by role through the caller's [`CallChain`]: a borrow holds the
/// chain shared, `take` needs it exclusively. So a call chain cannot take (and wait for) a
/// value it is still borrowing — in C a self-deadlock, or a sleep in atomic context — and a
/// callback that is only handed `&CallChain` (an event callback, which may run in atomic
/// context) cannot take at all.
///
/// The value lives in a [`KBox`], so it does not move while borrowed. A borrow ending touches
/// nothing of the `Published` after its count drops (see [`InFlight`]), so the owner may be
/// freed as soon as `take` returns.
///
/// C: `spinlock_t output_lock` + `snd_use_lock_t output_use_lock` + `output_rfile` in
/// `struct seq_midisynth`.
///
/// # Invariants
///
/// - Every live [`Borrowed`] points to a value that was in `slot` when it was created, and
///   holds a token of `users`.
/// - A value leaves `slot` only in `take`, which returns it after `users` has drained; so a
///   value is never dropped or handed out while a `Borrowed` points to it.
///
/// # Examples
///
/// ```ignore
/// use kernel::prelude::*;
/// use snd_sync::{new_published, CallChain, Published};
///
/// struct Output { port: u32 }
///
/// fn event_input(output: &Published<Output>, chain: &CallChain) -> Result {
///     // Interrupt context is fine: this never sleeps.
///     let out = output.borrow(chain).ok_or(ENODEV)?;
///     let _ = out.port; // use it; the borrow ends when `out` is dropped
///     Ok(())
/// }
///
/// fn unuse(output: &Published<Output>, chain: &mut CallChain) -> Result {
///     let out = output.take(chain).ok_or(EINVAL)?; // waits for event_input() calls in flight
///     drop(out); // C: snd_rawmidi_drain_output() + snd_rawmidi_kernel_release()
///     Ok(())
/// }
/// ```
#[pin_data]
pub struct Published<T> {
    #[pin]
    slot: IrqSpinLock<Option<KBox<T>>>,
    users: InFlight,
}

/// Creates an empty [`Published`] initialiser with a lockdep class for its lock; the optional
/// name labels it.
#[macro_export]
macro_rules! new_published {
    ($($name:literal)? $(,)?) => {
        $crate::Published::new(::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

impl<T> Published<T> {
    /// Creates an empty initialiser; see [`new_published!`](crate::new_published).
    pub fn new(lock_name: &'static CStr, lock_key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            slot <- IrqSpinLock::new(None, lock_name, lock_key),
            users: InFlight::new(),
        })
    }

    /// Publishes `value`; fails, giving it back, if a value is published already.
    ///
    /// Callable from any context; the value must be ready for borrowers before this call.
    pub fn publish(&self, value: KBox<T>) -> Result<(), KBox<T>> {
        let mut slot = self.slot.lock();
        if slot.is_some() {
            return Err(value);
        }
        *slot = Some(value);
        Ok(())
    }

    /// Whether a value is published right now.
    pub fn is_published(&self) -> bool {
        self.slot.lock().is_some()
    }

    /// Unpublishes the value and returns it once every borrow of it has ended; `None` if
    /// nothing is published.
    ///
    /// Sleeps; must not be called in atomic context (it calls `might_sleep()` even when it
    /// would not sleep). Warns after 5 s of waiting, like C's `snd_use_lock_sync()`. Needs
    /// `chain` exclusively: no borrow made through it may be alive (it would never end).
    #[track_caller]
    pub fn take(&self, _chain: &mut CallChain) -> Option<KBox<T>> {
        crate::might_sleep();
        let value = self.slot.lock().take()?;
        // No new borrow can find `value` now; wait for the ones that did.
        self.users.drain();
        // INVARIANT: `users` drained after `value` left `slot`, so no `Borrowed` points to it.
        Some(value)
    }
}

impl<T: Sync> Published<T> {
    /// Borrows the published value, or returns `None` if there is none. Never sleeps: callable
    /// from interrupt context. The borrow holds `chain` shared until it ends.
    pub fn borrow<'a>(&'a self, _chain: &'a CallChain) -> Option<Borrowed<'a, T>> {
        let slot = self.slot.lock();
        let value = NonNull::from(&**slot.as_ref()?);
        let token = self.users.enter();
        drop(slot);
        // INVARIANT: `value` was in `slot` when the token was taken, under the lock.
        Some(Borrowed {
            value,
            _token: token,
        })
    }
}

/// A borrow of a [`Published`] value; the value cannot be torn down while this exists.
///
/// # Invariants
///
/// `value` points to a value that [`Published::take`] will not return before `_token` is
/// dropped; until then only shared references to it exist (the owner gets the value, and
/// with it `&mut`, only from `take`).
#[must_use = "the borrow ends at once if it is not kept"]
pub struct Borrowed<'a, T> {
    value: NonNull<T>,
    _token: InFlightToken<'a>,
}

impl<T> Deref for Borrowed<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: by the type invariant the value stays alive and in place (it is boxed) while
        // `_token` lives, which is at least as long as `self`; it is only shared (`T: Sync`
        // was required to borrow).
        unsafe { self.value.as_ref() }
    }
}

/// One call chain's right to borrow [`Published`] values and to wait for borrows to end.
///
/// A [`Borrowed`] holds its chain shared; [`Published::take`] needs it exclusively. A chain is
/// one thread of control entered from C (a callback, a work item, a module's init); the layer
/// makes one per callback and hands it to the driver: `&mut` where the callback may sleep,
/// `&` where it may not (e.g. a sequencer event callback).
///
/// # Invariants
///
/// While a `CallChain` is borrowed mutably, no borrow of a [`Published`] is alive on its
/// thread of control except those made through it (and those cannot be, as they hold it
/// shared). It stays on that thread (neither `Send` nor `Sync`).
pub struct CallChain {
    _not_send: PhantomData<*mut ()>,
}

impl CallChain {
    /// A chain for a thread of control that was just entered.
    ///
    /// # Safety
    ///
    /// If the chain is ever used mutably (handed out as `&mut`), the caller holds no
    /// [`Borrowed`] on this thread of control, and none is made while the chain exists except
    /// through it: an entry point called by C (a callback, a work item, a test case), not code
    /// running under a borrow. A chain only ever handed out shared may be made anywhere.
    pub unsafe fn new() -> Self {
        // INVARIANT: the caller guarantees it.
        Self {
            _not_send: PhantomData,
        }
    }
}
