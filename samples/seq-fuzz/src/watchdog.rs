//! Never block forever: a worker arms its slot before a call that may sleep, and the watchdog
//! thread interrupts it with a signal (SIGUSR1, a handler that does nothing, no SA_RESTART,
//! so the call returns EINTR) once the deadline passed — again every tick until the worker
//! disarms. Arming and signalling happen under the slot's lock, so a thread is never
//! signalled after it disarmed (and so never after it exited).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(20);

extern "C" fn on_interrupt(_: libc::c_int) {}

/// Installs the SIGUSR1 handler (once, before any worker starts).
pub fn install_handler() {
    // SAFETY: a handler that does nothing; no SA_RESTART, so blocking calls return EINTR.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_interrupt as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut());
    }
}

#[derive(Default)]
struct Armed {
    thread: Option<libc::pthread_t>,
    deadline: Option<Instant>,
}

pub struct Watchdog {
    slots: Vec<Mutex<Armed>>,
    used: AtomicUsize,
    /// Signals sent.
    pub interrupts: AtomicU64,
}

impl Watchdog {
    pub fn new(max_threads: usize) -> Self {
        Watchdog {
            slots: (0..max_threads).map(|_| Mutex::default()).collect(),
            used: AtomicUsize::new(0),
            interrupts: AtomicU64::new(0),
        }
    }

    /// A slot for the calling thread.
    pub fn slot(&self) -> Slot<'_> {
        let index = self.used.fetch_add(1, Relaxed);
        assert!(index < self.slots.len(), "more workers than watchdog slots");
        // SAFETY: pthread_self() has no preconditions.
        let me = unsafe { libc::pthread_self() };
        self.lock(index).thread = Some(me);
        Slot { dog: self, index }
    }

    fn lock(&self, index: usize) -> std::sync::MutexGuard<'_, Armed> {
        self.slots[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Interrupts overdue calls until `stop` is set.
    pub fn run(&self, stop: &AtomicBool) {
        while !stop.load(Relaxed) {
            sleep(TICK);
            let now = Instant::now();
            for index in 0..self.used.load(Relaxed).min(self.slots.len()) {
                let armed = self.lock(index);
                if let (Some(thread), Some(deadline)) = (armed.thread, armed.deadline) {
                    if now >= deadline {
                        // SAFETY: the thread is alive: it is inside an armed call and cannot
                        // disarm (and so cannot exit) while we hold its slot's lock.
                        unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
                        self.interrupts.fetch_add(1, Relaxed);
                    }
                }
            }
        }
    }
}

/// One thread's place in the watchdog.
pub struct Slot<'a> {
    dog: &'a Watchdog,
    index: usize,
}

impl Slot<'_> {
    /// Runs `f`, interrupting it (EINTR) if it takes longer than `limit`.
    pub fn guarded<T>(&self, limit: Duration, f: impl FnOnce() -> T) -> T {
        self.dog.lock(self.index).deadline = Some(Instant::now() + limit);
        let result = f();
        self.dog.lock(self.index).deadline = None;
        result
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.dog.lock(self.index) = Armed::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupts_a_blocked_read() {
        install_handler();
        let dog = Watchdog::new(1);
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| dog.run(&stop));
            let slot = dog.slot();
            let mut fds = [0; 2];
            // SAFETY: a pipe nobody writes to: read() blocks.
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            let mut buf = [0u8; 1];
            let t0 = Instant::now();
            let r = slot.guarded(Duration::from_millis(50), || {
                crate::sys::read(fds[0], &mut buf)
            });
            assert_eq!(r, Err(libc::EINTR));
            assert!(t0.elapsed() < Duration::from_secs(2));
            stop.store(true, Relaxed);
        });
    }
}
