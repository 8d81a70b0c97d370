#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs tests/kunit/.kunitconfig with the kernel's own kunit.py (its own build
# directory, so it does not disturb the test kernel's).
source "$(dirname "$0")/common.sh"
cd "$SRC"
python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig="$SND_RS_ROOT/tests/kunit" \
	--make_options LLVM=-19 --jobs "$JOBS" \
	--build_dir="$CACHE/kunit-build" "$@"
