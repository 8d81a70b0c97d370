#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# The loopback's mixer controls: every control with pcm_substreams=1 (and the list, a
# checksum and one entry of the 112 of the default 8 substreams); the PCM Slave controls of
# cable 0 (device=1) following a playback on hw:Loopback,0,0 only when it starts (S32_LE 44100
# 1, then non-interleaved S16_LE 96000 4), PCM Slave Active 1 while it runs and 0 after;
# PCM Rate Shift 100000 clamped to 80000..120000 by the driver (written as is, past amixer's
# own clamping: 70000, 130000, -5, 99999); PCM Notify on/off; writes to the read-only
# controls refused. The transcript must equal aloop_controls.expected, recorded on the C
# snd-aloop.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

# slave [DEVICE]: the PCM Slave controls of substream 0 of DEVICE (default 1: cable 0).
slave() {
	for c in Active Format Rate Channels 'Access Mode'; do
		printf '%s: ' "$c"
		amixer -c Loopback cget "iface=PCM,name=PCM Slave $c,device=${1:-1}" | sed -n 's/^ *: values=//p'
	done | paste -sd ' '
}

load "$MOD"
{
	echo "== pcm_substreams=8 (default)"
	amixer -c Loopback controls
	echo "contents: $(amixer -c Loopback contents | wc -l) lines, md5 $(amixer -c Loopback contents | md5sum | cut -d' ' -f1)"
	amixer -c Loopback cget numid=112
} >/tmp/aloop_controls.out 2>&1
run modprobe -r "$MOD"
load "$MOD" pcm_substreams=1
{
	echo "== pcm_substreams=1"
	amixer -c Loopback contents
	echo "== slave controls of cable 0 (device=1)"
	echo "at load: $(slave)"
	hold p/hw:Loopback,0,0/S32_LE/44100/1/1024/4096
	echo "playback S32_LE 44100 1 prepared: $(slave)"
	release
	hold p/hw:Loopback,0,0/S32_LE/44100/1/1024/4096/start
	echo "playback S32_LE 44100 1 running: $(slave)"
	release
	echo "after it closed: $(slave)"
	hold p/hw:Loopback,0,0/S16_LE/96000/4/1024/4096/ni/start
	echo "playback S16_LE 96000 4 non-interleaved running: $(slave)"
	release
	hold p/hw:Loopback,0,0/S24_3BE/8000/32/64/1024/mmap/start
	echo "playback S24_3BE 8000 32 mmap running: $(slave)"
	release
	echo "after it closed: $(slave)"
	echo "device 0 (cable 1) untouched: $(slave 0)"
	echo "== PCM Rate Shift 100000"
	for v in 70000 130000 -5 99999 80000 120000 2147483647; do
		aloop-hwparams cset 1 0 'PCM Rate Shift 100000' $v
	done
	amixer -c Loopback cset iface=PCM,name='PCM Rate Shift 100000' 70000
	echo "amixer exit $?"
	echo "== PCM Notify"
	amixer -c Loopback cset iface=PCM,name='PCM Notify',device=1 on
	amixer -c Loopback cset iface=PCM,name='PCM Notify' 1
	aloop-hwparams cset 1 0 'PCM Notify' 7
	aloop-hwparams cset 0 0 'PCM Notify' 0
	amixer -c Loopback cset iface=PCM,name='PCM Notify',device=1 off
	echo "== read-only controls"
	amixer -c Loopback cset iface=PCM,name='PCM Slave Rate',device=1 44100
	echo "amixer exit $?"
	for c in Active Format Rate Channels 'Access Mode'; do
		aloop-hwparams cset 1 0 "PCM Slave $c" 1
	done
	aloop-hwparams cset 0 1 'PCM Notify' 1
	echo "after: $(slave)"
} >>/tmp/aloop_controls.out 2>&1
transcript aloop_controls
run modprobe -r "$MOD"
say "pass"
