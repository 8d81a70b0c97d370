#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# Module parameters and bad input: the parameters in /sys/module (names, modes, values,
# including the "(null)" of unset strings); pcm_substreams=0 and 9 clamped to 1 and 8 (and
# written back to the parameter); enable=0 refused with ENODEV and "No loopback enabled";
# a second card (enable=0,1: "Loopback 2"), two cards with id= and index=, a duplicate index;
# /proc/asound/Loopback/timer_source: garbage, blanks, an overlong line (cut at 63), the
# empty write; opening a PCM with an unparsable or missing timer source (errno), then
# with the jiffies timer again; timer_source= as a parameter. The transcript must equal
# aloop_params.expected, recorded on the C snd-aloop.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

m=$(echo "$MOD" | tr - _)
T=/proc/asound/Loopback/timer_source
params() {
	for f in /sys/module/$m/parameters/*; do
		echo "$(stat -c %A "$f") ${f##*/}: $(cat "$f")"
	done
}
cards() {
	cat /proc/asound/cards
	for c in /proc/asound/card[0-9]*; do
		echo "$(cat $c/id): $(grep -c . $c/pcm0p/info) info lines, $(ls -d $c/pcm0p/sub* | wc -l) playback substreams"
	done
}
# try_load ARGS...: modprobe's verdict without the module's path (the Rust one differs).
try_load() {
	dmesg -c >/dev/null
	out=$(modprobe "$MOD" "$@" 2>&1)
	echo "modprobe $*: exit $?: ${out##*: }"
	dmesg | grep -o 'No loopback enabled' | sort | uniq -c | sed 's/^ *//'
}
topen() {
	r=$(aloop-hwparams refine hw:Loopback,0,0 p 2>&1)
	case $r in space:*) echo ok ;; *) echo "$r" ;; esac
}
unload() { modprobe -r "$MOD" || echo "modprobe -r failed"; }

{
	echo "== defaults"
	try_load
	params
	cards
	unload
	echo "== pcm_substreams=0,9 enable=1,1"
	try_load pcm_substreams=0,9 enable=1,1
	params | grep 'pcm_substreams\|enable'
	cards
	unload
	echo "== enable=0"
	try_load enable=0
	echo "loaded: $(grep -c "^$m " /proc/modules)"
	echo "== enable=0,1"
	try_load enable=0,1
	cards
	unload
	echo "== enable=1,1 id=Foo,Bar index=3,5 pcm_notify=0,1"
	try_load enable=1,1 id=Foo,Bar index=3,5 pcm_notify=0,1
	params
	cards
	amixer -c Bar cget iface=PCM,name='PCM Notify' | tail -n 1
	amixer -c Foo cget iface=PCM,name='PCM Notify' | tail -n 1
	unload
	echo "== enable=1,1 id=Foo"
	try_load enable=1,1 id=Foo
	cards
	unload
	echo "== enable=1,1 index=2,2"
	try_load enable=1,1 index=2,2
	cards
	unload
	echo "== timer_source through /proc"
	try_load pcm_substreams=1
	ls -l $T | cut -c1-10
	for v in 'garbage!' '  hw:Loopback,1,0  ' 'x123456789012345678901234567890123456789012345678901234567890123456789' 'hw:0' ''; do
		echo "$v" >$T
		echo "wrote '$v': reads '$(cat $T)', $(wc -c <$T) bytes"
	done
	printf 'two\nlines\n' >$T
	echo "wrote two lines: reads '$(cat $T)'"
	for v in 'garbage!' '7' 'hw:Nope' 'hw:0,9' 'hw:0,0,7' '0x0' ''; do
		echo "$v" >$T
		echo "open with timer source '$v': $(topen)"
	done
	unload
	echo "== timer_source=hw:Nope as a parameter"
	try_load pcm_substreams=1 timer_source=hw:Nope,hw:Other
	params | grep timer_source
	echo "reads '$(cat $T)'"
	echo "open: $(topen)"
	echo >$T
	echo "open after the empty write: $(topen)"
	unload
} >/tmp/aloop_params.out 2>&1
transcript aloop_params
say "pass"
