#!/bin/sh
# modules: snd-aloop-rs
# detects: snd-aloop
# Seed 003 with a linked capture: the capture of cable 0 is linked (SNDRV_PCM_IOCTL_LINK)
# to the capture of cable 1 and the group runs; the mismatching playback's START stops the
# group through the cable-0 capture. snd_pcm_stop() of a linked stream goes through
# snd_pcm_stream_group_ref(), which unlocks and relocks the stream lock its caller must
# hold: the peer stop must hold it. Every other round a third thread DROPs the cable-1
# capture 0 to 1.5 ms after the START began (the group lock is contended then).
# samples/aloop-race linked, 400 rounds. Pass: after the START the group is stopped
# (DRAINING + DRAINING) or already dropped, after the DROP both captures are SETUP, no
# unexpected errno, clean kernel log (lockdep, spinlock debugging), no hang.
# The C snd-aloop of 6.12.117 stops the capture without its stream lock (the lock half of
# the seed fix is not in it): lockdep's "bad unlock balance detected" (&group->lock, from
# snd_pcm_stream_group_ref() under loopback_trigger) in the first rounds, then a CPU spins
# for good on the capture's stream lock (RCU stall); a positive control here.
. /snd-rs/scenarios/_lib.sh
first_report_ends_boot

P=/proc/asound/Loopback
load "$MOD" pcm_substreams=2
timeout 120 aloop-race linked 400 >/tmp/linked.out 2>&1
rc=$?
cat /tmp/linked.out
[ $rc = 0 ] || fail "aloop-race linked exited $rc"
grep -q 'after start DRAINING + DRAINING' /tmp/linked.out ||
	fail "the playback's START never stopped the linked group"
grep -q 'valid\|running' $P/cable#0 $P/cable#1 && fail "a cable is still in use"
run modprobe -r "$MOD"
say "pass"
