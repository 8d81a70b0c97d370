# SPDX-License-Identifier: GPL-2.0
# Helpers for guest scenarios (sourced).  A scenario is a POSIX sh script run
# by /init with the module under test as $1; it exits 0 on pass.  Its header
# line "# modules: a b" lists the modules `make test` runs it against.

MOD=${1:?module name}

say() { echo "[scenario] $*"; }
fail() { echo "[scenario] FAIL: $*"; exit 1; }
run() { say "\$ $*"; "$@" || fail "'$*' exited $?"; }

# builtin MODULE: true when MODULE is built into the kernel (the prod kernel's snd-aloop).
builtin() { grep -q "/$1\.ko\$" "/lib/modules/$(uname -r)/modules.builtin"; }

# load MODULE [ARGS...]: modprobe and show what the module registered. A built-in module
# cannot be loaded with parameters: they come from the kernel command line (the prod
# scenarios' "# prod:" line), and here each one must show in /sys/module (an array
# parameter's first elements).
load() {
	if builtin "$1"; then
		_bm=$(echo "$1" | tr - _)
		shift
		for a in "$@"; do
			v=$(cat "/sys/module/$_bm/parameters/${a%%=*}") || fail "no parameter ${a%%=*} of $_bm"
			case "$v" in
			"${a#*=}" | "${a#*=},"*) ;;
			*) fail "built-in $_bm: ${a%%=*} is '$v', not ${a#*=} (kernel command line: $(cat /proc/cmdline))" ;;
			esac
		done
		say "built in: $_bm $*"
		return
	fi
	run modprobe "$@"
	say "loaded $1: $(grep -c . /proc/asound/cards) lines in /proc/asound/cards"
}

# unload MODULE...: modprobe -r, leaving built-in modules (which cannot go) in place.
unload() {
	for _um in "$@"; do
		builtin "$_um" || run modprobe -r "$_um"
	done
}

# only_bridge MODULE: the sequencer core asks for "snd-seq-midi" by name whenever
# a rawmidi device appears (seq_device autoload); when MODULE is another bridge
# (the Rust one), that request must not load the C bridge under it.
only_bridge() {
	[ "$1" = snd-seq-midi ] && return
	mkdir -p /etc/modprobe.d
	echo "install snd-seq-midi /bin/false" >/etc/modprobe.d/only-bridge.conf
}

# karg NAME: the value of snd_rs.NAME=... on the kernel command line (empty when absent).
karg() { sed -n "s/.*snd_rs\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

# first_report_ends_boot: a race scenario's first oops, or (KASAN, WARNING) report, panics
# the guest, which ends the boot at once: after a use-after-free the client may be stuck in
# the kernel (an oops under a stream lock) until the scenario's timeout. The report is in the
# log either way, and fails the test either way. On a KCSAN kernel (make stress
# SND_RS_FLAVOUR=kcsan) data-race reports do not end the boot: each is worth reading.
first_report_ends_boot() {
	echo 1 >/proc/sys/kernel/panic_on_oops
	# A lock left broken (a bad unlock, a lost wake-up) shows as an RCU stall, 21 s on.
	echo 1 >/proc/sys/kernel/panic_on_rcu_stall
	[ -d /sys/module/kcsan ] || echo 1 >/proc/sys/kernel/panic_on_warn
}
