//! What every fuzzing thread carries: its own PRNG stream, its tally, its watchdog slot and
//! the common deadline.

use crate::rng::Rng;
use crate::sys::SysResult;
use crate::tally::Tally;
use crate::watchdog::{Slot, Watchdog};
use std::time::{Duration, Instant};

pub struct Worker<'a> {
    pub rng: Rng,
    pub tally: Tally,
    slot: Slot<'a>,
    deadline: Instant,
}

impl<'a> Worker<'a> {
    /// Call from the thread that will use it (the watchdog signals the calling thread).
    pub fn new(dog: &'a Watchdog, seed: u64, index: u64, deadline: Instant) -> Self {
        Worker {
            rng: Rng::for_worker(seed, index),
            tally: Tally::default(),
            slot: dog.slot(),
            deadline,
        }
    }

    pub fn running(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// Runs a call that may block, interrupted (EINTR) after `ms` milliseconds, and records
    /// its outcome and duration as operation `op`.
    pub fn call<T>(&mut self, op: &str, ms: u64, f: impl FnOnce() -> SysResult<T>) -> SysResult<T> {
        let t0 = Instant::now();
        let r = self.slot.guarded(Duration::from_millis(ms), f);
        self.tally.record_timed(op, &r, t0.elapsed());
        r
    }
}
