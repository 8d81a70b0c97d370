#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prepares the kernel tree in the cache: Debian's linux-source-6.12, our patch
# series, our files.  Keeps file times meaningful so that the O= build
# directory rebuilds exactly what changed:
#  - a new linux-source package: fresh tree and fresh build directory;
#  - a changed patch series: the old series is reversed and the new one
#    applied, so every touched file gets a new mtime;
#  - our files are copied only when their content differs.
source "$(dirname "$0")/common.sh"

deb_version=${SND_RS_DEB_VERSION:-$(dpkg-query -W -f='${Version}' linux-source-6.12)}
state=$SRC/.snd-rs
mkdir -p "$CACHE"

fresh_tree() {
	step "unpacking linux-source-6.12 $deb_version"
	rm -rf "$SRC" "$OUT" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -xf "$TARBALL" -C "$SRC.tmp" --strip-components=1
	mkdir -p "$SRC.tmp/.snd-rs/applied"
	echo "$deb_version" >"$SRC.tmp/.snd-rs/deb-version"
	mv "$SRC.tmp" "$SRC"
}

if [ ! -f "$state/deb-version" ] || [ "$(cat "$state/deb-version")" != "$deb_version" ]; then
	fresh_tree
fi

shopt -s nullglob
series=("$PATCHES"/*.patch)
applied=("$state"/applied/*.patch)

# Patches already applied and unchanged stay; from the first difference on,
# the old ones are reversed (newest first) and the new ones applied.
keep=0
while ((keep < ${#series[@]} && keep < ${#applied[@]})) &&
	[ "$(basename "${applied[$keep]}")" = "$(basename "${series[$keep]}")" ] &&
	cmp -s "${applied[$keep]}" "${series[$keep]}"; do
	keep=$((keep + 1))
done
for ((i = ${#applied[@]} - 1; i >= keep; i--)); do
	step "reversing $(basename "${applied[$i]}")"
	if ! patch -d "$SRC" -p1 -R -s --no-backup-if-mismatch <"${applied[$i]}"; then
		step "reverse failed; starting from a fresh tree"
		fresh_tree
		keep=0
		break
	fi
	rm -f "${applied[$i]}"
done
for ((i = keep; i < ${#series[@]}; i++)); do
	p=${series[$i]}
	step "applying $(basename "$p")"
	patch -d "$SRC" -p1 -s --forward --no-backup-if-mismatch <"$p" ||
		die "patch $(basename "$p") does not apply to linux-source-6.12 $deb_version"
	cp "$p" "$state/applied/"
done

# Our files.  rsync -c copies only changed content, so unchanged files keep
# their mtimes and Kbuild does not rebuild them.
place() { # repo-path tree-path
	mkdir -p "$(dirname "$SRC/$2")"
	rsync -rc --delete "$SND_RS_ROOT/$1" "$SRC/$2"
}
for path in "${OUR_KERNEL_PATHS[@]}"; do place "$path" "$path"; done
mkdir -p "$SRC/sound/snd-rs"
rsync -rc --delete --exclude='*.md' \
	--include=/Kbuild --include=/Kconfig --include='/sound/***' --include=/tests/ \
	--include='/tests/kunit/***' --include='/tests/prefix/***' --exclude='*' \
	"$SND_RS_ROOT/" "$SRC/sound/snd-rs/"
step "kernel tree ready: $SRC (linux-source-6.12 $deb_version, ${#series[@]} patches)"
