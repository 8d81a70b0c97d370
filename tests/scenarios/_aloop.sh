# SPDX-License-Identifier: GPL-2.0
# Helpers for the aloop_* scenarios (sourced after _lib.sh).

# hold SPEC...: `aloop-hwparams hold` configures and prepares (optionally starts) the
# streams and keeps them open until `release`.
hold() {
	rm -f /tmp/hold.fifo /tmp/hold.out
	mkfifo /tmp/hold.fifo
	aloop-hwparams hold "$@" </tmp/hold.fifo >/tmp/hold.out 2>&1 &
	holder=$!
	exec 3>/tmp/hold.fifo
	i=0
	until grep -q '^held$' /tmp/hold.out; do
		i=$((i + 1))
		[ $i -lt 150 ] || fail "hold $*: $(cat /tmp/hold.out)"
		sleep 0.1
	done
}

# release: closes what `hold` holds; prints the streams' last states.
release() {
	exec 3>&-
	wait "$holder" || fail "aloop-hwparams hold exited $?: $(cat /tmp/hold.out)"
	grep -v '^held$' /tmp/hold.out
}

# show FILE...: each file's name and contents, jiffies now masked.
# period_frac is bytes x HZ (C: period_size_frac): shown in units of the tick rate
# ("4096 x HZ"), so that a transcript holds on every kernel (HZ from snd_rs.hz, which
# qemu-run.sh passes: 250 on the test kernel, 1000 on the prod kernel).
show() {
	for f in "$@"; do
		echo "## $f"
		sed -E 's/^(    last_jiffies:.*) \([0-9]+\)$/\1 (<now>)/' "$f" |
			awk -v hz="$(karg hz)" -F '\t' 'hz > 0 && /^    period_frac:/ {
				printf "%s\t%g x HZ\n", $1, $2 / hz; next } { print }'
	done
}

# running: masks what moves while streams run (positions, timer state).
running() {
	sed -E 's/^(    (buffer_pos|silent_size|irq_pos|update_pending|last_jiffies|timer_expires):[[:space:]]+).*/\1<var>/'
}

# transcript NAME: /tmp/NAME.out must equal NAME.expected, recorded on the C snd-aloop.
transcript() {
	if ! diff -u "/snd-rs/scenarios/$1.expected" "/tmp/$1.out"; then
		echo "----- /tmp/$1.out"
		cat "/tmp/$1.out"
		echo "----- end"
		fail "transcript differs from $1.expected (recorded on the C snd-aloop)"
	fi
}
