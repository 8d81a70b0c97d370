//! Kernel CPU time of the whole machine, in µs: `system_usec` of the root cgroup's
//! `cpu.stat` (cgroup2), which sums system, hard-IRQ and soft-IRQ time of every CPU. With
//! `CONFIG_IRQ_TIME_ACCOUNTING` the IRQ parts are measured at each entry and exit, so work
//! that runs in the timer softirq right after each tick (snd-aloop's jiffies timer) is
//! counted exactly; tick-sampled accounting (`/proc/stat` without it) would see almost
//! none of it, and `/proc/stat` counts in 10 ms units besides.

pub const CPU_STAT: &str = "/sys/fs/cgroup/cpu.stat";

pub fn system_usec() -> Result<u64, String> {
    let text = std::fs::read_to_string(CPU_STAT)
        .map_err(|e| format!("{CPU_STAT}: {e} (cgroup2 mounted on /sys/fs/cgroup?)"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("system_usec "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("{CPU_STAT}: no system_usec"))
}
