#!/bin/sh
# modules: snd-seq-midi snd-seq-midi-rs
# detects: snd-seq-midi-prefix
# uart1: file
# Seed 001 (output teardown against event_input) through the sequencer API:
# samples/seq-midi-race subscribes to and unsubscribes from the bridge's UART
# port in a loop (use/unuse: the output is opened, drained and released) while
# another client floods the port with events (notes, controllers, sysex short
# and oversized, events MIDI cannot express), then 300 rounds in lockstep:
# subscribe, one note straight to the port, unsubscribe 0-360 us or 1-5 ms
# later, while the note is on its way to the output being released.  Bounded
# iterations; the kernel log must stay clean (KASAN, lockdep) and
# seq_midi_race.host checks that every byte on the UART belongs to a
# well-formed MIDI message.  The pre-fix bridge (snd-seq-midi-prefix) ends in
# a KASAN use-after-free in snd_rawmidi_kernel_write1.
. /snd-rs/scenarios/_lib.sh
first_report_ends_boot

only_bridge "$MOD"
load snd-serial-u16550 port=0x2f8 irq=3
load "$MOD"
client=$(sed -n 's/^Client *\([0-9]*\) : "Serial MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
[ -n "$client" ] || fail "bridge client not found"
run seq-midi-race "$client:0" 300
# Nothing may be left open: the bridge unloads.
run modprobe -r "$MOD" snd-serial-u16550
say "pass"
