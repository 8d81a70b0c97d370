#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# prod: snd-aloop snd_aloop.pcm_substreams=2
# What the loopback card shows in /proc and to amixer: the cards, pcm and pcm*/info lines,
# the card's id, driver, names and control count; cable#0, cable#1 and timer_source with
# nothing open (all 8 substream slots listed, 2 of them real with pcm_substreams=2), with
# playback 0,0 and capture 1,0 prepared but not started, with both running (positions and
# jiffies masked) at the default and at an 80000 rate shift, with a lone playback on 1,1,
# and after everything closed. The transcript must equal aloop_proc.expected, recorded on
# the C snd-aloop.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

load "$MOD" pcm_substreams=2
P=/proc/asound/Loopback
S16=S16_LE/48000/2/1024/4096
{
	echo "== the card"
	cat /proc/asound/cards
	cat /proc/asound/card*/id
	cat /proc/asound/pcm
	ls $P $P/pcm0p $P/pcm1c $P/pcm1c/sub1
	show $P/pcm0p/info $P/pcm0c/info $P/pcm1p/info $P/pcm1c/info $P/pcm1c/sub1/info
	amixer -c Loopback info
	echo "== nothing open"
	show $P/cable#0 $P/cable#1 $P/timer_source
	echo "== playback 0,0 and capture 1,0 prepared"
	hold p/hw:Loopback,0,0/$S16 c/hw:Loopback,1,0/$S16
	show $P/cable#0 $P/cable#1 $P/pcm0p/sub0/hw_params $P/pcm1c/sub0/hw_params
	show $P/pcm0p/info $P/pcm1c/sub0/info
	release
	echo "== both running"
	hold p/hw:Loopback,0,0/$S16/start c/hw:Loopback,1,0/$S16/start
	show $P/cable#0 | running
	release
	echo "== both running, rate shift 80000, S32_LE 44100 1 on substream 1"
	aloop-hwparams cset 1 1 'PCM Rate Shift 100000' 80000
	hold p/hw:Loopback,0,1/S32_LE/44100/1/441/1764/start c/hw:Loopback,1,1/S32_LE/44100/1/441/1764/start
	show $P/cable#0 | running
	release
	echo "== a lone playback on 1,1, not started"
	hold p/hw:Loopback,1,1/S16_LE/8000/1/64/256
	show $P/cable#1
	release
	echo "== all closed"
	show $P/cable#0 $P/cable#1
} >/tmp/aloop_proc.out 2>&1
transcript aloop_proc
unload "$MOD"
say "pass"
