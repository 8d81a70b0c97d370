#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make test, static stage: the review map (docs/review.md) is complete and current. Fails
# when a C function, struct, table or parameter of the C originals (or a function patch 0006
# changes in a C caller) has neither a Rust item tagged `/// C: name()` nor an entry in
# tools/review/map.toml; when a tag names a C function that exists neither there nor in the
# kernel headers / ALSA core; when map.toml or a docs/backports/ verdict names a Rust item
# that is gone; or when docs/review-map.md is not what `make review-map` writes.
source "$(dirname "$0")/review.sh"
review_tool
if ! "$review" --root "$SND_RS_ROOT" --tree "$SRC" --cache "$CACHE" check; then
	echo "review-check: the review map is incomplete or stale (fix the lines above;" \
		"then \`make review-map\` and commit docs/review-map.md)" >&2
	exit 1
fi
