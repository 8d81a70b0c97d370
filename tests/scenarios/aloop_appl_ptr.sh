#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# An application pointer of 2^63 in the mapped control page of a draining playback while the
# capture end of its cable runs (samples/pcm-fuzz appl-ptr, pcm_substreams=1): capture 1,0
# started, playback 0,0 with 2048 frames written and started, DRAIN (EAGAIN, DRAINING),
# appl_ptr = 1 << 63 stored in the playback's control page, 20 HWSYNCs of the capture 10 ms
# apart. The loopback's copy asks how much the draining playback holds in arithmetic that
# must not trap (found by aloop_fuzz: the Rust module's subtraction overflowed and panicked
# in the timer). The drain ends (playback SETUP), the capture overruns (XRUN); the transcript
# must equal aloop_appl_ptr.expected, recorded on the C snd-aloop, and every stream is closed
# afterwards.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

P=/proc/asound/Loopback
load "$MOD" pcm_substreams=1
timeout 30 pcm-fuzz appl-ptr >/tmp/aloop_appl_ptr.out 2>&1 || fail "pcm-fuzz appl-ptr exited $?: $(cat /tmp/aloop_appl_ptr.out)"
{
	echo "== cable#0 after close"
	cat $P/cable#0
	echo "== substreams"
	cat $P/pcm0p/sub0/status $P/pcm1c/sub0/status
} >>/tmp/aloop_appl_ptr.out 2>&1
transcript aloop_appl_ptr
cat /tmp/aloop_appl_ptr.out
run modprobe -r "$MOD"
say "pass"
