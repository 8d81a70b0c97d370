#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the userspace clients in samples/ (host workspace) for the guest.
source "$(dirname "$0")/common.sh"
cd "$SND_RS_ROOT"
CARGO_TARGET_DIR=$HOSTTARGET cargo build --release --workspace --quiet ||
	die "cargo build of samples/ failed"
step "samples built: $(cd "$HOSTTARGET/release" && find . -maxdepth 1 -type f -perm -u+x -printf '%f ')"
