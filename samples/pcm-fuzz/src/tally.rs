//! What the kernel answered: per operation, how often it was tried, accepted, and refused
//! with which errno. EFAULT and ENOTTY are counted apart: the kernel only returns them here
//! when one of our ioctl layouts or numbers is wrong.

use std::io;

/// Errnos above this are counted together.
const ERRNOS: usize = 135;

#[derive(Clone)]
struct Count {
    tried: u64,
    ok: u64,
    errno: [u64; ERRNOS],
}

pub struct Tally {
    counts: Vec<Count>,
    layout_errors: u64,
}

impl Tally {
    /// A tally of `ops` operations, by index.
    pub fn new(ops: usize) -> Tally {
        let zero = Count {
            tried: 0,
            ok: 0,
            errno: [0; ERRNOS],
        };
        Tally {
            counts: vec![zero; ops],
            layout_errors: 0,
        }
    }

    /// Counts one run of operation `op` (named `name`); the first layout error is printed.
    pub fn record(&mut self, op: usize, name: &str, r: &io::Result<()>) {
        let count = &mut self.counts[op];
        count.tried += 1;
        match r {
            Ok(()) => count.ok += 1,
            Err(e) => {
                let n = e.raw_os_error().unwrap_or(0);
                count.errno[(n as usize).min(ERRNOS - 1)] += 1;
                if n == libc::EFAULT || n == libc::ENOTTY {
                    if self.layout_errors == 0 {
                        eprintln!("pcm-fuzz: {name}: {e}");
                    }
                    self.layout_errors += 1;
                }
            }
        }
    }

    pub fn add(&mut self, other: &Tally) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            a.tried += b.tried;
            a.ok += b.ok;
            for (x, y) in a.errno.iter_mut().zip(&b.errno) {
                *x += y;
            }
        }
        self.layout_errors += other.layout_errors;
    }

    pub fn layout_errors(&self) -> u64 {
        self.layout_errors
    }

    /// One line per operation that ran: name, tried, accepted, the two most frequent errnos.
    pub fn print(&self, names: impl Iterator<Item = &'static str>) {
        for (c, name) in self.counts.iter().zip(names) {
            if c.tried > 0 {
                println!(
                    "  {name:<14} {:>8} ok {:>8}  {}",
                    c.tried,
                    c.ok,
                    top_errors(c)
                );
            }
        }
    }
}

/// The two most frequent errnos, e.g. "EINVAL 80, EBADFD 12".
fn top_errors(c: &Count) -> String {
    let mut e: Vec<(u64, usize)> = (0..ERRNOS)
        .filter(|&n| c.errno[n] > 0)
        .map(|n| (c.errno[n], n))
        .collect();
    e.sort_unstable_by(|a, b| b.cmp(a));
    let names: Vec<String> = e
        .iter()
        .take(2)
        .map(|&(k, n)| {
            let name = crate::raw::errname(&io::Error::from_raw_os_error(n as i32));
            format!("{name} {k}")
        })
        .collect();
    names.join(", ")
}
