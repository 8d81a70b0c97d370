#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make series: snd-rs as a patch series for a kernel developer's own 6.12.y tree.
#
#   series.sh            write it to $CACHE/series (or SERIES_OUT) and print the check
#   series.sh --check    only the check lines (make test): "ok|FAIL <what>"
#
# The series is built, not written by hand: a git tree holding the clean Debian
# linux-source-6.12 versions of every file the series touches gets one commit adding
# our files (rust/snd_sync, rust/snd, rust/snd_kunit, rust/helpers/snd_rs*.c,
# rust/snd_rs_core.c and
# sound/snd-rs/, as scripts/tree.sh places them, plus a MAINTAINERS entry), then
# `git am` of each patches/*.patch; `git format-patch` writes the result, and
# checkpatch.pl checks every patch.  So the series provably applies with git am to the
# Debian source, in order; a developer applies it with `git am $CACHE/series/*.patch`.
source "$(dirname "$0")/common.sh"

check_only=
[ "${1:-}" = --check ] && check_only=1
out=${SERIES_OUT:-$CACHE/series}
work=$CACHE/series-git
deb_version=${SND_RS_DEB_VERSION:-$(dpkg-query -W -f='${Version}' linux-source-6.12)}
author='snd-rs developers <snd-rs@example.org>'
say() { [ -n "$check_only" ] || step "$@"; }
result() { echo "$1 series: $2"; }

rm -rf "$work"
mkdir -p "$work"
mapfile -t touched < <(sed -n 's|^+++ b/||p' "$PATCHES"/*.patch | sort -u)
say "extracting ${#touched[@]} files + MAINTAINERS of linux-source-6.12 $deb_version"
tar -xf "$TARBALL" -C "$work" --strip-components=1 \
	"${touched[@]/#/linux-source-6.12/}" linux-source-6.12/MAINTAINERS

g() { git -C "$work" -c user.name='snd-rs developers' -c user.email=snd-rs@example.org \
	-c commit.gpgsign=false "$@"; }
g init -q
g add -A
g commit -q -m "linux-source-6.12 $deb_version (the files snd-rs touches)"
base=$(g rev-parse HEAD)

# Our files, where scripts/tree.sh places them.
place() { # repo-path tree-path [rsync options]
	local from=$1 to=$2
	shift 2
	mkdir -p "$(dirname "$work/$to")"
	rsync -r "$@" "$SND_RS_ROOT/$from" "$work/$to"
}
for path in "${OUR_KERNEL_PATHS[@]}"; do place "$path" "$path"; done
mkdir -p "$work/sound/snd-rs"
place ./ sound/snd-rs/ --exclude='*.md' --include=/Kbuild --include=/Kconfig \
	--include='/sound/***' --include=/tests/ --include='/tests/kunit/***' --exclude='*'
# Not the race-test positive controls (tests/prefix: the C modules with their 2026 fixes
# taken out again), which are for this repository's test kernel only.
sed -i '/CONFIG_SND_RS_PREFIX_CONTROLS/d' "$work/sound/snd-rs/Kbuild"
sed -i '/^config SND_RS_PREFIX_CONTROLS$/,/^endif # SND_RS$/{/^endif # SND_RS$/!d}' \
	"$work/sound/snd-rs/Kconfig"
# A MAINTAINERS entry for the new files, in alphabetical order before "SOUND".
python3 - "$work/MAINTAINERS" <<'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
entry = """SOUND - ALSA MODULES IN RUST (SND-RS)
M:\tsnd-rs developers <snd-rs@example.org>
L:\tlinux-sound@vger.kernel.org
S:\tMaintained
F:\trust/helpers/snd_rs.c
F:\trust/helpers/snd_rs_alsa.c
F:\trust/snd/
F:\trust/snd_kunit/
F:\trust/snd_rs_core.c
F:\trust/snd_sync/
F:\tsound/snd-rs/

"""
anchor = "\nSOUND\n"
at = text.index(anchor) + 1
open(path, "w").write(text[:at] + entry + text[at:])
EOF
g add -A
g commit -q -F - --author="$author" <<'EOF'
ALSA: add snd-rs, ALSA modules in Rust

snd-rs reimplements three ALSA pieces in Rust: the loopback card
(sound/drivers/aloop.c), the sequencer bridge for raw MIDI devices
(sound/core/seq/seq_midi.c) and the read queue of the OSS sequencer
(sound/core/seq/oss/seq_oss_readq.c), behaving as the C modules do for
every user. They stand on two crates: snd_sync (locking helpers) and snd
(abstractions of the ALSA kernel API), plus snd_kunit for KUnit suites
written in Rust.

This commit only adds the files; the following patches hook them into
the build. Kconfig then offers, per module, the C implementation, the
Rust one under the C module's name, or both side by side for testing.

Signed-off-by: snd-rs developers <snd-rs@example.org>
EOF

n=0
for p in "$PATCHES"/*.patch; do
	if g am -q --committer-date-is-author-date "$p" >/dev/null 2>&1; then
		n=$((n + 1))
	else
		g am --abort >/dev/null 2>&1 || true
		result FAIL "$(basename "$p") does not apply with git am after $n patches (linux-source-6.12 $deb_version)"
		exit 1
	fi
done
result ok "our files + ${n} patches apply with git am to linux-source-6.12 $deb_version"

rm -rf "$out"
g format-patch -q -o "$out" "$base..HEAD"
bad=0
# UNKNOWN_COMMIT_ID: checkpatch looks Fixes: ids up in the repository it runs in; this
# one holds only the touched files, not the kernel's history (in a developer's 6.12.y
# tree the ids resolve).
for p in "$out"/*.patch; do
	if ! msg=$("$SRC/scripts/checkpatch.pl" --no-tree -q --ignore UNKNOWN_COMMIT_ID \
		"$(realpath "$p")" 2>&1) || [ -n "$msg" ]; then
		bad=$((bad + 1))
		[ -n "$check_only" ] || printf '%s\n' "$msg" | head -n 30
		result FAIL "checkpatch $(basename "$p")"
	fi
done
((bad == 0)) && result ok "checkpatch clean: $(find "$out" -name '*.patch' | wc -l) patches"
say "series written: $out (git am $out/*.patch on a 6.12.y tree; Kconfig lines: README.md)"
((bad == 0))
