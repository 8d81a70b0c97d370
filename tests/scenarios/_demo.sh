#!/bin/sh
# The `make run` demo: loads the Rust sound modules and shows them working:
# snd-aloop-rs (the loopback card), snd-seq-oss-rs and snd-seq-midi-rs.
. /snd-rs/scenarios/_lib.sh _demo

banner() { echo; echo "==== $* ===="; }

banner "Rust: snd-aloop-rs (sound/drivers/aloop.c in Rust), Linux $(uname -r)"
load snd-aloop-rs pcm_substreams=2
cat /proc/asound/cards
aplay -l | grep -i loopback
grep . /sys/module/snd_aloop_rs/parameters/*
banner "a 440 Hz tone played into hw:Loopback,0,0, captured on hw:Loopback,1,0 (alsabat)"
alsabat -P hw:Loopback,0,0 -C hw:Loopback,1,0 -F 440 -n 2s >/tmp/bat.log 2>&1
rc=$?
grep -E "^(Amplitude|Detected peak| PASS| FAIL)" /tmp/bat.log
[ "$rc" = 0 ] || fail "alsabat exited $rc"
banner "a known pattern through hw:Loopback,0,0 -> hw:Loopback,1,0, bit-exact"
loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 48000 2 3 &
pattern=$!
sleep 2
banner "proc while it runs: /proc/asound/Loopback/cable#0, substream 0"
head -n 30 "/proc/asound/Loopback/cable#0"
banner "controls of device 1, substream 0 (what cable 0's playback set; it is running)"
amixer -c Loopback contents | awk '/^numid=/ { show = /,device=1$/ } show'
wait $pattern || fail "loopback-pattern failed"
run modprobe -r snd-aloop-rs

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
banner "demo done: Rust snd-aloop-rs, snd-seq-oss-rs and snd-seq-midi-rs working"
