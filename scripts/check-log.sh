#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fails (and prints them) if a guest serial log holds kernel reports: BUG,
# WARNING, KASAN, lockdep, sleeping-in-atomic, oops, panic, hung task.
log=$1
pattern='(BUG: |WARNING: |Oops: |Kernel panic|general protection fault|UBSAN: |INFO: task .* blocked|INFO: possible|possible circular locking|inconsistent lock state|ODEBUG: |Call Trace:|list_(add|del) corruption)'
if grep -nE "$pattern" "$log" >/dev/null; then
	echo "    kernel reports in $log:"
	grep -nE -A12 "$pattern" "$log" | head -n 40 | sed 's/^/    | /'
	exit 1
fi
exit 0
