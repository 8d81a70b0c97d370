#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the userspace clients in samples/ (host workspace) for the guest.
source "$(dirname "$0")/common.sh"
cd "$SND_RS_ROOT"
# tools/review is a host tool (make review), not a guest client.
CARGO_TARGET_DIR=$HOSTTARGET cargo build --release --workspace --exclude snd-review --quiet ||
	die "cargo build of samples/ failed"
step "samples built: $(cd "$HOSTTARGET/release" && find . -maxdepth 1 -type f -perm -u+x -printf '%f ')"

# The kernel's own ALSA selftests (mixer-test, pcm-test) from the prepared tree, against
# Debian's libasound2-dev; the guest runs them on snd-aloop and snd-aloop-rs.
kst=$SRC/tools/testing/selftests/alsa
if [ -d "$kst" ]; then
	out=$CACHE/kselftest-alsa
	mkdir -p "$out"
	make -s -C "$kst" OUTPUT="$out" "$out/mixer-test" "$out/pcm-test" >"$out/build.log" 2>&1 ||
		die "kselftest alsa build failed: $out/build.log"
	cp -r "$kst/conf.d" "$kst/pcm-test.conf" "$out/"
	step "kselftest alsa built: $out (mixer-test, pcm-test)"
fi
