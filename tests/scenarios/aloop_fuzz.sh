#!/bin/sh
# modules: snd-aloop snd-aloop-rs
# Seeded fuzzing of the loopback's PCM side (samples/pcm-fuzz, 4 threads, pcm_substreams=4):
# opens and closes of both ends of the cables, random well-formed PCM ioctl sequences with
# parameters at their limits, extreme appl_ptr/avail_min in mapped control pages, extreme
# mixer values, garbage in timer_source. Half of the operations are drawn for a stream that
# runs, by its state (a running playback drains, a draining one gets appl_ptr at the wrap
# edges, position updates of either end of its cable follow), so that the cable states where
# the loopback copies come often. Kernel command line: snd_rs.fuzz_seed=N (default: from
# /dev/urandom, printed), snd_rs.fuzz_seconds=N (default 60), snd_rs.fuzz_link=0 (leaves out
# LINK/UNLINK; on by default: the four ALSA-core bugs that linked streams reach are fixed by
# patches/0009-0012, each with its core_* scenario). Passes when the kernel log stays clean,
# nothing hangs, every stream is closed afterwards and the module unloads. The first oops
# or warning ends the boot (a panic in an ioctl only oopses, and the guest would run on).
. /snd-rs/scenarios/_lib.sh
first_report_ends_boot

P=/proc/asound/Loopback
seed=$(karg fuzz_seed)
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
seconds=$(karg fuzz_seconds)
[ -n "$seconds" ] || seconds=60
link=--link
[ "$(karg fuzz_link)" = 0 ] && link=
say "seed=$seed seconds=$seconds ${link:-(no link)}"

load "$MOD" pcm_substreams=4
timeout $((seconds + 60)) pcm-fuzz fuzz --seed "$seed" --seconds "$seconds" $link ||
	fail "pcm-fuzz exited $? (seed $seed)"
for f in $P/pcm*/sub*/status; do
	[ "$(cat "$f")" = closed ] || fail "$f: $(cat "$f")"
done
grep -q 'valid\|running' $P/cable#0 $P/cable#1 && fail "a cable is still in use: $(cat $P/cable#0 $P/cable#1)"
say "all streams closed"
run modprobe -r "$MOD"
say "pass (seed $seed)"
