#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: boots the test kernel, loads the sound modules and shows them
# working (tests/scenarios/_demo.sh), with the guest console on stdout.
source "$(dirname "$0")/common.sh"

log=$CACHE/run.log
# A second ISA UART for snd-serial-u16550; what the guest sends lands here.
uart=$CACHE/run.uart1
rm -f "$uart"
export SND_RS_QEMU_EXTRA="-chardev file,id=uart1,path=$uart -device isa-serial,chardev=uart1,index=1"
step "booting QEMU (TCG); the demo's output follows (kernel messages: $log)"
# printk.time=1 stamps kernel messages, which the filter below keeps out of the terminal;
# the log file keeps everything.
"$SND_RS_ROOT/scripts/qemu-run.sh" -t 600 -l "$log" -- 8250.nr_uarts=1 printk.time=1 \
	snd_rs.scenario=_demo &
qemu=$!
while [ ! -f "$log" ]; do sleep 0.2; done
tail -n +1 -f --pid=$qemu "$log" | grep --line-buffered -v '^\[ *[0-9.]*\] ' || true
rc=0
wait $qemu || rc=$?
[ "$rc" = 124 ] && die "guest timed out; log: $log"
"$SND_RS_ROOT/scripts/check-log.sh" "$log" || die "kernel reports in the guest log: $log"
grep -q 'SND-RS-RESULT: _demo rc=0' "$log" || die "demo failed; log: $log"
step "bytes the guest's snd-seq-midi-rs sent out of the UART: $(od -An -v -tx1 "$uart" | tr -s ' \n' ' ')"
step "run done; full guest log (with kernel messages): $log"
