#!/bin/sh
# modules: snd-seq-midi snd-seq-midi-rs
# sndm: snd-seq-midi-rs
# uart1: file
# Rawmidi -> sequencer input through the bridge, with malformed bytes: the UART
# (snd-serial-u16550 on QEMU's second ISA serial port) is put in loopback (MCR
# loop bit through /dev/port), amidi writes raw bytes to it, and they come back
# as input; aseqdump, subscribed to the bridge's port, prints the events.
# Also: unloading the bridge while its port is subscribed fails as in C, and
# `aconnect -l` lists the same clients and ports.  The transcript must equal
# seq_midi_in.expected (recorded on the C snd-seq-midi).
. /snd-rs/scenarios/_lib.sh

only_bridge "$MOD"
load snd-serial-u16550 port=0x2f8 irq=3
load "$MOD"
card=$(sed -n 's/^ *\([0-9]*\) \[.*Serial MIDI.*/\1/p' /proc/asound/cards | head -n 1)
client=$(sed -n 's/^Client *\([0-9]*\) : "Serial MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
[ -n "$card" ] && [ -n "$client" ] || fail "UART card '$card' / bridge client '$client' not found"
out=/tmp/seq_midi_in.out
{
	echo "== aconnect -l"
	aconnect -l
	seq-midi-race info "$client:0"
} >"$out"

aseqdump -p "$client:0" >/tmp/dump 2>&1 &
dump=$!
sleep 1
if modprobe -r "$MOD" 2>/dev/null; then
	echo "unload while subscribed: succeeded" >>"$out"
else
	echo "unload while subscribed: refused" >>"$out"
fi
# MCR = RTS | DTR | OUT2 (as the driver sets it) | LOOP.
printf '\033' | dd of=/dev/port bs=1 seek=$((0x2fc)) count=1 2>/dev/null ||
	fail "cannot set the UART loopback bit"

send() { run amidi -p "hw:$card,0" -S "$*"; sleep 0.3; }
send 90 3c 64 3e 64 80 3c 00          # note on, running status, note off
send 90 3c b0 07 40                   # truncated note on, then a controller
send 90 3c f8 64                      # a clock byte inside a message
send 11 22                            # data bytes under the running status (b0)
send f0 01 02 90 40 50                # sysex cut short by a status byte
send e0 00 40 c0 05 d0 10 a0 3c 20    # bend, program, channel/key pressure
send f4 f6 f1 10 f2 01 02 f3 03       # undefined, tune request, MTC, SPP, song
# A 300-byte sysex (the codec's buffer is 256), 10 bytes per write: the
# emulated loopback overruns the UART's receive FIFO on longer bursts.
say "\$ amidi: a 300-byte sysex in 30 writes"
i=0
while [ $i -lt 300 ]; do
	chunk=
	j=0
	while [ $j -lt 10 ]; do
		n=$((i + j))
		if [ $n = 0 ]; then b=f0; elif [ $n = 299 ]; then b=f7; else b=$(printf '%02x' $((n % 128))); fi
		chunk="$chunk $b"
		j=$((j + 1))
	done
	amidi -p "hw:$card,0" -S "$chunk" || fail "amidi failed"
	sleep 0.05
	i=$((i + 10))
done
sleep 1
kill "$dump"
wait "$dump" 2>/dev/null
echo "== aseqdump -p $client:0" >>"$out"
# aseqdump's banner names our pid-free header lines only; keep the events.
grep -v '^Waiting for data\|^Source' /tmp/dump >>"$out"

# Parameters as C declares them (name, mode, value), then hotplug: the port
# goes with the card and comes back with it while the bridge stays loaded.
modname=$(echo "$MOD" | tr - _)
for p in input_buffer_size output_buffer_size; do
	echo "param $p: $(stat -c %a "/sys/module/$modname/parameters/$p") $(cat "/sys/module/$modname/parameters/$p")"
done >>"$out"
run modprobe -r snd-serial-u16550
echo "bridge clients without the card: $(grep -c 'Serial MIDI' /proc/asound/seq/clients)" >>"$out"
load snd-serial-u16550 port=0x2f8 irq=3
echo "bridge clients with the card again: $(grep -c 'Serial MIDI' /proc/asound/seq/clients)" >>"$out"
# Bad parameter: an input buffer below the rawmidi minimum (32) makes the
# subscription fail, as in C.
run modprobe -r "$MOD"
load "$MOD" input_buffer_size=16
client=$(sed -n 's/^Client *\([0-9]*\) : "Serial MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1)
timeout 2 aseqdump -p "$client:0" >/tmp/dump2 2>&1
echo "subscribe with input_buffer_size=16: rc $? $(head -n 1 /tmp/dump2)" >>"$out"
cat "$out"
if ! diff -u /snd-rs/scenarios/seq_midi_in.expected "$out"; then
	fail "transcript differs from seq_midi_in.expected (recorded on C snd-seq-midi)"
fi
run modprobe -r "$MOD" snd-serial-u16550
say "pass"
