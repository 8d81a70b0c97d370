#!/bin/sh
# Harness self-test: a hung guest must be killed at the timeout and fail.
. /snd-rs/scenarios/_lib.sh _selftest
say "hanging on purpose"
while :; do sleep 60; done
