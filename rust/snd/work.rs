// SPDX-License-Identifier: GPL-2.0

//! What 6.12's `kernel::workqueue` lacks for drivers that must not return (or unload) while
//! their work is pending.

use kernel::{bindings, workqueue::Work};

/// Waits until `work` is neither pending nor running; true if it had to wait. Running the
/// pending work (instead of cancelling it) lets an `Arc`-queued item drop its reference.
///
/// C: `flush_work()`.
pub fn flush<T: ?Sized, const ID: u64>(work: &Work<T, ID>) -> bool {
    // SAFETY: `work` is an initialised `Work` (its constructor ran `INIT_WORK`), live for the
    // call.
    unsafe { bindings::flush_work(Work::raw_get(work)) }
}
