//! Operation counts: each worker keeps its own `Tally` (no shared counters on the hot path),
//! the main thread merges them and prints one line per kind of operation with its outcomes.

use crate::sys::errno_name;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Every operation recorded by any worker, for the progress line.
pub static OPS: AtomicU64 = AtomicU64::new(0);

/// Outcome key: 0 for success, else the errno.
type Outcomes = BTreeMap<i32, u64>;

#[derive(Default)]
pub struct Tally {
    ops: BTreeMap<String, Outcomes>,
    /// The longest call of each timed kind.
    slowest: BTreeMap<String, Duration>,
    /// Things that must never happen (a malformed read, a count out of range), with one
    /// example each.
    anomalies: BTreeMap<&'static str, (u64, String)>,
    /// Free-form counters (bytes written, ...).
    counters: BTreeMap<String, u64>,
    /// Sets of byte values seen (event types tried, accepted, ...).
    sets: BTreeMap<&'static str, [bool; 256]>,
}

impl Tally {
    /// Records the outcome of one operation of kind `op`.
    pub fn record<T>(&mut self, op: &str, result: &Result<T, i32>) {
        let key = match result {
            Ok(_) => 0,
            Err(errno) => *errno,
        };
        if !self.ops.contains_key(op) {
            self.ops.insert(op.to_string(), Outcomes::new());
        }
        if let Some(outcomes) = self.ops.get_mut(op) {
            *outcomes.entry(key).or_default() += 1;
        }
        OPS.fetch_add(1, Relaxed);
    }

    /// Records an operation that took `took`.
    pub fn record_timed<T>(&mut self, op: &str, result: &Result<T, i32>, took: Duration) {
        self.record(op, result);
        match self.slowest.get_mut(op) {
            Some(max) => *max = (*max).max(took),
            None => {
                self.slowest.insert(op.to_string(), took);
            }
        }
    }

    pub fn anomaly(&mut self, what: &'static str, example: impl FnOnce() -> String) {
        let entry = self.anomalies.entry(what).or_insert_with(|| (0, example()));
        entry.0 += 1;
    }

    pub fn count(&mut self, what: impl Into<String>, n: u64) {
        *self.counters.entry(what.into()).or_default() += n;
    }

    pub fn mark(&mut self, set: &'static str, member: u8) {
        self.sets.entry(set).or_insert([false; 256])[usize::from(member)] = true;
    }

    pub fn successes(&self, op: &str) -> u64 {
        self.ops
            .get(op)
            .and_then(|o| o.get(&0))
            .copied()
            .unwrap_or(0)
    }

    pub fn anomalies(&self) -> u64 {
        self.anomalies.values().map(|(n, _)| n).sum()
    }

    pub fn merge(&mut self, other: Tally) {
        for (op, outcomes) in other.ops {
            let mine = self.ops.entry(op).or_default();
            for (key, n) in outcomes {
                *mine.entry(key).or_default() += n;
            }
        }
        for (op, took) in other.slowest {
            let max = self.slowest.entry(op).or_default();
            *max = (*max).max(took);
        }
        for (what, (n, example)) in other.anomalies {
            self.anomalies.entry(what).or_insert((0, example)).0 += n;
        }
        for (what, n) in other.counters {
            *self.counters.entry(what).or_default() += n;
        }
        for (set, members) in other.sets {
            let mine = self.sets.entry(set).or_insert([false; 256]);
            for (m, o) in mine.iter_mut().zip(members) {
                *m |= o;
            }
        }
    }

    pub fn total(&self) -> u64 {
        self.ops.values().flat_map(|o| o.values()).sum()
    }

    /// The report: one line per operation kind, then counters and anomalies.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (op, outcomes) in &self.ops {
            let total: u64 = outcomes.values().sum();
            let detail: Vec<String> = outcomes
                .iter()
                .map(|(&key, n)| {
                    let name = if key == 0 {
                        "ok".to_string()
                    } else {
                        errno_name(key)
                    };
                    format!("{name} {n}")
                })
                .collect();
            let slowest = match self.slowest.get(op) {
                Some(t) => format!(", slowest {} ms", t.as_millis()),
                None => String::new(),
            };
            out.push(format!("op {op}: {total} ({}){slowest}", detail.join(", ")));
        }
        for (what, n) in &self.counters {
            out.push(format!("count {what}: {n}"));
        }
        for (set, members) in &self.sets {
            let n = members.iter().filter(|&&m| m).count();
            out.push(format!("set {set}: {n} of 256"));
        }
        for (what, (n, example)) in &self.anomalies {
            out.push(format!("ANOMALY {what}: {n} (first: {example})"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_prints_outcomes() {
        let mut a = Tally::default();
        a.record("write", &Ok::<(), i32>(()));
        a.record_timed(
            "write",
            &Err::<(), i32>(libc::EAGAIN),
            Duration::from_millis(7),
        );
        let mut b = Tally::default();
        b.record("write", &Ok::<(), i32>(()));
        b.count("bytes", 5);
        b.mark("types", 3);
        a.mark("types", 3);
        a.mark("types", 4);
        a.merge(b);
        assert_eq!(a.total(), 3);
        assert_eq!(a.successes("write"), 2);
        assert_eq!(
            a.lines(),
            vec![
                "op write: 3 (ok 2, EAGAIN 1), slowest 7 ms",
                "count bytes: 5",
                "set types: 2 of 256"
            ]
        );
    }
}
