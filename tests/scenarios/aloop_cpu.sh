#!/bin/sh
# modules: snd-aloop-rs
# CPU parity: the same load (4 cables, 192 kHz, 8 channels, S32, 4 s, mmap clients) through
# the C snd-aloop and through snd-aloop-rs, alternating C, Rust, C, Rust in one boot. Kernel
# CPU (system + irq + softirq ticks from /proc/stat) of the Rust runs must not exceed the C
# runs' by more than 25 % (QEMU TCG is noisy; the numbers are printed).
. /snd-rs/scenarios/_lib.sh

# kernel_ticks: system + irq + softirq jiffies of all CPUs so far.
kernel_ticks() { awk '/^cpu / { print $4 + $7 + $8 }' /proc/stat; }

# load_run MODULE: one run of the load; prints its kernel ticks.
load_run() {
	modprobe "$1" pcm_substreams=4 || fail "modprobe $1"
	t0=$(kernel_ticks)
	pids=
	for i in 0 1 2 3; do
		arecord -q -M -D "hw:Loopback,1,$i" -f S32_LE -c 8 -r 192000 -d 4 /dev/null &
		pids="$pids $!"
		aplay -q -M -D "hw:Loopback,0,$i" -f S32_LE -c 8 -r 192000 -d 4 /dev/zero &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p" || fail "$1: a client of the load failed"; done
	t1=$(kernel_ticks)
	modprobe -r "$1"
	echo $((t1 - t0))
}

c=0
rs=0
for round in 1 2; do
	n=$(load_run snd-aloop)
	say "round $round: snd-aloop    $n kernel ticks"
	c=$((c + n))
	n=$(load_run snd-aloop-rs)
	say "round $round: snd-aloop-rs $n kernel ticks"
	rs=$((rs + n))
done
say "total: C $c, Rust $rs kernel ticks (USER_HZ)"
[ "$c" -gt 0 ] || fail "no kernel time measured"
[ $((rs * 100)) -le $((c * 125)) ] || fail "snd-aloop-rs used more than 125 % of snd-aloop's kernel CPU"
say "pass"
