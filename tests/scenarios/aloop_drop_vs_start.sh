#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# detects: snd-aloop-prefix
# Seed 003, the lock half: a peer stop runs under the capture's own stream lock and only
# while the capture still runs. samples/aloop-race drop: 400 rounds in which the capture of
# cable 0 (S16_LE 48000 2) runs, the playback (S32_LE 44100 1) starts, and so stops the
# capture (loopback_check_format), while the capture's owner DROPs it 0 to 1.5 ms after the
# START began. DROP leaves SETUP whatever the order; a stop decided before the DROP and
# landing after it, unlocked, would leave the dropped capture DRAINING. Pass: every round
# ends SETUP, no unexpected errno, clean kernel log, all streams closed.
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
