#!/bin/sh
# Harness self-test: a guest panic must end the boot at once (panic=-1 with
# QEMU's -no-reboot) and fail the scenario.
. /snd-rs/scenarios/_lib.sh _selftest
say "panicking the guest on purpose"
echo c >/proc/sysrq-trigger
