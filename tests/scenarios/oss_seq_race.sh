#!/bin/sh
# modules: snd-seq-oss snd-seq-oss-rs
# detects: snd-seq-oss-prefix
# Seed 000 (readq reset against readers) through /dev/sequencer: a reader,
# SNDCTL_SEQ_RESET, SNDCTL_SEQ_GETINCOUNT and poll() on one open file while
# numbered echoes (one writer, OSS timer in real-time mode: each echo is queued
# by the write() that carries it) and snd-virmidi input flood its read queue,
# bounded iterations. Every record read must be well-formed and written; the
# echoes come in increasing order (none duplicated), none removed by a
# completed reset is read afterwards (none stale), none is missing unless a
# reset began in between (none lost); GETINCOUNT within 0..1023; once quiet,
# GETINCOUNT, poll() and a drain by reads agree; and the kernel log stays free
# of KASAN/KCSAN/lockdep reports (checked by the harness). The pre-fix read
# queue (snd-seq-oss-prefix) leaves stale records behind its unlocked reset.
. /snd-rs/scenarios/_lib.sh
first_report_ends_boot

load snd-virmidi
load "$MOD"
card=$(sed -n 's/^ *\([0-9]*\) \[VirMIDI.*/\1/p' /proc/asound/cards | head -n 1)
[ -n "$card" ] || fail "no VirMIDI card"
# Keep a reader of /dev/sequencer busy in /proc meanwhile: the info line reads the ring too.
(for i in $(seq 200); do cat /proc/asound/seq/oss >/dev/null; done) &
proc_reader=$!
# On a KCSAN kernel, watch one memory access in ~100 instead of ~4000 while the race runs:
# the reset's few unlocked accesses are then watched often enough to be reported.
kcsan=/sys/module/kcsan/parameters/skip_watch
if [ -w $kcsan ]; then
	skip=$(cat $kcsan)
	echo 100 >$kcsan
fi
oss-seq-probe race "/dev/snd/midiC${card}D0" >/tmp/race.out
rc=$?
[ -w $kcsan ] && echo "$skip" >$kcsan
wait "$proc_reader"
cat /tmp/race.out
[ "$rc" = 0 ] || fail "oss-seq-probe race exited $rc: $(sed -n 's/^race: FAIL: //p' /tmp/race.out | head -n 1)"
run modprobe -r "$MOD" snd-virmidi
say "pass"
