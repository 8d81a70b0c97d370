#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the guest's initramfs: busybox, alsa-utils with their libraries and
# configuration, the kernel's modules, our test clients and scenarios.
source "$(dirname "$0")/common.sh"

release=$(cat "$OUT/.snd-rs-release" 2>/dev/null) || die "build the kernel first (make kernel)"
root=$INITRAMFS_DIR/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,lib64,usr/bin,usr/sbin,usr/share,snd-rs/bin}

cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# Dynamic executables with every library ldd names (plus libgcc_s, which
# glibc dlopens for pthread_cancel and alsabat needs).
copy_with_libs() {
	local f lib
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
		for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}
ALSA_TOOLS=(aplay arecord alsabat amixer amidi aconnect aplaymidi arecordmidi aseqdump
	    speaker-test alsaloop)
tools=()
for t in "${ALSA_TOOLS[@]}"; do tools+=("$(command -v "$t" || die "missing $t (alsa-utils)")"); done
copy_with_libs "${tools[@]}" /usr/sbin/alsactl
copy_with_libs /lib/x86_64-linux-gnu/libgcc_s.so.1
cp -r /usr/share/alsa "$root/usr/share/alsa"

# Kernel modules (modules_install output) and the module tools.
mkdir -p "$root/lib/modules"
cp -a "$MODROOT/lib/modules/$release" "$root/lib/modules/"

# Our userspace clients (samples/), built by `make samples`.
if [ -d "$HOSTTARGET/release" ]; then
	for b in "$HOSTTARGET"/release/*; do
		[ -f "$b" ] && [ -x "$b" ] || continue
		copy_with_libs "$b"
		mv "$root$b" "$root/snd-rs/bin/"
	done
fi

# The kernel's ALSA selftests, run from their own directory (libatest.so by rpath ./,
# conf.d and pcm-test.conf by relative path).
if [ -x "$CACHE/kselftest-alsa/mixer-test" ]; then
	mkdir -p "$root/snd-rs/kselftest"
	for t in mixer-test pcm-test; do
		copy_with_libs "$CACHE/kselftest-alsa/$t"
		mv "$root$CACHE/kselftest-alsa/$t" "$root/snd-rs/kselftest/"
	done
	cp -r "$CACHE/kselftest-alsa/"{libatest.so,conf.d,pcm-test.conf} "$root/snd-rs/kselftest/"
fi

cp -r "$SND_RS_ROOT/tests/scenarios" "$root/snd-rs/scenarios"
cp "$SND_RS_ROOT/tests/guest-init.sh" "$root/init"
chmod +x "$root/init"
# Entropy for the guest's pool, mixed in by /init before anything runs.
head -c 4096 /dev/urandom >"$root/snd-rs/seed"
echo "$release" >"$root/snd-rs/release"

# Not compressed: inflating 9 MB of gzip took 1.4 s of every guest boot (TCG, KASAN), and
# make test boots about 125 guests.
rm -f "$INITRAMFS_DIR/initramfs.cpio.gz"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$INITRAMFS_DIR/initramfs.cpio"
step "initramfs ready: $INITRAMFS_DIR/initramfs.cpio ($(du -h "$INITRAMFS_DIR/initramfs.cpio" | cut -f1))"
