#!/bin/sh
# modules: snd-seq-oss snd-seq-oss-rs
# sndm: snd-seq-oss-rs
# The OSS sequencer read queue as users see it (/dev/sequencer, /dev/sequencer2):
# echo round trip, capacity 1023 after 1500 echoes, RESET, the blocking-read
# EAGAIN quirk (also with SNDCTL_MIDI_PRETIME set), poll, short user buffers,
# music-mode 8-byte records, the /proc/asound/seq/oss read queue line, and MIDI
# input (notes, sysex) from a snd-virmidi rawmidi as SEQ_WAIT + SEQ_MIDIPUTC.
# The transcript must equal oss_seq.expected, whichever module provides the
# sequencer: that file was recorded on the C snd-seq-oss.
. /snd-rs/scenarios/_lib.sh

load snd-virmidi
# Only snd-seq-oss carries the OSS device aliases: an open of /dev/sequencer loads one module.
if grep -q ' snd_seq_oss_rs$' "/lib/modules/$(uname -r)/modules.alias"; then
	fail "snd-seq-oss-rs has module aliases: $(grep ' snd_seq_oss_rs$' "/lib/modules/$(uname -r)/modules.alias")"
fi
load "$MOD"
card=$(sed -n 's/^ *\([0-9]*\) \[VirMIDI.*/\1/p' /proc/asound/cards | head -n 1)
[ -n "$card" ] || fail "no VirMIDI card"
oss-seq-probe "/dev/snd/midiC${card}D0" >/tmp/oss_seq.out
rc=$?
cat /tmp/oss_seq.out
[ "$rc" = 0 ] || fail "oss-seq-probe exited $rc"
# The queue length comes from the module parameter maxqlen (capacity maxqlen - 1);
# a negative one makes every open fail for want of memory, as kcalloc() does in C.
run modprobe -r "$MOD"
for q in 8 1 -1; do
	run modprobe "$MOD" maxqlen=$q
	echo "maxqlen=$q: $(oss-seq-probe capacity)" | tee -a /tmp/oss_seq.out
	run modprobe -r "$MOD"
done
run modprobe "$MOD"
if ! diff -u /snd-rs/scenarios/oss_seq.expected /tmp/oss_seq.out; then
	fail "transcript differs from oss_seq.expected (recorded on C snd-seq-oss)"
fi
run modprobe -r "$MOD" snd-virmidi
say "pass"
