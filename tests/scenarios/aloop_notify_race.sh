#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# detects: snd-aloop-prefix
# Seed 003: with pcm_notify=1, samples/aloop-race starts and closes the capture of cable 0
# (S16_LE 48000 2) in one thread while another starts a playback of another format
# (S32_LE 44100 1) into it, 300 rounds each, and a third reads cable#0: the playback's
# start stops the running capture (loopback_check_format) as the capture closes
# (free_cable). Then 300 rounds in lockstep, each reaching that stop: the capture closes
# 0-1.5 ms after the playback's start began. The kernel log must stay clean (KASAN,
# lockdep); afterwards every stream is closed and the controls show no activity. Then 100
# rounds of each with pcm_notify=0.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh
first_report_ends_boot

P=/proc/asound/Loopback
idle() {
	grep -q 'valid\|running' $P/cable#0 $P/cable#1 && fail "a cable is still in use: $(cat $P/cable#0)"
	[ "$(grep -c inactive $P/cable#0)" = 8 ] || fail "cable#0: $(cat $P/cable#0)"
	amixer -c Loopback cget iface=PCM,name='PCM Slave Active',device=1 | grep -q ': values=off' ||
		fail "PCM Slave Active still on"
	say "all streams closed"
}

load "$MOD" pcm_substreams=1 pcm_notify=1
timeout 80 aloop-race 300 >/tmp/race.out 2>&1 || fail "aloop-race exited $?: $(cat /tmp/race.out)"
cat /tmp/race.out
# The race window is only reached when a playback start does stop a running capture.
grep -q 'stopped by the playback' /tmp/race.out || fail "no capture was ever stopped by the playback"
idle
run modprobe -r "$MOD"
load "$MOD" pcm_substreams=1
run timeout 40 aloop-race 100
idle
run modprobe -r "$MOD"
say "pass"
