#!/bin/sh
# Harness self-test: a kernel WARNING in an otherwise passing scenario must
# fail it (scripts/check-log.sh).
. /snd-rs/scenarios/_lib.sh _selftest
run modprobe lkdtm
echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
say "provoked a WARNING; exiting 0 on purpose"
