#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# The kernel's own ALSA selftests (tools/testing/selftests/alsa, built against
# libasound2-dev): mixer-test and pcm-test on a card of 1 substream per device
# (mixer-test's cases are per control, and 8 substreams only repeat the same
# per-substream controls 8 times, at 4 minutes per module under KASAN). Their
# result lines (ok / not ok / skip per case, and the totals)
# must equal aloop_kselftest.expected, recorded on the C snd-aloop; the
# "PCM Notify" name-rule failures are an upstream quirk both modules keep.
. /snd-rs/scenarios/_lib.sh
. /snd-rs/scenarios/_aloop.sh

K=/snd-rs/kselftest
[ -x $K/mixer-test ] || fail "kselftest alsa not in the initramfs"
# results NAME: the TAP result and total lines of a selftest's output.
results() { grep -E '^(ok|not ok) [0-9]+ |^# Totals:' "$1"; }
load "$MOD" pcm_substreams=1
(cd $K && ./mixer-test >/tmp/mixer-test.log 2>&1)
mixer_rc=$?
(cd $K && ./pcm-test >/tmp/pcm-test.log 2>&1)
pcm_rc=$?
run modprobe -r "$MOD"
{
	echo "== mixer-test, pcm_substreams=1"
	echo "exit $mixer_rc"
	results /tmp/mixer-test.log
	echo "== pcm-test, pcm_substreams=1"
	echo "exit $pcm_rc"
	results /tmp/pcm-test.log
} >/tmp/aloop_kselftest.out 2>&1
say "mixer-test $(grep '^# Totals' /tmp/mixer-test.log); pcm-test $(grep '^# Totals' /tmp/pcm-test.log)"
transcript aloop_kselftest
say "pass"
