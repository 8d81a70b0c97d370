#!/bin/sh
# modules: snd-seq-midi snd-seq-midi-rs
# uart1: file
# ALSA sequencer core, MIDI input from the bridge into an OSS reader whose timer is
# stopped: /dev/sequencer is opened read-only (the OSS client subscribes to the bridge's
# port, its queue stays stopped), the UART (snd-serial-u16550 on QEMU's second ISA serial
# port) is put in loopback through the MCR bit in /dev/port, and amidi writes "90 3c 64".
# The bridge delivers the note to its subscribers from the rawmidi input work with the
# port's subscriber list read-locked; the OSS client starts its queue from inside that
# delivery, and the queue start is broadcast to the subscribers of System:Timer under that
# port's list lock, a second lock of the same class. Pass: the three bytes reach the OSS
# read queue as SEQ_MIDIPUTC records and the kernel log stays clean (lockdep).
# Proves patches/0011-ALSA-seq-give-the-System-ports-subscriber-lists-their-own-lock-class.patch:
# without it lockdep reports the first note, with either bridge.
. /snd-rs/scenarios/_lib.sh

only_bridge "$MOD"
load snd-serial-u16550 port=0x2f8 irq=3
load "$MOD"
load snd-seq-oss
card=$(sed -n 's/^ *\([0-9]*\) \[.*Serial MIDI.*/\1/p' /proc/asound/cards | head -n 1)
[ -n "$card" ] || fail "UART card not found"
grep -q 'Serial MIDI' /proc/asound/seq/clients || fail "no bridge client: $(cat /proc/asound/seq/clients)"
# Read-only: the OSS client subscribes to every MIDI port it knows (the bridge's among
# them, which opens the UART's input), and its timer is not started.
exec 4</dev/sequencer || fail "cannot open /dev/sequencer"
# MCR = RTS | DTR | OUT2 (as the driver sets it) | LOOP.
printf '\033' | dd of=/dev/port bs=1 seek=$((0x2fc)) count=1 2>/dev/null ||
	fail "cannot set the UART loopback bit"
run amidi -p "hw:$card,0" -S '90 3c 64'
sleep 1
# SEQ_MIDIPUTC records: 05 <byte> <device> 00 (after a timestamp record).
recs=$(dd bs=4 count=32 <&4 2>/dev/null | od -An -v -tx1 | tr -s ' \n' ' ')
exec 4<&-
say "read queue: $recs"
for b in 90 3c 64; do
	echo " $recs " | grep -q " 05 $b [0-9a-f][0-9a-f] 00 " || fail "byte $b did not reach the OSS reader"
done
run modprobe -r snd-seq-oss "$MOD" snd-serial-u16550
say "pass"
