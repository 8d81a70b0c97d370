#!/bin/sh
# The `make run` demo: loads the sound modules and shows them working.
# snd-aloop here is the C BASELINE (sound/drivers/aloop.c); the Rust
# snd-aloop-rs replaces it in this demo once it exists.
. /snd-rs/scenarios/_lib.sh _demo

banner() { echo; echo "==== $* ===="; }

banner "C baseline: snd-aloop (sound/drivers/aloop.c), Linux $(uname -r)"
load snd-aloop pcm_substreams=2
cat /proc/asound/cards
aplay -l | grep -i loopback
banner "controls of the Loopback card (first 12)"
amixer -c Loopback controls | head -n 12
banner "proc: /proc/asound/Loopback/cable#0"
cat /proc/asound/Loopback/cable#0 2>/dev/null | head -n 20
banner "a known pattern through hw:Loopback,0,0 -> hw:Loopback,1,0"
run loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 48000 2 2
banner "alsabat: 997 Hz sine through the loopback"
run alsabat -P hw:Loopback,0,0 -C hw:Loopback,1,0 -n 1s
run modprobe -r snd-aloop

banner "C baseline: the sequencer pieces load"
load snd-virmidi
load snd-seq-oss
ls -l /dev/sequencer /dev/sequencer2 /dev/snd/seq
cat /proc/asound/seq/clients | head -n 20
run modprobe -r snd-seq-oss snd-virmidi
banner "demo done: C baseline working; Rust modules arrive with their issues"
