#!/bin/sh
# modules: snd-aloop-rs
# CPU parity guard: the pointer path (SNDRV_PCM_IOCTL_HWSYNC on a running capture: the
# driver's pointer callback with the cable's position update under its lock), timed by
# samples/aloop-bench, alternating the C snd-aloop and snd-aloop-rs in one boot, 7 rounds
# each (a round: the median of 5 batches of 20000 calls). The fastest Rust round must stay
# within 110 % of the fastest C round. Host load only ever adds time, and under QEMU TCG it
# came in bursts that lifted 3 of 5 rounds of one side (medians 115 % and 142 % apart on
# unchanged code, fastest rounds 104 %); a slower pointer path lifts every round, the
# fastest too. The medians are printed as well. `make bench` measures more, on a non-debug
# kernel.
. /snd-rs/scenarios/_lib.sh

# round MODULE: ns per HWSYNC (median of 5 batches of 20000 calls) into $n.
round() {
	modprobe "$1" pcm_substreams=1 || fail "modprobe $1"
	aloop-bench hwsync 20000 5 >/tmp/ns || fail "aloop-bench on $1 failed"
	modprobe -r "$1" || fail "modprobe -r $1"
	n=$(cat /tmp/ns)
}

# median N...: the middle value. fastest N...: the smallest.
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
fastest() { printf '%s\n' "$@" | sort -n | head -n1; }

c=
rs=
for i in 1 2 3 4 5 6 7; do
	round snd-aloop
	say "round $i: snd-aloop    $n ns per HWSYNC"
	c="$c $n"
	round snd-aloop-rs
	say "round $i: snd-aloop-rs $n ns per HWSYNC"
	rs="$rs $n"
done
# shellcheck disable=SC2086 # word splitting of the round lists is intended
mc=$(median $c) mr=$(median $rs) fc=$(fastest $c) fr=$(fastest $rs)
[ "$mc" -gt 0 ] && [ "$fc" -gt 0 ] || fail "no time measured"
say "median: C $mc ns, Rust $mr ns per HWSYNC (Rust/C $((mr * 100 / mc)) %)"
say "fastest: C $fc ns, Rust $fr ns per HWSYNC (Rust/C $((fr * 100 / fc)) %)"
[ $((fr * 100)) -le $((fc * 110)) ] || fail "snd-aloop-rs's pointer path takes more than 110 % of snd-aloop's"
say "pass"
