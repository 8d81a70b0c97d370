#!/bin/sh
# modules: snd-aloop-rs
# CPU parity guard: the pointer path (SNDRV_PCM_IOCTL_HWSYNC on a running capture: the
# driver's pointer callback with the cable's position update under its lock), timed by
# samples/aloop-bench, alternating the C snd-aloop and snd-aloop-rs in one boot, 5 rounds
# each. The median of the Rust rounds must stay within 110 % of the median of the C rounds.
# Medians of alternating rounds do not flip on the noise of QEMU TCG the way kernel-tick
# totals of two rounds did; `make bench` measures more, on a non-debug kernel.
. /snd-rs/scenarios/_lib.sh

# round MODULE: ns per HWSYNC (median of 5 batches of 20000 calls) into $n.
round() {
	modprobe "$1" pcm_substreams=1 || fail "modprobe $1"
	aloop-bench hwsync 20000 5 >/tmp/ns || fail "aloop-bench on $1 failed"
	modprobe -r "$1" || fail "modprobe -r $1"
	n=$(cat /tmp/ns)
}

# median N...: the middle value.
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

c=
rs=
for i in 1 2 3 4 5; do
	round snd-aloop
	say "round $i: snd-aloop    $n ns per HWSYNC"
	c="$c $n"
	round snd-aloop-rs
	say "round $i: snd-aloop-rs $n ns per HWSYNC"
	rs="$rs $n"
done
# shellcheck disable=SC2086 # word splitting of the round lists is intended
mc=$(median $c)
# shellcheck disable=SC2086
mr=$(median $rs)
say "median: C $mc ns, Rust $mr ns per HWSYNC (Rust/C $((mr * 100 / mc)) %)"
[ "$mc" -gt 0 ] || fail "no time measured"
[ $((mr * 100)) -le $((mc * 110)) ] || fail "snd-aloop-rs's pointer path takes more than 110 % of snd-aloop's"
say "pass"
