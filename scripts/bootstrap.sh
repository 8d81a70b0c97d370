#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs and checks everything snd-rs needs.  Idempotent; prints one line
# when there is nothing to do.
source "$(dirname "$0")/common.sh"

DEBS=(clang-19 lld-19 llvm-19 libclang-19-dev qemu-system-x86 busybox-static
      alsa-utils libasound2-dev flex bison bc libelf-dev libssl-dev cpio kmod
      linux-source-6.12 rsync python3 make pkg-config gnuplot-nox)
BINDGEN_VERSION=0.73.2
RUST_VERSION=1.95.0

missing=()
for p in "${DEBS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	step "installing Debian packages: ${missing[*]}"
	sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
	aptlog=$(mktemp)
	"${sudo[@]}" apt-get update -qq >"$aptlog" 2>&1 ||
		{ tail -n 20 "$aptlog" >&2; die "apt-get update failed; cannot install: ${missing[*]}"; }
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >"$aptlog" 2>&1 ||
		{ tail -n 20 "$aptlog" >&2; die "apt-get could not install: ${missing[*]}"; }
	rm -f "$aptlog"
	for p in "${missing[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			die "Debian package '$p' is still missing after apt-get install"
	done
fi

command -v rustup >/dev/null || die "rustup is missing (it provides rustc $RUST_VERSION)"
if ! rustup run "$RUST_VERSION" rustc --version >/dev/null 2>&1; then
	step "installing Rust $RUST_VERSION"
	RUSTUP_AUTO_INSTALL=1 rustup toolchain install "$RUST_VERSION" --profile minimal >/dev/null ||
		die "rustup could not install Rust $RUST_VERSION"
fi
sysroot=$(rustup run "$RUST_VERSION" rustc --print sysroot)
for comp in rust-src rustfmt clippy; do
	case $comp in
	rust-src) have=$sysroot/lib/rustlib/src/rust/library/core/src/lib.rs ;;
	rustfmt) have=$sysroot/bin/rustfmt ;;
	clippy) have=$sysroot/bin/clippy-driver ;;
	esac
	if [ ! -e "$have" ]; then
		step "adding Rust component $comp"
		rustup component add "$comp" --toolchain "$RUST_VERSION" >/dev/null ||
			die "rustup could not add the '$comp' component to Rust $RUST_VERSION"
	fi
done

if [ "$(bindgen --version 2>/dev/null)" != "bindgen $BINDGEN_VERSION" ]; then
	step "installing bindgen-cli $BINDGEN_VERSION (takes about 3 minutes)"
	cargo +"$RUST_VERSION" install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION" ||
		die "cargo could not install bindgen-cli $BINDGEN_VERSION"
fi

# Versions the kernel build depends on, checked rather than assumed.
check() { # what, command, expected substring
	local got; got=$("${@:2:$#-2}" 2>&1 | head -n1) || true
	[[ $got == *"${!#}"* ]] || die "$1: expected '${!#}', got '$got'"
}
check "rustc" rustc --version "rustc $RUST_VERSION"
check "bindgen" bindgen --version "bindgen $BINDGEN_VERSION"
check "clang-19" clang-19 --version "version 19."
check "ld.lld-19" ld.lld-19 --version "LLD 19."
check "qemu" qemu-system-x86_64 --version "QEMU emulator"
[ -r "$TARBALL" ] || die "kernel source $TARBALL missing (package linux-source-6.12)"
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"

step "toolchain ok: $(rustc --version | cut -d' ' -f1-2), bindgen $BINDGEN_VERSION, clang-19, $(dpkg-query -W -f='linux-source-6.12 ${Version}' linux-source-6.12)"
