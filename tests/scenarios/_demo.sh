#!/bin/sh
# The `make run` demo: loads the sound modules and shows them working.
# snd-aloop here is the C BASELINE (sound/drivers/aloop.c); the Rust
# snd-aloop-rs replaces it in this demo once it exists. The sequencer part
# runs the Rust snd-seq-oss-rs and snd-seq-midi-rs.
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

banner "Rust: snd-seq-oss-rs (the C snd-seq-oss with its read queue in Rust)"
only_bridge snd-seq-midi-rs
load snd-virmidi midi_devs=1
load snd-seq-oss-rs
ls -l /dev/sequencer /dev/sequencer2
virmidi_card=$(sed -n 's/^ *\([0-9]*\) \[VirMIDI.*/\1/p' /proc/asound/cards | head -n 1)
run oss-seq-probe "/dev/snd/midiC${virmidi_card}D0"
grep -A1 -i "read queue" /proc/asound/seq/oss || true
run modprobe -r snd-seq-oss-rs

banner "Rust: snd-seq-midi-rs (sequencer <-> rawmidi bridge) on a 16550 UART"
load snd-serial-u16550 port=0x2f8 irq=3
load snd-seq-midi-rs
cat /proc/asound/seq/clients
aconnect -l
virmidi_client=$(sed -n 's/^Client *\([0-9]*\) : "Virtual Raw MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
uart_client=$(sed -n 's/^Client *\([0-9]*\) : "Serial MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
run aconnect "$virmidi_client:0" "$uart_client:0"
say "note on/off, a controller and a sysex into virmidi; they leave on the UART (shown by make run on the host)"
printf '\220\074\144\200\074\000\260\007\100\360\176\177\011\001\367' >"/dev/snd/midiC${virmidi_card}D0"
sleep 1
run aconnect -d "$virmidi_client:0" "$uart_client:0"
run modprobe -r snd-seq-midi-rs snd-serial-u16550 snd-virmidi
banner "demo done: C snd-aloop (Rust twin to come), Rust snd-seq-oss-rs and snd-seq-midi-rs working"
