#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fails (and prints them) if a guest serial log holds kernel reports: BUG,
# WARNING, KASAN, lockdep, sleeping-in-atomic, oops, panic, hung task.
#
# Reports a test provokes on purpose sit between "expected report begins: X"
# and "expected report ends: X" lines (snd_kunit::expect_kernel_report); they
# are left out here, and `check-log.sh --expected LOG` instead prints one
# "ok X" or "missing X" line per such block.
pattern='(BUG: |WARNING: |Oops: |Kernel panic|general protection fault|UBSAN: |INFO: task .* blocked|INFO: possible|possible circular locking|inconsistent lock state|ODEBUG: |Call Trace:|list_(add|del) corruption)'

if [ "$1" = --expected ]; then
	awk -v pat="$pattern" '
		/expected report begins: / { what = $0; sub(/.*expected report begins: /, "", what); inside = 1; seen = 0; next }
		/expected report ends: / && inside { print (seen ? "ok " : "missing ") what; inside = 0; next }
		inside && $0 ~ pat { seen = 1 }
		END { if (inside) print "missing " what " (the block never ended)" }
	' "$2"
	# Blocks of snd_kunit::expect_log_line: the text must appear inside.
	awk '
		/expected log line begins: / { text = $0; sub(/.*expected log line begins: /, "", text); sub(/\r$/, "", text); inside = 1; seen = 0; next }
		/expected log line ends: / && inside { print (seen ? "ok " : "missing ") "log line: " text; inside = 0; next }
		inside && index($0, text) { seen = 1 }
		END { if (inside) print "missing log line: " text " (the block never ended)" }
	' "$2"
	exit 0
fi

log=$1
# A block that never ends (the test died inside it) counts as unexpected.
unexpected=$(awk '
	/expected report begins: / { inside = 1; n = 0 }
	inside { held[++n] = NR ": " $0 } !inside { print NR ": " $0 }
	/expected report ends: / && inside { inside = 0 }
	END { for (i = 1; inside && i <= n; i++) print held[i] }
' "$log")
if grep -qE "$pattern" <<<"$unexpected"; then
	echo "    kernel reports in $log:"
	grep -E -A12 "$pattern" <<<"$unexpected" | head -n 40 | sed 's/^/    | /'
	exit 1
fi
exit 0
