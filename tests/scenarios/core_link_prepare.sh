#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# ALSA core (pcm_native.c), PREPARE of a linked group against the release of one of its
# members: samples/pcm-link-race links two captures of the loopback, the second with a
# 2 MiB vmalloc'ed buffer, PREPAREs the group in one thread and closes the second capture
# in another (200 rounds, the close 0-1.8 ms into the prepares). The release freed the
# buffer (hw_free) before the stream left the group, so the group's prepare could run the
# driver's prepare on it: the silence fill of the capture buffer wrote into unmapped
# vmalloc space (oops in memset), or the driver's state was already gone (KASAN). Then the
# same with HW_FREE/HW_PARAMS on the member instead of the close, which the buffer lock
# serialises with the group's prepare. Pass: clean kernel log, both runs reached the race.
# Proves patches/0009-ALSA-pcm-leave-the-linked-group-before-freeing-a-released-stream.patch:
# without it the group's silence fill hits the freed buffer (oops in memset_orig, or KASAN
# null-ptr-deref when dma_area is already cleared) in the first run, with either module.
. /snd-rs/scenarios/_lib.sh

# The oops happens in the prepare ioctl with the PCM link semaphore held, and the closing
# thread then waits for that semaphore forever: make any kernel report end the boot at once.
echo 1 >/proc/sys/kernel/panic_on_oops
echo 1 >/proc/sys/kernel/panic_on_warn
load "$MOD" pcm_substreams=2
run timeout 60 pcm-link-race close 200
run timeout 60 pcm-link-race hw-params 100
grep -q 'running\|prepared\|setup' /proc/asound/Loopback/pcm0c/sub*/status &&
	fail "a capture is still open: $(cat /proc/asound/Loopback/pcm0c/sub*/status)"
run modprobe -r "$MOD"
say "pass"
