#!/bin/sh
# modules: snd-seq-midi snd-seq-midi-rs
# uart1: file
# Sequencer -> rawmidi output through the bridge: MIDI bytes written to a
# snd-virmidi port travel as sequencer events to the bridge's port for a real
# UART (snd-serial-u16550 on QEMU's second ISA serial port) and come out
# there; seq_midi_out.host checks the bytes that reached the host file
# (seq_midi_out.uart1.expected, recorded on the C snd-seq-midi: the
# Soundcanvas adaptor's F5 01 port select, then the MIDI bytes).
. /snd-rs/scenarios/_lib.sh

only_bridge "$MOD"
load snd-virmidi midi_devs=1
load snd-serial-u16550 port=0x2f8 irq=3
load "$MOD"
cat /proc/asound/cards
# Client and port names, capabilities and numbering, as recorded on C.
cat /proc/asound/seq/clients >/tmp/clients
if ! diff -u /snd-rs/scenarios/seq_midi_out.clients.expected /tmp/clients; then
	fail "sequencer clients differ from seq_midi_out.clients.expected (recorded on C)"
fi
virmidi_card=$(sed -n 's/^ *\([0-9]*\) \[VirMIDI.*/\1/p' /proc/asound/cards | head -n 1)
# Clients: "Virtual Raw MIDI N-0" (virmidi's own) and the bridge's client for the UART card.
virmidi_client=$(sed -n 's/^Client *\([0-9]*\) : "Virtual Raw MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
uart_client=$(sed -n 's/^Client *\([0-9]*\) : "Serial MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
[ -n "$virmidi_client" ] && [ -n "$uart_client" ] ||
	fail "clients not found (virmidi '$virmidi_client', uart '$uart_client')"
run aconnect "$virmidi_client:0" "$uart_client:0"
# Note on, note off (middle C), a controller, a short sysex.
printf '\220\074\144\200\074\000\260\007\100\360\176\177\011\001\367' >"/dev/snd/midiC${virmidi_card}D0"
sleep 1
run aconnect -d "$virmidi_client:0" "$uart_client:0"
run modprobe -r "$MOD" snd-serial-u16550 snd-virmidi
say "pass"
