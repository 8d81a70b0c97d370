#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# ALSA core (pcm_native.c), group lock of linked streams: samples/pcm-link-race links two
# captures of the loopback; for 10 s one thread PREPAREs, STARTs and DROPs the group through
# the first, another STARTs and DROPs it through the second. Every START and DROP takes the
# group lock inside the stream lock with a trylock; when the other member holds the group
# lock, snd_pcm_stream_group_ref() unlocks the stream, locks the group and locks the stream
# again. Group and stream locks shared one lockdep class, so that re-lock was reported as
# "possible recursive locking detected". Pass: clean kernel log (lockdep), the group
# started, every stream closed afterwards.
# Proves patches/0010-ALSA-pcm-give-the-lock-of-a-linked-group-its-own-lockdep-class.patch:
# without it lockdep reports the re-lock with either module.
. /snd-rs/scenarios/_lib.sh

load "$MOD" pcm_substreams=2
run timeout 60 pcm-link-race start 10
grep -q 'running\|prepared\|setup' /proc/asound/Loopback/pcm0c/sub*/status &&
	fail "a capture is still open: $(cat /proc/asound/Loopback/pcm0c/sub*/status)"
run modprobe -r "$MOD"
say "pass"
