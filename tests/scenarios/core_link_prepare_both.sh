#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# ALSA core (pcm_native.c), PREPARE issued on two members of a linked group at once:
# samples/pcm-link-race links two captures of the loopback and PREPAREs the group through
# each of them in its own thread for 10 s. The group's prepare held the buffer mutex of the
# stream it was issued on and took the other members' in the order of the group list, so
# the two threads took the two mutexes in opposite orders and both slept for good (D state;
# lockdep does not see it). Pass: both threads finish in time, clean kernel log.
# Proves patches/0012-ALSA-pcm-take-the-buffer-mutexes-of-a-linked-group-in-one-order.patch:
# without it the two threads hang within the first second with either module.
. /snd-rs/scenarios/_lib.sh

load "$MOD" pcm_substreams=2
say "\$ pcm-link-race prepare-both 10"
pcm-link-race prepare-both 10 >/tmp/prepare-both.out 2>&1 &
pid=$!
i=0
while kill -0 $pid 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 60 ]; then
		# Still there 30 s later: show where the threads sleep, for the log.
		echo w >/proc/sysrq-trigger
		fail "pcm-link-race prepare-both did not finish in 30 s (deadlock): $(cat /tmp/prepare-both.out)"
	fi
	sleep 0.5
done
wait $pid || fail "pcm-link-race prepare-both exited $?: $(cat /tmp/prepare-both.out)"
cat /tmp/prepare-both.out
grep -q 'running\|prepared\|setup' /proc/asound/Loopback/pcm0c/sub*/status &&
	fail "a capture is still open: $(cat /proc/asound/Loopback/pcm0c/sub*/status)"
run modprobe -r "$MOD"
say "pass"
