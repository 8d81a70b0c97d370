// SPDX-License-Identifier: GPL-2.0

//! KUnit suites written in Rust, for Linux 6.12 (which has no `#[kunit_tests]`).
//!
//! A suite is a list of plain Rust functions taking a [`Test`].
//! [`kunit_suite!`](crate::kunit_suite) builds the C `struct kunit_case` table and
//! `struct kunit_suite` for them at compile time and places the suite in the
//! `.kunit_test_suites` section, exactly where `kunit_test_suite()` puts a C suite: built into
//! vmlinux it runs at boot (with `kunit.enable=1`, or under `kunit.py run`); in a module it
//! runs when the module is loaded.
//!
//! Checks never panic and never abort the test thread. [`kunit_expect!`](crate::kunit_expect) and
//! [`kunit_expect_eq!`](crate::kunit_expect_eq) record a failure through KUnit's own reporting
//! (same output as C's `KUNIT_EXPECT_*`) and carry on; [`kunit_require!`](crate::kunit_require)
//! records it and returns from the case function, so destructors run and locks are released,
//! unlike C's `KUNIT_ASSERT_*`, which ends the thread.
//!
//! # Examples
//!
//! ```ignore
//! use snd_kunit::{kunit_expect_eq, kunit_require, kunit_suite, Test};
//!
//! fn adds(test: &mut Test<'_>) {
//!     kunit_expect_eq!(test, 1 + 1, 2);
//! }
//!
//! fn finds(test: &mut Test<'_>) {
//!     let v = [1, 2, 3];
//!     let pos = v.iter().position(|&x| x == 2);
//!     kunit_require!(test, pos.is_some());
//!     kunit_expect_eq!(test, pos, Some(1));
//! }
//!
//! kunit_suite!(example_suite, [adds, finds]);
//! ```

#![no_std]

/// Prefix of this crate's kernel log lines (it has no `module!` to provide one).
const __LOG_PREFIX: &[u8] = b"snd_kunit\0";

use core::{
    cell::UnsafeCell,
    ffi::c_void,
    fmt,
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{fence, AtomicBool, Ordering},
};
use kernel::{
    bindings,
    error::to_result,
    ffi::c_char,
    new_condvar, new_spinlock,
    prelude::*,
    sync::{Arc, CondVar, SpinLock},
    workqueue,
};

/// Length of `struct kunit_suite.name`, including the terminating NUL.
const SUITE_NAME_LEN: usize = 256;

/// The test case being run, as KUnit hands it to a case function.
///
/// # Invariants
///
/// `raw` is the `struct kunit` KUnit passed to the running case, valid for `'a`.
pub struct Test<'a> {
    raw: NonNull<bindings::kunit>,
    _case: PhantomData<&'a mut bindings::kunit>,
}

impl Test<'_> {
    /// Wraps the `struct kunit` KUnit passed to a case's `run_case`.
    ///
    /// # Safety
    ///
    /// `raw` must be the pointer KUnit passed to the running case, and the returned value must
    /// not outlive that call.
    #[doc(hidden)]
    pub unsafe fn from_raw(raw: *mut bindings::kunit) -> Option<Self> {
        // INVARIANT: the caller guarantees `raw` is the running case's `struct kunit`.
        NonNull::new(raw).map(|raw| Self {
            raw,
            _case: PhantomData,
        })
    }

    /// Records a failed check; KUnit prints it in its usual format and marks the case failed.
    ///
    /// Used by the check macros, which pass the location and the condition's source text.
    #[doc(hidden)]
    pub fn fail(
        &mut self,
        file: &'static [u8],
        line: u32,
        condition: &'static [u8],
        message: fmt::Arguments<'_>,
    ) {
        let location = bindings::kunit_loc {
            file: nul_terminated(file),
            line: line.try_into().unwrap_or(i32::MAX),
        };
        let assertion = bindings::kunit_unary_assert {
            assert: bindings::kunit_assert {},
            condition: nul_terminated(condition),
            expected_true: true,
        };
        // `__kunit_do_failed_assertion()` only reports; unlike `__kunit_abort()` it returns.
        // SAFETY: `self.raw` is the running case's `struct kunit` (type invariant); `location`,
        // `assertion` and `message` outlive the call; the strings end in NUL; the format
        // function matches `kunit_unary_assert`, and `%pA` takes a `fmt::Arguments`.
        unsafe {
            bindings::__kunit_do_failed_assertion(
                self.raw.as_ptr(),
                &location,
                bindings::kunit_assert_type_KUNIT_EXPECTATION,
                &assertion.assert,
                Some(bindings::kunit_unary_assert_format),
                c"%pA".as_ptr().cast(),
                core::ptr::from_ref(&message).cast::<c_void>(),
            );
        }
    }
}

impl Test<'_> {
    /// Starts counting, for this case, the calls of `snd_sync::might_sleep()` that this case's
    /// own thread makes in atomic context (preempt count raised or interrupts off), whether or
    /// not the kernel prints its report; see [`Test::atomic_might_sleeps`]. Watching again
    /// keeps the count. Fails only when KUnit cannot allocate the counter.
    pub fn watch_might_sleep(&mut self) -> Result {
        // SAFETY: `self.raw` is the running case's `struct kunit` (type invariant), and this
        // runs on the case's thread (a `Test` is not `Send`), where KUnit may add resources.
        to_result(unsafe { bindings::snd_rs_kunit_watch_might_sleep(self.raw.as_ptr()) })
    }

    /// How many calls of `snd_sync::might_sleep()` in atomic context this case's thread made
    /// since [`Test::watch_might_sleep`]; `None` when it did not watch.
    pub fn atomic_might_sleeps(&mut self) -> Option<u32> {
        // SAFETY: as in `watch_might_sleep`; the lookup takes the test's own lock.
        let calls = unsafe { bindings::snd_rs_kunit_atomic_might_sleeps(self.raw.as_ptr()) };
        u32::try_from(calls).ok()
    }
}

/// Runs `checks` against a detached `struct kunit` and returns whether they recorded a failure.
///
/// The detached test is set up with `kunit_init_test()`, as KUnit's own `kunit-test.c` does to
/// test its assertions, so the running case is not affected; KUnit still prints the failure,
/// under the name `deliberate_failure`. This is how the checks themselves are tested.
pub fn records_failure(checks: impl FnOnce(&mut Test<'_>)) -> bool {
    let mut raw = core::mem::MaybeUninit::<bindings::kunit>::zeroed();
    // SAFETY: `raw` is writable and stays in place (it is never moved) while it is used below;
    // the name is a static NUL-terminated string and a null log is allowed.
    unsafe {
        bindings::kunit_init_test(
            raw.as_mut_ptr(),
            c"deliberate_failure".as_ptr().cast(),
            core::ptr::null_mut(),
        )
    };
    // SAFETY: `raw` was initialised by `kunit_init_test()` just above and outlives `test`.
    if let Some(mut test) = unsafe { Test::from_raw(raw.as_mut_ptr()) } {
        checks(&mut test);
    }
    // SAFETY: `raw` is initialised and no longer borrowed.
    let status = unsafe { (*raw.as_ptr()).status };
    status == bindings::kunit_status_KUNIT_FAILURE
}

/// Runs `f` in hard interrupt context on this CPU and returns once it has run; returns false
/// (without running it) if the interrupt work could not be queued.
///
/// `f` runs from an `irq_work`, which x86 raises with a self-IPI: a real hard IRQ, as a timer
/// or sequencer callback would see, with lockdep's and `might_sleep()`'s checks active (on
/// PREEMPT_RT, which the test kernel is not, irq_work runs in a thread instead).
///
/// Call it from sleepable context with interrupts enabled (a plain test case):
/// `irq_work_sync()` waits for the interrupt to have run.
pub fn run_in_hardirq<F: FnOnce() + Send>(f: F) -> bool {
    #[repr(C)]
    struct Work<F> {
        work: bindings::irq_work,
        f: Option<F>,
    }

    /// # Safety
    ///
    /// `work` must be the `work` field of a live `Work<F>` that nothing else accesses during
    /// the call.
    unsafe extern "C" fn run<F: FnOnce()>(work: *mut bindings::irq_work) {
        let this = work.cast::<Work<F>>();
        // SAFETY: `work` is the first field of a `#[repr(C)] Work<F>` (so the cast is the
        // whole struct, with its provenance), which `run_in_hardirq` keeps alive and does not
        // touch until `irq_work_sync()` has seen this function return.
        if let Some(f) = unsafe { (*this).f.take() } {
            f();
        }
    }

    let mut work = Work {
        // SAFETY: all-zero is an idle `struct irq_work` (C's `IRQ_WORK_INIT()` leaves the
        // flags, list node and rcuwait zero); the callback is set next.
        work: unsafe { core::mem::zeroed() },
        f: Some(f),
    };
    work.work.func = Some(run::<F>);
    let this = core::ptr::addr_of_mut!(work);
    // SAFETY: `this` points to the initialised work above, which stays in place until
    // `irq_work_sync()` returns; nothing else touches it meanwhile.
    let queued = unsafe { bindings::irq_work_queue(core::ptr::addr_of_mut!((*this).work)) };
    // SAFETY: as above; `irq_work_sync()` returns once the callback is no longer running.
    unsafe { bindings::irq_work_sync(core::ptr::addr_of_mut!((*this).work)) };
    // `irq_work_sync()` sees the work idle with a plain read; order the callback's writes
    // (to `work.f` and whatever `f` wrote) before what the caller reads next.
    fence(Ordering::Acquire);
    queued
}

/// Sleeps for at least `ms` milliseconds. C: `msleep()`.
pub fn sleep_ms(ms: u32) {
    // SAFETY: `msleep()` may be called from any sleepable context, which a test case is.
    unsafe { bindings::msleep(ms) }
}

/// Lets other tasks run if this one has run long enough; busy test loops call it so that they
/// cannot starve the threads they race with. C: `cond_resched()`.
pub fn cond_resched() {
    // SAFETY: `cond_resched()` may be called from any sleepable context.
    unsafe { bindings::cond_resched() };
}

/// Lets racing threads run between two steps of a hammer loop, on one CPU as on several: a
/// short spin, then every fourth `cycle` a 1 ms sleep and otherwise `cond_resched()` (which on
/// one CPU may never yield, as `kunit.py run`'s single-CPU QEMU showed).
pub fn interleave(cycle: usize) {
    for _ in 0..50 {
        core::hint::spin_loop();
    }
    if cycle % 4 == 0 {
        sleep_ms(1);
    } else {
        cond_resched();
    }
}

/// A count of arrivals that a test thread can wait for: "the worker has started", "the worker
/// holds the borrow now".
#[pin_data]
pub struct Latch {
    #[pin]
    arrived: SpinLock<usize>,
    #[pin]
    changed: CondVar,
}

impl Latch {
    /// How long [`Latch::wait_for`] waits at most.
    pub const TIMEOUT_MS: u32 = 5000;

    /// Creates a latch with no arrivals.
    // The lock initialisers are made here, not inside `pin_init!`: its closure is compiled in
    // the crate that runs it, which would bring its own copy of the lock names for the one
    // static lock class, and lockdep warns when they meet (see `Workers::spawn_shared`).
    #[inline(never)]
    pub fn new() -> impl PinInit<Self> {
        let arrived = new_spinlock!(0, "snd_kunit::Latch::arrived");
        let changed = new_condvar!("snd_kunit::Latch::changed");
        pin_init!(Self {
            arrived <- arrived,
            changed <- changed,
        })
    }

    /// Records one arrival and wakes the waiter.
    pub fn arrive(&self) {
        *self.arrived.lock() += 1;
        self.changed.notify_all();
    }

    /// Sleeps until `n` arrivals or [`Latch::TIMEOUT_MS`] passed; returns whether they came.
    pub fn wait_for(&self, n: usize) -> bool {
        let mut arrived = self.arrived.lock();
        let mut waits = 0;
        while *arrived < n && waits < Self::TIMEOUT_MS / 100 {
            waits += 1;
            // A timeout or a signal only leads back to the check.
            let _ = self
                .changed
                .wait_interruptible_timeout(&mut arrived, kernel::time::msecs_to_jiffies(100));
        }
        *arrived >= n
    }

    /// Sleeps until `n` arrivals, however long that takes.
    fn wait_for_all(&self, n: usize) {
        let mut arrived = self.arrived.lock();
        while *arrived < n {
            self.changed.wait(&mut arrived);
        }
    }
}

#[pin_data]
struct WorkerState {
    #[pin]
    started: Latch,
    #[pin]
    finished: Latch,
    stop: AtomicBool,
}

/// Work items running a test's concurrent side; dropping (or [`Workers::join`]ing) this tells
/// looping ones to stop and waits until every one has returned, so they never outlive the case.
pub struct Workers {
    state: Arc<WorkerState>,
    spawned: usize,
}

impl Workers {
    /// Runs `body(i)` once for `i` in `0..n`, each in its own work item on the unbound system
    /// workqueue, so they run in parallel with each other and with the caller.
    pub fn spawn<F>(n: usize, body: F) -> Result<Self>
    where
        F: Fn(usize) + Send + Sync + 'static,
    {
        Self::spawn_shared(n, false, Arc::new(body, GFP_KERNEL)?)
    }

    /// Like [`Workers::spawn`], but each work item runs `body(i)` again and again (yielding
    /// in between) until the `Workers` is joined or dropped: the racing side of a hammer test.
    pub fn spawn_looping<F>(n: usize, body: F) -> Result<Self>
    where
        F: Fn(usize) + Send + Sync + 'static,
    {
        Self::spawn_shared(n, true, Arc::new(body, GFP_KERNEL)?)
    }

    /// Waits (up to [`Latch::TIMEOUT_MS`]) until every work item has started; returns whether
    /// they all did.
    pub fn wait_started(&self) -> bool {
        self.state.started.wait_for(self.spawned)
    }

    // Not generic, not inlined: lockdep keys its classes by the address of a static, which a
    // generic function shares among its instantiations, while each instantiating crate has its
    // own copy of the class name; lockdep warns when those meet. So the locks and
    // `try_spawn()` below are instantiated once, here.
    #[inline(never)]
    fn spawn_shared(
        n: usize,
        looping: bool,
        body: Arc<dyn Fn(usize) + Send + Sync>,
    ) -> Result<Self> {
        let state = Arc::pin_init(
            pin_init!(WorkerState {
                started <- Latch::new(),
                finished <- Latch::new(),
                stop: AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )?;
        let mut workers = Self { state, spawned: 0 };
        for i in 0..n {
            let (state, body) = (workers.state.clone(), body.clone());
            workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                state.started.arrive();
                body(i);
                while looping && !state.stop.load(Ordering::Relaxed) {
                    cond_resched();
                    body(i);
                }
                state.finished.arrive();
            })?;
            // Only items that were spawned are waited for if a later one fails.
            workers.spawned += 1;
        }
        Ok(workers)
    }

    /// Stops looping work items and waits until every work item has returned.
    pub fn join(self) {}
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        self.state.finished.wait_for_all(self.spawned);
    }
}

/// Runs `f`, which must make the kernel print a report (a `BUG:` or `WARNING:` block), between
/// two log markers.
///
/// The harness (`scripts/check-log.sh`) does not count a report between the markers as a
/// failure; instead `scripts/test.sh` checks that each marked block holds a report, and fails
/// the block if it does not. The report lines show as `snd_kunit: expected report begins:
/// WHAT` ... `snd_kunit: expected report ends: WHAT`.
///
/// Reports of the same kind may be rate limited (`might_sleep()` prints at most one a
/// second); space such calls out.
pub fn expect_kernel_report(what: &str, f: impl FnOnce()) {
    bracket_in_log("report", what, f);
}

/// Runs `f`, which must make the kernel log a line containing `text`, between two log
/// markers; `scripts/test.sh` checks the line is there. Unlike [`expect_kernel_report`], the
/// block is still checked for reports (a plain `pr_warn!` is not one).
pub fn expect_log_line(text: &str, f: impl FnOnce()) {
    bracket_in_log("log line", text, f);
}

/// Runs `f` between the markers `expected KIND begins: WHAT` / `... ends: WHAT` that
/// `scripts/check-log.sh --expected` reads.
fn bracket_in_log(kind: &str, what: &str, f: impl FnOnce()) {
    pr_info!("expected {} begins: {}\n", kind, what);
    f();
    pr_info!("expected {} ends: {}\n", kind, what);
}

/// Returns `bytes` as a C string pointer, or a placeholder when it is not NUL-terminated.
fn nul_terminated(bytes: &'static [u8]) -> *const c_char {
    match bytes.last() {
        Some(0) => bytes.as_ptr().cast(),
        _ => c"?".as_ptr().cast(),
    }
}

/// The NULL-terminated `struct kunit_case` table of a suite.
///
/// # Invariants
///
/// Only KUnit writes to the table (each case's status and log), while it runs the suite.
#[doc(hidden)]
#[repr(transparent)]
pub struct CaseTable<const N: usize>(UnsafeCell<[bindings::kunit_case; N]>);

// SAFETY: Rust code never touches the table after building it; KUnit serialises its own
// accesses (type invariant).
unsafe impl<const N: usize> Sync for CaseTable<N> {}

impl<const N: usize> CaseTable<N> {
    /// Builds the table; the last entry must be [`case_end`].
    pub const fn new(cases: [bindings::kunit_case; N]) -> Self {
        Self(UnsafeCell::new(cases))
    }

    /// The table as KUnit's `test_cases` pointer.
    pub const fn as_ptr(&self) -> *mut bindings::kunit_case {
        self.0.get().cast()
    }
}

/// One `struct kunit_case`, as C's `KUNIT_CASE()` builds it. `name` and `module` must end
/// in NUL (checked when the table is built at compile time).
#[doc(hidden)]
pub const fn case(
    name: &'static str,
    module: &'static str,
    run: unsafe extern "C" fn(*mut bindings::kunit),
) -> bindings::kunit_case {
    assert!(
        ends_in_nul(name) && ends_in_nul(module),
        "KUnit names must end in NUL"
    );
    // SAFETY: all-zero is a valid `struct kunit_case` (null pointers, `None` callbacks,
    // zero enums), the same as C's designated initialiser leaves the other fields.
    let mut case: bindings::kunit_case = unsafe { core::mem::zeroed() };
    case.run_case = Some(run);
    case.name = name.as_ptr().cast();
    // C sets it to KBUILD_MODNAME; `kunit.filter=module=...` reads it.
    case.module_name = module.as_ptr().cast_mut().cast();
    case
}

const fn ends_in_nul(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty() && bytes[bytes.len() - 1] == 0
}

/// The all-zero entry that ends a case table.
#[doc(hidden)]
pub const fn case_end() -> bindings::kunit_case {
    // SAFETY: all-zero is a valid `struct kunit_case`; KUnit stops at a null `run_case`.
    unsafe { core::mem::zeroed() }
}

/// A `struct kunit_suite`.
///
/// # Invariants
///
/// Only KUnit writes to the suite (status, log, debugfs), while it runs it.
#[doc(hidden)]
#[repr(transparent)]
pub struct Suite(UnsafeCell<bindings::kunit_suite>);

// SAFETY: Rust code never touches the suite after building it; KUnit serialises its own
// accesses (type invariant).
unsafe impl Sync for Suite {}

impl Suite {
    /// Builds a suite named `name` (at most 255 bytes) running `cases`.
    pub const fn new(name: &str, cases: *mut bindings::kunit_case) -> Self {
        // SAFETY: all-zero is a valid `struct kunit_suite`, as in C's static initialisers.
        let mut suite: bindings::kunit_suite = unsafe { core::mem::zeroed() };
        let bytes = name.as_bytes();
        // Checked at compile time: the macro evaluates this in a `static`.
        assert!(bytes.len() < SUITE_NAME_LEN, "KUnit suite name too long");
        let mut i = 0;
        while i < bytes.len() {
            suite.name[i] = bytes[i] as c_char;
            i += 1;
        }
        suite.test_cases = cases;
        Self(UnsafeCell::new(suite))
    }

    /// The suite as KUnit sees it.
    pub const fn as_ptr(&self) -> *mut bindings::kunit_suite {
        self.0.get()
    }
}

/// An entry of the `.kunit_test_suites` section: a pointer to a suite.
#[doc(hidden)]
#[repr(transparent)]
pub struct SuiteEntry(pub *mut bindings::kunit_suite);

// SAFETY: the pointer is only read, by KUnit, to find the suite.
unsafe impl Sync for SuiteEntry {}

/// Declares a KUnit suite made of Rust functions `fn(&mut Test<'_>)`.
///
/// The suite is named after the first argument; each case after its function. See the crate
/// documentation for an example.
#[macro_export]
macro_rules! kunit_suite {
    ($suite:ident, [$($case:path),+ $(,)?]) => {
        const _: () = {
            static CASES: $crate::CaseTable<{ [$(stringify!($case)),+].len() + 1 }> =
                $crate::CaseTable::new([
                    $($crate::case(
                        concat!(stringify!($case), "\0"),
                        concat!(module_path!(), "\0"),
                        {
                            unsafe extern "C" fn run(raw: *mut ::kernel::bindings::kunit) {
                                // SAFETY: KUnit calls `run_case` with the running case's
                                // `struct kunit`, and `test` does not outlive this call.
                                if let Some(mut test) = unsafe { $crate::Test::from_raw(raw) } {
                                    // A case returns nothing, so no failure can hide in an
                                    // ignored `Result`.
                                    let () = $case(&mut test);
                                }
                            }
                            run
                        },
                    ),)+
                    $crate::case_end(),
                ]);
            static SUITE: $crate::Suite = $crate::Suite::new(stringify!($suite), CASES.as_ptr());
            #[used]
            #[link_section = ".kunit_test_suites"]
            static ENTRY: $crate::SuiteEntry = $crate::SuiteEntry(SUITE.as_ptr());
        };
    };
}

/// Checks that a condition holds; on failure records it (with an optional message) and goes on.
#[macro_export]
macro_rules! kunit_expect {
    ($test:expr, $cond:expr $(,)?) => {
        $crate::kunit_expect!($test, $cond, "")
    };
    ($test:expr, $cond:expr, $($msg:tt)+) => {
        if !$cond {
            $crate::Test::fail(
                $test,
                concat!(file!(), "\0").as_bytes(),
                line!(),
                concat!(stringify!($cond), "\0").as_bytes(),
                format_args!($($msg)+),
            );
        }
    };
}

/// Checks that two values are equal; on failure records both (with `{:?}`), plus an optional
/// message, and goes on.
#[macro_export]
macro_rules! kunit_expect_eq {
    ($test:expr, $left:expr, $right:expr $(,)?) => {
        $crate::kunit_expect_eq!($test, $left, $right, "")
    };
    ($test:expr, $left:expr, $right:expr, $($msg:tt)+) => {
        match (&$left, &$right) {
            (left, right) => {
                if !(*left == *right) {
                    $crate::Test::fail(
                        $test,
                        concat!(file!(), "\0").as_bytes(),
                        line!(),
                        concat!(stringify!($left), " == ", stringify!($right), "\0").as_bytes(),
                        format_args!(
                            "left: {:?}, right: {:?} {}",
                            left,
                            right,
                            format_args!($($msg)+)
                        ),
                    );
                }
            }
        }
    };
}

/// Checks that a condition holds; on failure records it and returns from the case function.
#[macro_export]
macro_rules! kunit_require {
    ($test:expr, $cond:expr $(,)?) => {
        $crate::kunit_require!($test, $cond, "")
    };
    ($test:expr, $cond:expr, $($msg:tt)+) => {
        if !$cond {
            $crate::Test::fail(
                $test,
                concat!(file!(), "\0").as_bytes(),
                line!(),
                concat!(stringify!($cond), "\0").as_bytes(),
                format_args!($($msg)+),
            );
            return;
        }
    };
}
