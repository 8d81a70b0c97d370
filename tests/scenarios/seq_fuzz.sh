#!/bin/sh
# modules: snd-seq-midi snd-seq-midi-rs
# uart1: file
# Seeded fuzzing of the sequencer side with samples/seq-fuzz, the same way for every module
# under test: the bridge (snd-seq-midi or -rs) bound to a real UART (snd-serial-u16550 on
# QEMU's second ISA serial port) gets random events of every type and length, directly, via
# subscriptions and from queues, while its port is subscribed and unsubscribed; the OSS
# sequencer (snd-seq-oss or -rs) gets random records, reads, polls and ioctls on
# /dev/sequencer and /dev/sequencer2, with MIDI input from snd-virmidi. Both run at once, for
# 60 s, one implementation per boot: MODULE names the bridge, and the OSS sequencer of the
# same implementation runs beside it (snd-seq-midi with snd-seq-oss, snd-seq-midi-rs with
# snd-seq-oss-rs), so each module gets its 60 s of fuzzing in half the boots.
# The UART stays out of loopback by default: with it (snd_rs.fuzz_loopback=1) the bridge's
# input path is fuzzed too, and the C bridge of 6.12.117 meets its input-teardown bug (the
# UART's interrupt queues the event work after the unsubscribe freed the runtime: KASAN
# slab-use-after-free in assign_work, in the first 60 s run, seed 14256447008952354930),
# which the Rust bridge does not have; `make stress STRESS_SCENARIOS=seq_fuzz
# STRESS_ARGS=snd_rs.fuzz_loopback=1` counts it (2026-12-01: C 4 of 6 runs, Rust 0 of 5). (The ALSA-core lockdep report that MIDI
# input into an OSS reader used to meet is fixed by patches/0011, see core_oss_midi_in.)
# Kernel command line: snd_rs.fuzz_seed=N (default: random, printed), snd_rs.fuzz_seconds=N
# (default 60), snd_rs.fuzz_loopback=1 (UART loopback).
# Pass: seq-fuzz's verdict, no kernel report (checked by the harness), no hang, and every
# module unloads afterwards. The UART's output is random bytes: no seq_fuzz.host check.
. /snd-rs/scenarios/_lib.sh
first_report_ends_boot

seed=$(karg fuzz_seed)
[ -n "$seed" ] || seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
seconds=$(karg fuzz_seconds)
[ -n "$seconds" ] || seconds=60
say "seed $seed, $seconds s"

case "$MOD" in
snd-seq-midi) bridge=$MOD oss=snd-seq-oss ;;
snd-seq-midi-rs) bridge=$MOD oss=snd-seq-oss-rs ;;
*) fail "not a bridge module: $MOD" ;;
esac
only_bridge "$bridge"
load snd-virmidi
load snd-serial-u16550 port=0x2f8 irq=3
load "$bridge"
load "$oss"
client=$(sed -n 's/^Client *\([0-9]*\) : "Serial MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
vcard=$(sed -n 's/^ *\([0-9]*\) \[VirMIDI.*/\1/p' /proc/asound/cards | head -n 1)
[ -n "$client" ] && [ -n "$vcard" ] || fail "bridge client '$client' / VirMIDI card '$vcard' not found"

loopback=
[ "$(karg fuzz_loopback)" = 1 ] && loopback=--uart-loopback
run seq-fuzz --seed "$seed" --seconds "$seconds" --bridge "$client:0" --oss \
	--virmidi "/dev/snd/midiC${vcard}D0" $loopback
# Nothing may be left open or subscribed: every module unloads.
run modprobe -r "$oss" "$bridge" snd-serial-u16550 snd-virmidi
for m in "$oss" "$bridge" snd-serial-u16550 snd-virmidi; do
	! grep -q "^$(echo "$m" | tr - _) " /proc/modules || fail "$m still loaded"
done
say "pass"
