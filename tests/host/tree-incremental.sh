#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host test of scripts/tree.sh's incremental patch handling, on a tiny fake
# kernel tarball: a changed patch series must leave every file exactly as a
# fresh tree would have it, and give a new mtime to every file whose content
# changed (so Kbuild rebuilds it) and to no file that kept its content.
# Prints "ok NAME" / "FAIL NAME" lines.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/src/linux-fake" "$work/p1" "$work/p2" "$work/p3"
printf 'alpha\n' >"$work/src/linux-fake/a.c"
printf 'beta\n' >"$work/src/linux-fake/b.c"
printf 'gamma\n' >"$work/src/linux-fake/c.c"
tar -C "$work/src" -cJf "$work/fake.tar.xz" linux-fake

mkpatch() { # dir name file old new
	printf -- '--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-%s\n+%s\n' "$3" "$3" "$4" "$5" >"$work/$1/$2"
}
mkpatch p1 0001-a.patch a.c alpha ALPHA
mkpatch p1 0002-b.patch b.c beta BETA
cp "$work/p1/0001-a.patch" "$work/p2/"          # series 2: same first patch,
mkpatch p2 0002-b.patch b.c beta BETA2         # a changed second one
mkpatch p3 0001-c.patch c.c gamma GAMMA         # series 3: something else entirely

export SND_RS_CACHE=$work/cache SND_RS_TARBALL=$work/fake.tar.xz SND_RS_DEB_VERSION=fake-1
src=$work/cache/linux-src
tree() { SND_RS_PATCHES=$work/$1 "$root/scripts/tree.sh" >/dev/null 2>&1; }
mtime() { stat -c %Y.%y "$src/$1"; }
check() { if eval "$2"; then echo "ok $1"; else echo "FAIL $1"; fi; }

tree p1
check "series 1 applied" '[ "$(cat "$src/a.c" "$src/b.c" "$src/c.c")" = "$(printf "ALPHA\nBETA\ngamma")" ]'
a1=$(mtime a.c) b1=$(mtime b.c) c1=$(mtime c.c)
sleep 1.1

tree p2
check "changed patch re-applied" '[ "$(cat "$src/b.c")" = BETA2 ]'
check "unchanged earlier patch kept, file untouched" '[ "$(cat "$src/a.c")" = ALPHA ] && [ "$(mtime a.c)" = "$a1" ]'
check "file of the changed patch gets a new mtime" '[ "$(mtime b.c)" != "$b1" ]'
check "file no patch touches keeps its mtime" '[ "$(mtime c.c)" = "$c1" ]'
a2=$(mtime a.c)
sleep 1.1

tree p3
check "dropped patches reversed" '[ "$(cat "$src/a.c" "$src/b.c")" = "$(printf "alpha\nbeta")" ]'
check "reverted files get new mtimes" '[ "$(mtime a.c)" != "$a2" ] && [ "$(mtime b.c)" != "$b1" ]'
check "new series applied" '[ "$(cat "$src/c.c")" = GAMMA ]'
c3=$(mtime c.c)
sleep 1.1

tree p3
check "same series again changes nothing" '[ "$(mtime c.c)" = "$c3" ] && [ "$(cat "$src/c.c")" = GAMMA ]'
