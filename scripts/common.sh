# SPDX-License-Identifier: GPL-2.0
# Shared settings for the snd-rs scripts.  Sourced, never run.

set -euo pipefail

SND_RS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SND_RS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/snd-rs}
SRC=$CACHE/linux-src           # Debian's linux-source-6.12, patched, our files placed
# SND_RS_FLAVOUR selects the kernel: empty for the debug test kernel
# (.config.fragment), or NAME for configs/NAME.fragment, whose lines replace or
# add to the test kernel's; each flavour builds in directories of its own.
FLAVOUR=${SND_RS_FLAVOUR:-}
FLAVOUR_SFX=${FLAVOUR:+-$FLAVOUR}
OUT=$CACHE/linux-build$FLAVOUR_SFX         # O= build directory
MODROOT=$CACHE/modroot$FLAVOUR_SFX         # modules_install target
INITRAMFS_DIR=$CACHE/initramfs$FLAVOUR_SFX
HOSTTARGET=$CACHE/cargo-target
TARBALL=${SND_RS_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
PATCHES=${SND_RS_PATCHES:-$SND_RS_ROOT/patches}
JOBS=${JOBS:-$(nproc)}
# Our files that live outside sound/snd-rs/ in the kernel tree, at the same paths as in
# this repository: tree.sh places them in the prepared tree, series.sh in the series.
OUR_KERNEL_PATHS=(rust/snd_sync/ rust/snd/ rust/snd_kunit/ rust/helpers/snd_rs.c
	rust/helpers/snd_rs_alsa.c rust/snd_rs_core.c)
KMAKE=(make -C "$SRC" O="$OUT" LLVM=-19 CLIPPY=1 -j"$JOBS")

export RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-1.95.0}
export PATH=$HOME/.cargo/bin:$PATH

# rustc's "--> file" line of a diagnostic in snd-rs code (paths may be absolute).
OURS='--> (/[^ ]*/)?(rust/snd[_/]|rust/helpers/snd_rs|sound/snd-rs/|snd-rs/sound/)'

SND_RS_T0=${SND_RS_T0:-$(date +%s)}
export SND_RS_T0

elapsed() {
	local s=$(($(date +%s) - SND_RS_T0))
	printf '%02d:%02d' $((s / 60)) $((s % 60))
}

# step NAME...: one progress line with the time since `make` started.
step() { printf '[snd-rs %s] %s\n' "$(elapsed)" "$*"; }

die() { printf 'snd-rs: error: %s\n' "$*" >&2; exit 1; }
