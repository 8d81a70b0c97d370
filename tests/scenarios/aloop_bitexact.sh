#!/bin/sh
# modules: snd-aloop
# Two seconds of a known pattern played into one end of each loopback cable
# arrive bit-exact at the other end, in both directions and on a second
# substream.
. /snd-rs/scenarios/_lib.sh

load "$MOD" pcm_substreams=2
run loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 48000 2 2
run loopback-pattern hw:Loopback,1,1 hw:Loopback,0,1 44100 1 1
run loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 8000 8 1
run modprobe -r "$MOD"
say "pass"
