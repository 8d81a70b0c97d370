#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the Rust documentation (kernel crate and ours) and fails on
# rustdoc warnings in snd-rs code.
source "$(dirname "$0")/common.sh"
log=$OUT/.snd-rs-rustdoc.log
"${KMAKE[@]}" rustdoc >"$log" 2>&1 || { tail -n 30 "$log"; die "make rustdoc failed"; }
if grep -A6 -E '^(warning|error)' "$log" | grep -qE -- "$OURS"; then
	grep -B2 -A12 -E '^(warning|error)' "$log" | head -n 60
	die "rustdoc warnings in snd-rs code; log: $log"
fi
step "rustdoc: $OUT/Documentation/output/rust/rustdoc/snd_sync/index.html"
