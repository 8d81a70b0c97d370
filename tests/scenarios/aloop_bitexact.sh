#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# Two seconds of a known pattern played into one end of each loopback cable
# arrive bit-exact at the other end, in both directions and on a second
# substream; then, with two cards of 8 substreams, on substream 7 of each (the
# second card's cable 1 backwards) while substream 0 of the first runs too; and
# through every cable of an 8-substream card: both directions of each substream
# pair (one second at 8 kHz each).
. /snd-rs/scenarios/_lib.sh

load "$MOD" pcm_substreams=2
run loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 48000 2 2
run loopback-pattern hw:Loopback,1,1 hw:Loopback,0,1 44100 1 1
run loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 8000 8 1
run modprobe -r "$MOD"
load "$MOD" enable=1,1 id=Loopback,LoopTwo
run loopback-pattern hw:Loopback,0,7 hw:Loopback,1,7 48000 2 1
loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 44100 2 2 >/tmp/second.out 2>&1 &
second=$!
run loopback-pattern hw:LoopTwo,1,7 hw:LoopTwo,0,7 32000 4 1
wait $second || fail "loopback-pattern on hw:Loopback,0,0 beside it: $(cat /tmp/second.out)"
cat /tmp/second.out
run modprobe -r "$MOD"
load "$MOD"
for sub in 0 1 2 3 4 5 6 7; do
	run loopback-pattern "hw:Loopback,0,$sub" "hw:Loopback,1,$sub" 8000 1 1
	run loopback-pattern "hw:Loopback,1,$sub" "hw:Loopback,0,$sub" 8000 1 1
done
run modprobe -r "$MOD"
say "pass"
