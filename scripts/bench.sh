#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the bench kernel (configs/bench.fragment: no debugging, PREEMPT, HZ=1000,
# C and Rust modules side by side), one QEMU boot running tests/scenarios/_bench.sh
# (C and Rust alternating, BENCH_ROUNDS rounds each), the .ko text sizes, and the table
# and plot of scripts/bench-report.py in $CACHE/bench/.
#   BENCH_ROUNDS (7), BENCH_SECONDS (3: rate and CPU windows), BENCH_XRUN_SECONDS (10),
#   BENCH_ONLY (aloop,seq,oss)
# Not part of make test. It reports; a slow host makes figures worse, not the run fail.
export SND_RS_FLAVOUR=bench
source "$(dirname "$0")/common.sh"

rounds=${BENCH_ROUNDS:-7}
seconds=${BENCH_SECONDS:-3}
xrun_seconds=${BENCH_XRUN_SECONDS:-10}
only=${BENCH_ONLY:-aloop,seq,oss}
bench=$CACHE/bench
mkdir -p "$bench"
t0=$(date +%s)

"$SND_RS_ROOT/scripts/kernel.sh"
"$SND_RS_ROOT/scripts/initramfs.sh"

# Metric 6: executable sections (SHF_EXECINSTR: .text, .init.text, .exit.text, ...) of
# each module, with the KUnit suites compiled out (the bench kernel has no
# CONFIG_SND_RS_KUNIT_TEST); and the shared snd-rs crates the Rust modules call in vmlinux.
release=$(cat "$OUT/.snd-rs-release")
sizes=$bench/objects.txt
: >"$sizes"
for m in snd-aloop snd-aloop-rs snd-seq-midi snd-seq-midi-rs snd-seq-oss snd-seq-oss-rs; do
	ko=$(find "$MODROOT/lib/modules/$release" -name "$m.ko" | head -n 1)
	[ -n "$ko" ] && echo "OBJECT $m $ko" >>"$sizes"
done
for crate in snd snd_sync; do
	[ -f "$OUT/rust/$crate.o" ] && echo "OBJECT vmlinux:$crate $OUT/rust/$crate.o" >>"$sizes"
done

# One boot for all rounds. Its time bound: each side's round takes up to 6 xrun runs, 8
# rate/CPU windows and module loads.
per_round=$((6 * (xrun_seconds + 3) + 8 * (seconds + 2) + 30))
timeout_s=$((180 + 2 * rounds * per_round))
log=$bench/guest.log
step "bench boot: $rounds rounds per side, C and Rust alternating (bound ${timeout_s} s); log $log"
rc=0
SND_RS_QEMU_EXTRA="-chardev null,id=uart1 -device isa-serial,chardev=uart1,index=1" \
	"$SND_RS_ROOT/scripts/qemu-run.sh" -t "$timeout_s" -l "$log" -- \
	snd_rs.scenario=_bench snd_rs.module=- 8250.nr_uarts=1 \
	snd_rs.bench_rounds="$rounds" snd_rs.bench_seconds="$seconds" \
	snd_rs.bench_xrun_seconds="$xrun_seconds" snd_rs.bench_only="$only" || rc=$?
[ "$rc" = 124 ] && echo "snd-rs: the bench boot timed out after $timeout_s s; the table has what it measured" >&2
"$SND_RS_ROOT/scripts/check-log.sh" "$log" >/dev/null ||
	echo "snd-rs: the guest log has a kernel report (see $log)" >&2

"$SND_RS_ROOT/scripts/bench-report.py" "$log" "$sizes" "$bench"
step "bench done in $(($(date +%s) - t0)) s"
echo "table: $bench/bench-table.txt"
echo "plot:  $bench/bench.png"
echo "every round: $bench/bench-rounds.tsv"
