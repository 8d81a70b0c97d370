#!/bin/sh
# modules: snd-seq-oss snd-seq-oss-rs
# Seed 000 (readq reset against readers) through /dev/sequencer: a reader,
# SNDCTL_SEQ_RESET, SNDCTL_SEQ_GETINCOUNT and poll() on one open file while
# echoes and snd-virmidi input flood its read queue, bounded iterations.
# Every record read must be well-formed, the count never above 1023, and
# the kernel log free of KASAN/lockdep reports (checked by the harness).
. /snd-rs/scenarios/_lib.sh

load snd-virmidi
load "$MOD"
card=$(sed -n 's/^ *\([0-9]*\) \[VirMIDI.*/\1/p' /proc/asound/cards | head -n 1)
[ -n "$card" ] || fail "no VirMIDI card"
# Keep a reader of /dev/sequencer busy in /proc meanwhile: the info line reads the ring too.
(for i in $(seq 200); do cat /proc/asound/seq/oss >/dev/null; done) &
proc_reader=$!
oss-seq-probe race "/dev/snd/midiC${card}D0"
rc=$?
wait "$proc_reader"
[ "$rc" = 0 ] || fail "race verdict failed (rc $rc)"
run modprobe -r "$MOD" snd-virmidi
say "pass"
