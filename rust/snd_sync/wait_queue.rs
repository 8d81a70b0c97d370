// SPDX-License-Identifier: GPL-2.0

//! A wait queue for sleeping until a condition holds.

use core::marker::PhantomPinned;
use kernel::{
    bindings,
    ffi::{c_int, c_long},
    init::PinInit,
    pin_init,
    prelude::*,
    str::CStr,
    sync::LockClassKey,
    task::{TASK_INTERRUPTIBLE, TASK_NORMAL, TASK_UNINTERRUPTIBLE},
    time::Jiffies,
    types::Opaque,
};

/// A `wait_queue_head_t` to sleep on until a condition becomes true.
///
/// Unlike `kernel::sync::CondVar`, waiting needs no lock: the condition is typically an atomic
/// that wakers change before calling [`WaitQueue::wake_up_all`]. The wait is uninterruptible,
/// as teardown waits are in C (`wait_event()`, `wait_event_timeout()`): a signal pending on
/// the closing process must not turn them into busy loops.
///
/// C: `wait_queue_head_t` with `wait_event_timeout()` / `wake_up()`.
///
/// # Invariants
///
/// `head` is initialised (by `__init_waitqueue_head()`) and pinned.
#[pin_data]
pub struct WaitQueue {
    #[pin]
    head: Opaque<bindings::wait_queue_head>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: a `wait_queue_head` may be used from any thread; it has its own lock.
unsafe impl Send for WaitQueue {}
// SAFETY: every operation on a `wait_queue_head` takes its internal lock.
unsafe impl Sync for WaitQueue {}

/// Creates a [`WaitQueue`] initialiser with a static lockdep class.
#[macro_export]
macro_rules! new_wait_queue {
    ($($name:literal)? $(,)?) => {
        $crate::WaitQueue::new(::kernel::optional_name!($($name)?), ::kernel::static_lock_class!())
    };
}

/// The C `lock_class_key` of `key` (`LockClassKey::as_ptr()` is private to the kernel crate).
fn lock_class_key_ptr(key: &'static LockClassKey) -> *mut bindings::lock_class_key {
    // `LockClassKey` is `#[repr(transparent)]` over `Opaque<lock_class_key>`, which wraps it in
    // an `UnsafeCell`: same address, and lockdep's writes through it are to interior-mutable
    // memory.
    core::ptr::from_ref(key).cast_mut().cast()
}

impl WaitQueue {
    /// Creates a wait queue initialiser; see [`new_wait_queue!`](crate::new_wait_queue).
    pub fn new(name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            // INVARIANT: `__init_waitqueue_head()` initialises the head in place.
            // SAFETY: `slot` is valid for writes during the call; `name` and `key` are static.
            head <- Opaque::ffi_init(|slot| unsafe {
                bindings::__init_waitqueue_head(slot, name.as_char_ptr(), lock_class_key_ptr(key))
            }),
            _pin: PhantomPinned,
        })
    }

    /// Sleeps (uninterruptibly) until `condition` returns true or `timeout` jiffies have
    /// passed; returns whether the condition held.
    ///
    /// The condition is checked after the task is queued, so a waker that makes it true and
    /// then calls [`WaitQueue::wake_up_all`] cannot be missed. Must not be called in atomic
    /// context: it starts with `might_sleep()`.
    ///
    /// C: `wait_event_timeout()`.
    /// The condition must not sleep (the task is already marked as sleeping when it runs).
    pub fn wait_until(&self, condition: impl FnMut() -> bool, timeout: Jiffies) -> bool {
        self.wait(TASK_UNINTERRUPTIBLE, condition, timeout) == Wakeup::Condition
    }

    /// Like [`WaitQueue::wait_until`], but a signal ends the wait too.
    ///
    /// C: `wait_event_interruptible_timeout()`.
    pub fn wait_interruptible_until(
        &self,
        condition: impl FnMut() -> bool,
        timeout: Jiffies,
    ) -> Wakeup {
        self.wait(TASK_INTERRUPTIBLE, condition, timeout)
    }

    fn wait(&self, state: c_int, condition: impl FnMut() -> bool, timeout: Jiffies) -> Wakeup {
        crate::might_sleep();
        let entry = Opaque::<bindings::wait_queue_entry>::uninit();
        // SAFETY: `entry` is valid for writes and is not moved until `sleep_until()` returns.
        unsafe { bindings::init_wait(entry.get()) };
        // SAFETY: `head` is initialised (type invariant) and `entry` just was.
        unsafe { sleep_in_state(self.head.get(), entry.get(), state, condition, timeout) }
    }

    /// Whether a task is queued here: sleeping in a wait, or polling.
    ///
    /// Only a snapshot, as in C: a task may queue or leave right after.
    ///
    /// C: `waitqueue_active()`.
    pub fn has_sleepers(&self) -> bool {
        // SAFETY: `head` is initialised (type invariant); the helper only reads its list head.
        unsafe { bindings::waitqueue_active(self.head.get()) }
    }

    /// Queues the polling task here, so that [`WaitQueue::wake_up_all`] wakes its `poll()`.
    ///
    /// C: `poll_wait()`.
    ///
    /// # Safety
    ///
    /// `file` and `table` must be the arguments of a running `poll` file operation (`table`
    /// may be null), and `self` must outlive the file's use of the table: the queue is freed
    /// only after the file is released, as the VFS guarantees for state owned by an open file.
    pub unsafe fn poll_wait(&self, file: *mut PollFile, table: *mut PollTable) {
        // SAFETY: the caller guarantees `file` and `table` (both transparent over the C
        // types); `head` is initialised and pinned.
        unsafe { bindings::poll_wait(file.cast(), self.head.get(), table.cast()) };
    }

    /// Wakes every task sleeping in [`WaitQueue::wait_until`] so it rechecks its condition.
    ///
    /// Callable from any context, interrupts included.
    ///
    /// C: `wake_up_all()`.
    pub fn wake_up_all(&self) {
        // SAFETY: `head` is initialised (type invariant); a null key is allowed.
        unsafe { bindings::__wake_up(self.head.get(), TASK_NORMAL, 0, core::ptr::null_mut()) };
    }
}

/// How a wait on a [`WaitQueue`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wakeup {
    /// The condition held.
    Condition,
    /// The timeout passed first.
    Timeout,
    /// A signal is pending (interruptible waits only).
    Signal,
}

/// The loop of C's `___wait_event()`, uninterruptible: queue `entry` on `head`, check
/// `condition`, sleep, until the condition holds (true) or `timeout` jiffies pass (false).
///
/// Checking after queueing is what makes a concurrent "change the condition, then wake"
/// impossible to miss.
///
/// # Safety
///
/// `head` must be an initialised wait queue head and `entry` an initialised entry (its wake
/// function decides which wake-ups on `head` concern it), both valid and not moved for the
/// duration of the call. The caller must be allowed to sleep.
pub(crate) unsafe fn sleep_until(
    head: *mut bindings::wait_queue_head,
    entry: *mut bindings::wait_queue_entry,
    condition: impl FnMut() -> bool,
    timeout: Jiffies,
) -> bool {
    // SAFETY: as required of our caller.
    let wakeup = unsafe { sleep_in_state(head, entry, TASK_UNINTERRUPTIBLE, condition, timeout) };
    wakeup == Wakeup::Condition
}

/// [`sleep_until`] in task state `state`; an interruptible state also ends on a signal.
///
/// # Safety
///
/// As for [`sleep_until`]; `state` is `TASK_UNINTERRUPTIBLE` or `TASK_INTERRUPTIBLE`.
unsafe fn sleep_in_state(
    head: *mut bindings::wait_queue_head,
    entry: *mut bindings::wait_queue_entry,
    state: c_int,
    mut condition: impl FnMut() -> bool,
    timeout: Jiffies,
) -> Wakeup {
    if condition() {
        return Wakeup::Condition;
    }
    let mut remaining: c_long = timeout.try_into().unwrap_or(c_long::MAX);
    let wakeup = loop {
        // SAFETY: the caller guarantees `head` and `entry` are initialised and in place. For an
        // interruptible state it returns non-zero when a signal is pending (and dequeues).
        let interrupted = unsafe { bindings::prepare_to_wait_event(head, entry, state) } != 0;
        if condition() {
            break Wakeup::Condition;
        }
        if interrupted {
            break Wakeup::Signal;
        }
        if remaining <= 0 {
            break Wakeup::Timeout;
        }
        // SAFETY: the task is queued and marked sleeping; any timeout is valid.
        remaining = unsafe { bindings::schedule_timeout(remaining) };
    };
    // SAFETY: `entry` was queued on `head` by `prepare_to_wait_event()` (or a waker, or the
    // signal path, removed it; `finish_wait()` handles both).
    unsafe { bindings::finish_wait(head, entry) };
    wakeup
}

/// The file of a running `poll()` file operation, as C hands it to a driver.
///
/// C: `struct file`.
#[repr(transparent)]
pub struct PollFile(Opaque<bindings::file>);

/// The poll table of a running `poll()` file operation.
///
/// C: `poll_table`.
#[repr(transparent)]
pub struct PollTable(Opaque<bindings::poll_table>);
