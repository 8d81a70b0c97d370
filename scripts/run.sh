#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: boots the test kernel, loads the sound modules and shows them
# working (tests/scenarios/_demo.sh), with the guest console on stdout.
source "$(dirname "$0")/common.sh"

log=$CACHE/run.log
step "booting QEMU (TCG); guest console follows"
"$SND_RS_ROOT/scripts/qemu-run.sh" -t 600 -l "$log" -- snd_rs.scenario=_demo &
qemu=$!
while [ ! -f "$log" ]; do sleep 0.2; done
tail -n +1 -f --pid=$qemu "$log" | grep --line-buffered -v '^\[ *[0-9.]*\] ' || true
rc=0
wait $qemu || rc=$?
[ "$rc" = 124 ] && die "guest timed out; log: $log"
"$SND_RS_ROOT/scripts/check-log.sh" "$log" || die "kernel reports in the guest log: $log"
grep -q 'SND-RS-RESULT: _demo rc=0' "$log" || die "demo failed; log: $log"
step "run done; full guest log (with kernel messages): $log"
