#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make stress: each race scenario again and again, one boot per run, against
# every module its header names (the positive controls of "# detects:" too) or
# those in STRESS_MODULES, for STRESS_SECONDS per scenario and module (default
# 300), on the debug test kernel or another flavour (SND_RS_FLAVOUR=kcsan).  Prints, per pair, the
# runs done, the runs with a kernel report and the runs whose checks failed,
# with the first report.  STRESS_ARGS: more kernel command-line arguments for every boot
# (e.g. snd_rs.teardown_rounds=300).  Not part of `make test`.
source "$(dirname "$0")/common.sh"

seconds=${STRESS_SECONDS:-300}
scenarios=${STRESS_SCENARIOS:-aloop_notify_race seq_midi_race oss_seq_race seq_midi_teardown}
results=$CACHE/stress$FLAVOUR_SFX
mkdir -p "$results"
step "stress on the ${FLAVOUR:-test} kernel: $scenarios, ${seconds} s per module"
for name in $scenarios; do
	s=$SND_RS_ROOT/tests/scenarios/$name.sh
	[ -f "$s" ] || die "no scenario $name"
	mods=${STRESS_MODULES:-"$(sed -n 's/^# modules: *//p' "$s" | head -n1) $(sed -n 's/^# detects: *//p' "$s" | head -n1)"}
	for mod in $mods; do
		extra=() args=()
		uart=$results/$name-$mod.uart1
		if grep -q '^# uart1: file' "$s"; then
			extra=(-chardev "file,id=uart1,path=$uart" -device isa-serial,chardev=uart1,index=1)
			args=(8250.nr_uarts=1)
		fi
		runs=0 reports=0 failed=0 first=
		end=$(($(date +%s) + seconds))
		while (($(date +%s) < end)); do
			log=$results/$name-$mod-$runs.log
			rm -f "$uart"
			SND_RS_QEMU_EXTRA="${extra[*]}" "$SND_RS_ROOT/scripts/qemu-run.sh" -t 300 -l "$log" -- \
				"${args[@]}" ${STRESS_ARGS:-} snd_rs.scenario="$name" snd_rs.module="$mod" || true
			runs=$((runs + 1))
			if ! "$SND_RS_ROOT/scripts/check-log.sh" "$log" >/dev/null; then
				reports=$((reports + 1))
				# (A Rust panic has no "BUG: " line; without a match the loop must go on.)
				[ -n "$first" ] || first=$(grep -aoE '(BUG: .*|WARNING: .*|KCSAN: data-race.*|possible recursive locking.*|panicked at .*|Kernel panic.*)' "$log" | head -n1 || true)
			elif ! grep -q "SND-RS-RESULT: $name rc=0" "$log"; then
				failed=$((failed + 1))
				[ -n "$first" ] || first="check: $(grep -a '\[scenario\] FAIL' "$log" | head -n1)"
			else
				rm -f "$log" "$log.qemu"
			fi
		done
		printf '%-22s %-22s %3d runs, %3d with a kernel report, %3d failed checks%s\n' \
			"$name" "[$mod]" "$runs" "$reports" "$failed" "${first:+; first: $first}"
	done
done
step "stress done; logs of the runs that found something: $results"
