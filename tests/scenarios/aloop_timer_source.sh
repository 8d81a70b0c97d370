#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# Sound timers as the loopback's clock. A snd-dummy playback (period 1024 at 48 kHz) ticks
# for timer_source=hw:Dummy,0,0 given as a parameter: cable#0 shows "sound timer" and
# "timer open" lines, the cable holds the other end to the same period bytes, a 1 s pattern
# arrives bit-exact, and a loopback period that does not match the timer's resolution (512)
# ends in XRUN with the driver's "Period size ... not corresponding" message. Then through
# /proc/asound/Loopback/timer_source: the system timer ("-1", 4 ms ticks: a 192-frame period
# at 48 kHz runs), the high-resolution timer ("-1.3": its 1 ns ticks are refused, start
# EINVAL), and the empty write back to the jiffies timer. The transcript must equal
# aloop_timer_source.expected, recorded on the C snd-aloop.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

load snd-dummy
load "$MOD" pcm_substreams=1 timer_source=hw:Dummy,0,0
P=/proc/asound/Loopback
# moved PCM: whether the stream's hardware pointer advanced (its status file).
moved() {
	i=0
	while [ $i -lt 30 ]; do
		sed -n 's/^hw_ptr *: //p' "$P/$1/sub0/status" | grep -qv '^0$' && { echo moved; return; }
		i=$((i + 1))
		sleep 0.1
	done
	echo "still at 0"
}
# pattern: 1 s through cable 0, the leading silence (timer-dependent) left out.
pattern() {
	timeout 30 loopback-pattern hw:Loopback,0,0 hw:Loopback,1,0 48000 2 1 >/tmp/pattern.out 2>&1
	echo "loopback-pattern exit $?"
	sed 's/(.*silence first, /(/' /tmp/pattern.out
}
states() { for s in pcm0p pcm1c; do sed -n "s/^state: /$s: /p" $P/$s/sub0/status; done | paste -sd ' '; }
{
	echo "== timer_source=hw:Dummy,0,0 (parameter), dummy not running"
	cat $P/timer_source
	hold p/hw:Loopback,0,0/S16_LE/48000/2/1024/4096
	show $P/cable#0 | head -n 16
	aloop-hwparams refine hw:Loopback,1,0 c | grep 'PERIOD\|BUFFER_BYTES'
	release
	echo "== dummy playing, period 1024"
	aplay -q -D hw:Dummy,0,0 -f S16_LE -r 48000 -c 2 --period-size=1024 --buffer-size=4096 -d 20 /dev/zero 2>/dev/null &
	dummy=$!
	pattern
	dmesg -c >/dev/null
	hold p/hw:Loopback,0,0/S16_LE/48000/2/512/4096/start c/hw:Loopback,1,0/S16_LE/48000/2/512/4096/start
	i=0
	until [ "$(states)" = "pcm0p: XRUN pcm1c: XRUN" ] || [ $i -ge 50 ]; do i=$((i + 1)); sleep 0.1; done
	echo "period 512: $(states)"
	release
	dmesg | grep -o 'Period size.*' | sort -u
	kill $dummy
	wait $dummy
	echo "== system timer (-1): 4 ms ticks"
	echo -1 >$P/timer_source
	cat $P/timer_source
	hold p/hw:Loopback,0,0/S16_LE/48000/2/192/768/start c/hw:Loopback,1,0/S16_LE/48000/2/192/768/start
	echo "playback $(moved pcm0p), capture $(moved pcm1c)"
	show $P/cable#0 | head -n 16 | running
	release
	echo "== high-resolution timer (-1.3)"
	echo -1.3 >$P/timer_source
	dmesg -c >/dev/null
	hold p/hw:Loopback,0,0/S16_LE/48000/2/1024/4096
	release
	aloop-hwparams hold p/hw:Loopback,0,0/S16_LE/48000/2/1024/4096/start </dev/null
	dmesg | grep -o 'snd_timer_st.*' | sort -u
	echo "== back to jiffies"
	echo >$P/timer_source
	echo "timer_source: '$(cat $P/timer_source)'"
	hold p/hw:Loopback,0,0/S16_LE/48000/2/1024/4096
	show $P/cable#0 | head -n 20
	release
	pattern
} >/tmp/aloop_timer_source.out 2>&1
transcript aloop_timer_source
run modprobe -r "$MOD" snd-dummy
say "pass"
