#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# A 997 Hz sine played into hw:Loopback,0,0 must come out of hw:Loopback,1,0
# (alsabat's FFT check), mono 44.1 kHz and stereo 48 kHz S32_LE.
. /snd-rs/scenarios/_lib.sh

load "$MOD"
grep -q '\[Loopback' /proc/asound/cards || fail "no Loopback card in /proc/asound/cards"
cat /proc/asound/cards
run alsabat -P hw:Loopback,0,0 -C hw:Loopback,1,0
run alsabat -P hw:Loopback,0,0 -C hw:Loopback,1,0 -c 2 -r 48000 -f S32_LE -F 1500
run modprobe -r "$MOD"
say "pass"
