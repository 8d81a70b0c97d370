#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The backport review tool (tools/review, docs/review.md), built for the host:
#   review.sh map                         the C -> Rust map; updates docs/review-map.md
#   review.sh review                      PATCH=file [REPORT=out.md], or C_OLD=a.c C_NEW=b.c
#   review.sh run ARGS...                 snd-review ARGS (built first)
source "$(dirname "$0")/common.sh"

# review_tool: builds snd-review (its own profile, so release/ stays the guest's) and
# sets $review to its path.
review_tool() {
	CARGO_TARGET_DIR=$HOSTTARGET cargo build -j1 --quiet --profile review -p snd-review --features cli \
		--manifest-path "$SND_RS_ROOT/Cargo.toml" || die "cargo build of tools/review failed"
	review=$HOSTTARGET/review/snd-review
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

review_tool
args=(--root "$SND_RS_ROOT" --tree "$SRC" --cache "$CACHE")
case "${1:-}" in
map)
	exec "$review" "${args[@]}" map --write
	;;
review)
	if [ -n "${C_OLD:-}" ] || [ -n "${C_NEW:-}" ]; then
		[ -n "${C_OLD:-}" ] && [ -n "${C_NEW:-}" ] || die "give both C_OLD=old.c and C_NEW=new.c"
		exec "$review" "${args[@]}" cdiff "$C_OLD" "$C_NEW"
	fi
	[ -n "${PATCH:-}" ] || die "make review PATCH=file.patch (a diff, or a mail with one) [REPORT=out.md], or C_OLD=a.c C_NEW=b.c"
	exec "$review" "${args[@]}" patch "$PATCH" ${REPORT:+--report "$REPORT"}
	;;
run)
	shift
	exec "$review" "${args[@]}" "$@"
	;;
*)
	die "usage: review.sh map | review | run ARGS..."
	;;
esac
