#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# sndm: snd-aloop-rs
# Hardware parameters (samples/aloop-hwparams): the accept/reject table on hw:Loopback,0,0
# (15 formats, rates 8000..768000, 1..32 channels, the four access modes, period bytes
# 64..1 MiB, buffer bytes up to 2 MiB, 1..1024 periods) with the sizes alsa-lib then picks;
# the whole configuration space of an idle playback and capture; the cable rules (a prepared
# capture on 1,0 restricts the playback on 0,0 to its format, rate and channels, and the
# cable keeps that restriction while either end stays open); through raw ioctls, a playback
# configured before the capture starts stops it on start (capture DRAINING, reads EBADFD,
# restart EIO) and a capture prepared against a mismatching playback fails to start with
# EIO; busy substreams (EBUSY). The rules run with pcm_notify=0, pcm_notify=1 (the cable then
# follows the playback) and pcm_notify=1 with cable 0's PCM Notify control turned off.
# The transcript must equal aloop_hwparams.expected, recorded on the C snd-aloop.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

load "$MOD" pcm_substreams=2
{
	echo "== table"
	aloop-hwparams table
	echo "== refine playback 0,0"
	aloop-hwparams refine hw:Loopback,0,0 p
	echo "== refine capture 1,1"
	aloop-hwparams refine hw:Loopback,1,1 c
	echo "== busy"
	aloop-hwparams busy
	echo "== rules, pcm_notify=0"
	aloop-hwparams rules
} >/tmp/aloop_hwparams.out 2>&1
run modprobe -r "$MOD"
load "$MOD" pcm_substreams=1 pcm_notify=1
{
	echo "== rules, pcm_notify=1"
	aloop-hwparams rules
	echo "== rules, pcm_notify=1, PCM Notify of cable 0 off"
	amixer -q -c Loopback cset iface=PCM,name='PCM Notify',device=1 off
	aloop-hwparams rules
	echo "== slave controls of cable 0 after that"
	amixer -c Loopback contents | grep -A4 'device=1$' | grep 'device=1$\|: values'
} >>/tmp/aloop_hwparams.out 2>&1
transcript aloop_hwparams
run modprobe -r "$MOD"
say "pass"
