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
	# "expected report" blocks must hold a report; "expected log line" blocks their text.
	awk -v pat="$pattern" '
		/expected (report|log line) begins: / {
			kind = ($0 ~ /expected report begins: /) ? "report" : "log line"
			what = $0; sub(/.*expected (report|log line) begins: /, "", what); sub(/\r$/, "", what)
			inside = 1; seen = 0; next
		}
		/expected (report|log line) ends: / && inside {
			print (seen ? "ok " : "missing ") (kind == "report" ? "" : "log line: ") what
			inside = 0; next
		}
		inside && (kind == "report" ? $0 ~ pat : index($0, what) > 0) { seen = 1 }
		END { if (inside) print "missing " what " (the block never ended)" }
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
