#!/bin/sh
# modules: snd-aloop-rs
# detects: snd-aloop snd-aloop-prefix
# Seed 003, the lock half: a peer stop runs under the capture's own stream lock and only
# while the capture still runs. samples/aloop-race drop: 400 rounds in which the capture of
# cable 0 (S16_LE 48000 2) runs, the playback (S32_LE 44100 1) starts, and so stops the
# capture (loopback_check_format), while the capture's owner DROPs it 0 to 1.5 ms after the
# START began. DROP leaves SETUP whatever the order; a stop decided before the DROP and
# landing after it, unlocked, would leave the dropped capture DRAINING. Pass: every round
# ends SETUP, no unexpected errno, clean kernel log, all streams closed.
# The C snd-aloop of 6.12.117 carries only the lifetime half of the seed fix (stop_count):
# its peer stop runs without the capture's stream lock or a re-check, and leaves a dropped
# capture DRAINING (8 of 400 rounds in the first run), so it is a positive control here,
# with snd-aloop-prefix (seed fix taken out, 5 ms before the stop: 399 of 400).
. /snd-rs/scenarios/_lib.sh
first_report_ends_boot

P=/proc/asound/Loopback
load "$MOD" pcm_substreams=1
timeout 120 aloop-race drop 400 >/tmp/drop.out 2>&1
rc=$?
cat /tmp/drop.out
[ $rc = 0 ] || fail "aloop-race drop exited $rc"
grep -q 'left SETUP' /tmp/drop.out || fail "no round ended with the capture dropped"
grep -q 'valid\|running' $P/cable#0 && fail "cable 0 still in use: $(cat $P/cable#0)"
run modprobe -r "$MOD"
say "pass"
