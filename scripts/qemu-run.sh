#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boots the test kernel with our initramfs under QEMU (TCG).
#
#   qemu-run.sh [-t SECONDS] [-l LOGFILE] [-i] [-- KERNEL ARGS...]
#
# -i: interactive, the serial console on this terminal (make shell).
# Otherwise the serial log goes to LOGFILE and QEMU is killed after SECONDS;
# the exit status is QEMU's, or 124 on timeout.  It always returns.
source "$(dirname "$0")/common.sh"

timeout_s=300
log=
interactive=
while getopts "t:l:i" opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	l) log=$OPTARG ;;
	i) interactive=1 ;;
	*) die "usage: qemu-run.sh [-t SECONDS] [-l LOGFILE] [-i] [-- KERNEL ARGS...]" ;;
	esac
done
shift $((OPTIND - 1))

kernel=$OUT/arch/x86/boot/bzImage
initrd=$INITRAMFS_DIR/initramfs.cpio
[ -f "$kernel" ] || die "no kernel at $kernel (make kernel)"
[ -f "$initrd" ] || die "no initramfs at $initrd (make initramfs)"

# No virtio-rng: its probe (virtio_pci_driver_init) took 7.7 s of every boot under TCG and
# KASAN, and the pool is ready without it (RDRAND of -cpu max with random.trust_cpu=on:
# "crng init done" at 0.3 s either way; /init mixes in a host-made seed too).
# snd_rs.hz: the kernel's tick rate, for scenarios that show values in jiffies units.
hz=$(sed -n 's/^CONFIG_HZ=//p' "$OUT/.config" 2>/dev/null)
cmdline="console=ttyS0 panic=-1 random.trust_cpu=on kunit.enable=0 snd_rs.hz=${hz:-0} $*"
# la57=off: -cpu max boots the guest with 5-level paging, and twice (host loaded) a boot
# died before /init in "KASAN: wild-memory-access in do_raw_spin_lock" from handle_edge_irq,
# interrupting identify_cpu(), at the same direct-map address each time. Our reading: the
# interrupt lands while identify_cpu() rebuilds the boot CPU's feature bits, LA57 clear
# for a moment, and KASAN's address check follows 4-level layout. Nothing we test depends
# on the paging depth; 4-level paging takes the window away.
qemu=(qemu-system-x86_64 -machine pc -cpu max,la57=off -smp 2 -m 2048 -no-reboot
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
      ${SND_RS_QEMU_EXTRA:-})
[ -f /usr/share/qemu/qboot.rom ] && qemu+=(-bios qboot.rom)

if [ -n "$interactive" ]; then
	exec "${qemu[@]}" -nographic
fi
[ -n "$log" ] || die "-l LOGFILE is required unless -i"
rm -f "$log"
timeout -k 5 "$timeout_s" "${qemu[@]}" -nodefaults -display none -serial "file:$log" \
	</dev/null >"$log.qemu" 2>&1 && rc=0 || rc=$?
exit "$rc"
