#!/bin/sh
# modules:
# prod: - snd.slots=snd-dummy snd_aloop.pcm_substreams=2 snd_seq_midi.input_buffer_size=1024
# uart1: file
# The Rust implementations in the C modules' place (the prod kernel only, where Kconfig
# builds them as snd-aloop, snd-seq-midi and snd-seq-oss), as a user meets them:
# - snd-aloop is built in from snd-rs; its parameter from the kernel command line
#   (snd_aloop.pcm_substreams=2) shows in /sys/module/snd_aloop and on the card; the snd
#   core's slots=snd-dummy keeps card 0 for snd-dummy, so the loopback card is 1 and a
#   snd-dummy loaded later gets 0; /proc/asound/modules names snd-dummy's module (a built-in
#   card has no module, in C as here);
# - plugging a raw MIDI device (snd-serial-u16550 on the second UART) makes the sequencer
#   core load snd-seq-midi by name: the Rust bridge, with its options from modprobe.d
#   (output_buffer_size) and from the kernel command line (input_buffer_size), and its
#   client shows in /proc/asound/seq/clients and aconnect -l;
# - opening /dev/sequencer loads exactly one OSS sequencer module by its sound-service
#   alias, snd-seq-oss with the Rust read queue, with maxqlen from modprobe.d.
. /snd-rs/scenarios/_lib.sh

# The kernel runs /sbin/modprobe for request_module(); this initramfs has it in /bin.
echo /bin/modprobe >/proc/sys/kernel/modprobe
mods=/lib/modules/$(uname -r)
mkdir -p /etc/modprobe.d
cat >/etc/modprobe.d/snd-rs.conf <<EOF
options snd-seq-midi output_buffer_size=8192
options snd-seq-oss maxqlen=16
EOF

# rust_in MODULE: the module's code has Rust (v0-mangled) symbols.
rust_in() { grep -q " _R[^ ]*[[:space:]]*\[$1\]" /proc/kallsyms; }

say "== snd-aloop: built in, from snd-rs"
grep -E '/snd-aloop\.ko$' $mods/modules.builtin || fail "snd-aloop is not built in"
grep -q 'snd-rs/snd-aloop\.ko$' $mods/modules.builtin || fail "the built-in snd-aloop is not snd-rs's"
grep -q ' __snd_aloop_init$' /proc/kallsyms || fail "no Rust module init __snd_aloop_init"
[ ! -e $mods/kernel/sound/drivers/snd-aloop.ko ] || fail "the C snd-aloop.ko was built too"
run modprobe snd-aloop
v=$(cat /sys/module/snd_aloop/parameters/pcm_substreams)
say "pcm_substreams: $v"
case "$v" in 2,8,*) ;; *) fail "snd_aloop.pcm_substreams=2 (command line) not applied: $v" ;; esac
n=$(ls -d /proc/asound/Loopback/pcm0p/sub* | wc -l)
[ "$n" = 2 ] || fail "the loopback card has $n substreams, not 2"

say "== slots=snd-dummy: the loopback card skipped slot 0"
cat /proc/asound/cards
grep -q '^ 1 \[Loopback' /proc/asound/cards || fail "the loopback card is not card 1"
load snd-dummy
grep -q '^ 0 \[Dummy' /proc/asound/cards || fail "snd-dummy did not get its slot 0"
cat /proc/asound/modules
grep -qx ' 0 snd_dummy' /proc/asound/modules || fail "/proc/asound/modules: no ' 0 snd_dummy'"
unload snd-dummy

say "== a raw MIDI device appears: the sequencer core loads snd-seq-midi, the Rust bridge"
grep -q '^snd_seq_midi ' /proc/modules && fail "snd-seq-midi loaded before any MIDI device"
load snd-serial-u16550 port=0x2f8 irq=3
i=0
until grep -q '^Client .*"Serial MIDI' /proc/asound/seq/clients; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no sequencer client for the UART after 10 s: $(cat /proc/asound/seq/clients)"
	sleep 0.1
done
grep '^snd_seq_midi ' /proc/modules || fail "snd_seq_midi is not loaded"
rust_in snd_seq_midi || fail "snd_seq_midi has no Rust code"
[ ! -e /sys/module/snd_seq_midi_rs ] || fail "a module snd_seq_midi_rs exists"
aconnect -l
o=$(cat /sys/module/snd_seq_midi/parameters/output_buffer_size)
i=$(cat /sys/module/snd_seq_midi/parameters/input_buffer_size)
say "output_buffer_size: $o (modprobe.d), input_buffer_size: $i (command line)"
[ "$o" = 8192 ] || fail "options snd-seq-midi output_buffer_size=8192 not applied: $o"
[ "$i" = 1024 ] || fail "snd_seq_midi.input_buffer_size=1024 not applied: $i"
unload snd-serial-u16550 snd-seq-midi

say "== opening /dev/sequencer loads one OSS sequencer module"
grep -E 'sound-service-\?-(1|8) ' $mods/modules.alias
[ "$(grep -cE 'sound-service-\?-(1|8) ' $mods/modules.alias)" = 2 ] ||
	fail "not exactly 2 OSS sequencer aliases"
grep -qE 'sound-service-\?-(1|8) snd_seq_oss$' $mods/modules.alias || fail "aliases not snd_seq_oss's"
# With neither a synth nor a MIDI device the OSS sequencer refuses the open (ENODEV,
# snd_seq_oss_open()): snd-virmidi gives it one, as in oss_seq.
load snd-virmidi
grep -q '^snd_seq_oss ' /proc/modules && fail "snd-seq-oss loaded before the open"
[ -e /dev/sequencer ] || mknod /dev/sequencer c 14 1
c=$(oss-seq-probe capacity)
say "$c"
grep -E '^snd_seq_oss' /proc/modules
[ "$(grep -c '^snd_seq_oss' /proc/modules)" = 1 ] || fail "not exactly one OSS sequencer module loaded"
rust_in snd_seq_oss || fail "snd_seq_oss has no Rust code (the read queue)"
[ "$c" = "echoes held of 100: 15" ] || fail "options snd-seq-oss maxqlen=16 not applied: $c"
unload snd-seq-oss snd-virmidi
say "pass"
