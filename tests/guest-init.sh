#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the snd-rs test guest.  The kernel command line chooses what runs:
#   snd_rs.scenario=NAME snd_rs.module=MOD  run tests/scenarios/NAME.sh MOD
#   snd_rs.scenario=kunit                   built-in suites ran at boot; load
#       snd_rs.kunit_modules=a,b             each module (its suites run on load)
#   snd_rs.scenario=shell                   interactive shell on the console
# The guest always ends with `reboot -f`; QEMU runs with -no-reboot, so that
# is how it exits.

export PATH=/snd-rs/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
cat /snd-rs/seed >/dev/urandom

arg() { sed -n "s/.*snd_rs\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
scenario=$(arg scenario)
module=$(arg module)

echo "snd-rs guest: Linux $(uname -r), scenario '${scenario:-shell}' module '${module:--}'"
case "$scenario" in
"" | shell)
	echo "snd-rs guest shell: modprobe snd-aloop, aplay -l, ... ; 'exit' powers off"
	setsid cttyhack sh -l
	;;
kunit)
	rc=0
	for m in $(arg kunit_modules | tr , ' '); do
		# test.sh splits the log at this line: one KTAP document per module.
		echo "snd-rs: KUnit module $m" >/dev/kmsg
		modprobe "$m" && modprobe -r "$m" || rc=1
	done
	echo "SND-RS-RESULT: kunit rc=$rc"
	;;
*)
	if [ -f "/snd-rs/scenarios/$scenario.sh" ]; then
		sh "/snd-rs/scenarios/$scenario.sh" "$module"
		rc=$?
	else
		echo "no such scenario: $scenario"
		rc=127
	fi
	echo "SND-RS-RESULT: $scenario rc=$rc"
	;;
esac
sync
reboot -f
