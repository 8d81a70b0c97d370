#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# prod: snd-aloop snd_aloop.pcm_substreams=1
# System suspend and resume of the card (dev_pm_ops through /sys/power/pm_test, which
# suspends and resumes every device without sleeping): a running capture and a running
# playback are suspended (the card goes to D3hot, the PCM core suspends the streams) and
# resumed by arecord/aplay once the card is back in D0 (an ioctl would wait for D0 forever
# otherwise); the cable's state afterwards — transcript equal to aloop_suspend.expected,
# recorded on C.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

load "$MOD" pcm_substreams=1
{
	arecord -D hw:Loopback,1,0 -f S16_LE -c 2 -r 48000 -d 8 /dev/null >/tmp/arecord.out 2>&1 &
	rec=$!
	aplay -D hw:Loopback,0,0 -f S16_LE -c 2 -r 48000 -d 8 /dev/zero >/tmp/aplay.out 2>&1 &
	play=$!
	sleep 2
	echo "before: $(cat /proc/asound/Loopback/pcm*/sub0/status | grep -c RUNNING) streams running"
	echo devices >/sys/power/pm_test
	echo freeze >/sys/power/state
	echo "suspend returned $?"
	echo none >/sys/power/pm_test
	wait $rec
	echo "arecord exited $?"
	wait $play
	echo "aplay exited $?"
	grep -o 'Suspended.*' /tmp/arecord.out /tmp/aplay.out | sed 's/^.tmp.//'
	dmesg | grep -o 'PM: suspend entry.*\|PM: suspend debug: Waiting.*\|PM: suspend exit'
	show "/proc/asound/Loopback/cable#0"
} >/tmp/aloop_suspend.out 2>&1
unload "$MOD"
transcript aloop_suspend
say "pass"
