#!/bin/sh
# The guest side of `make bench` (scripts/bench.sh): on the bench kernel
# (configs/bench.fragment), C and Rust alternate in this one boot, ROUNDS
# rounds each, the side that goes first alternating too (C first in odd
# rounds). Each measurement prints one line
#   BENCH METRIC SIDE ROUND VALUE [DETAILS...]
# for scripts/bench.sh, which takes the medians and writes the table. Nothing
# here fails on a slow figure: a measurement that cannot run prints
# "BENCH-ERROR METRIC SIDE ROUND WHY" and the bench goes on.
#   snd_rs.bench_rounds=N          rounds per side (7)
#   snd_rs.bench_seconds=S         window of the rate and CPU measurements (3)
#   snd_rs.bench_xrun_seconds=S    how long a cable count must run xrun-free (10)
#   snd_rs.bench_only=a,b          only these metric groups: aloop,seq,oss (all)
# The second ISA UART (0x2f8, irq 3) is QEMU's null device: its output drains.
. /snd-rs/scenarios/_lib.sh

rounds=$(karg bench_rounds); rounds=${rounds:-7}
seconds=$(karg bench_seconds); seconds=${seconds:-3}
xrun_seconds=$(karg bench_xrun_seconds); xrun_seconds=${xrun_seconds:-10}
only=$(karg bench_only); only=${only:-aloop,seq,oss}
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

# cpu.stat of the root cgroup: kernel CPU in µs (aloop-bench timer-cpu).
mkdir -p /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup || fail "cannot mount cgroup2"
mkdir -p /etc/modprobe.d

# bench METRIC SIDE ROUND CMD...: runs CMD, prints its output as a BENCH line.
bench() {
	_m=$1 _s=$2 _r=$3
	shift 3
	if _out=$("$@" 2>/tmp/bench.err); then
		echo "BENCH $_m $_s $_r $_out"
	else
		echo "BENCH-ERROR $_m $_s $_r $(tr '\n' ' ' </tmp/bench.err)"
	fi
}

# module SIDE C-NAME: the module of that side.
module() { if [ "$1" = C ]; then echo "$2"; else echo "$2-rs"; fi; }

# Metric 3, a staircase: start at the side's last result (4 in round 1), climb while a
# count runs xrun-free, descend while it does not; the round's result is the highest
# count that ran clean (0 if none), capped at 16 pairs (one card, pcm_substreams=8).
xrun_start_C=4
xrun_start_Rust=4
xrun_staircase() { # SIDE ROUND
	eval "n=\$xrun_start_$1"
	best=0
	ceiling=17 # the smallest count that failed in this round
	tried=0
	while [ "$n" -ge 1 ] && [ "$n" -lt $ceiling ] && [ $tried -lt 6 ]; do
		tried=$((tried + 1))
		x=$(aloop-bench xruns "$n" "$xrun_seconds" 192000 8 2>/tmp/bench.err) ||
			x="error: $(tr '\n' ' ' </tmp/bench.err)"
		echo "BENCH-STEP xrun_pairs $1 $2 pairs=$n xruns=$x"
		if [ "$x" = 0 ]; then
			best=$n
			n=$((n + 1))
		else
			ceiling=$n
			[ $best -gt 0 ] && break
			n=$((n - 1))
		fi
	done
	echo "BENCH xrun_pairs $1 $2 $best"
	[ $best -gt 0 ] && eval "xrun_start_$1=$best"
}

aloop_round() { # SIDE ROUND
	m=$(module "$1" snd-aloop)
	modprobe "$m" pcm_substreams=8 || { echo "BENCH-ERROR aloop $1 $2 modprobe $m failed"; return; }
	bench hwsync_ns "$1" "$2" aloop-bench hwsync 20000 5
	for n in 1 4 8; do
		bench "timer_cpu_$n" "$1" "$2" aloop-bench timer-cpu $n "$seconds"
	done
	xrun_staircase "$1" "$2"
	modprobe -r "$m" || echo "BENCH-ERROR aloop $1 $2 modprobe -r $m failed"
}

uart_client() { sed -n 's/^Client *\([0-9]*\) : "Serial MIDI.*/\1/p' /proc/asound/seq/clients | head -n 1; }

seq_round() { # SIDE ROUND
	m=$(module "$1" snd-seq-midi)
	# Plugging the UART makes the sequencer core ask for snd-seq-midi: only the side's bridge.
	if [ "$1" = C ]; then rm -f /etc/modprobe.d/only-bridge.conf
	else echo "install snd-seq-midi /bin/false" >/etc/modprobe.d/only-bridge.conf; fi
	modprobe "$m" || { echo "BENCH-ERROR seq $1 $2 modprobe $m failed"; return; }
	# An output that cannot drain: the generic adaptor sends only while CTS is up, and the
	# UART in loopback with RTS down (MCR = LOOP | OUT2 | DTR) holds CTS down. The
	# subscription from System:Announce keeps the bridge's output (and the UART) open
	# across the MCR write; the flood's warm-up fills the buffers, then every event is
	# refused ("MIDI output buffer overrun").
	modprobe snd-serial-u16550 port=0x2f8 irq=3 adaptor=4
	c=$(uart_client)
	if [ -n "$c" ] && aconnect 0:1 "$c:0"; then
		printf '\031' | dd of=/dev/port bs=1 seek=$((0x2fc)) count=1 2>/dev/null
		bench bridge_stuck_eps "$1" "$2" seq-bench bridge "$c:0" "$seconds" 1
		aconnect -d 0:1 "$c:0"
	else
		echo "BENCH-ERROR bridge_stuck_eps $1 $2 no bridge client for the UART"
	fi
	modprobe -r snd-serial-u16550
	# An output that drains: the Soundcanvas adaptor (default) sends through the FIFO to
	# QEMU's null device as fast as the UART's interrupts come.
	modprobe snd-serial-u16550 port=0x2f8 irq=3
	c=$(uart_client)
	if [ -n "$c" ]; then
		bench bridge_drain_eps "$1" "$2" seq-bench bridge "$c:0" "$seconds"
	else
		echo "BENCH-ERROR bridge_drain_eps $1 $2 no bridge client for the UART"
	fi
	modprobe -r snd-serial-u16550 "$m"
}

oss_round() { # SIDE ROUND
	m=$(module "$1" snd-seq-oss)
	modprobe "$m" || { echo "BENCH-ERROR oss $1 $2 modprobe $m failed"; return; }
	bench readq_rps "$1" "$2" seq-bench readq "$seconds"
	modprobe -r "$m"
}

say "bench: $rounds rounds, ${seconds} s windows, ${xrun_seconds} s xrun runs, groups $only"
r=1
while [ $r -le "$rounds" ]; do
	if [ $((r % 2)) = 1 ]; then sides="C Rust"; else sides="Rust C"; fi
	for s in $sides; do
		want aloop && aloop_round "$s" $r
		want seq && seq_round "$s" $r
		want oss && oss_round "$s" $r
	done
	say "round $r done"
	r=$((r + 1))
done
# The idle machine's kernel CPU (no cable), the floor under the timer_cpu figures.
if want aloop; then
	for i in 1 2 3; do bench timer_cpu_0 idle $i aloop-bench timer-cpu 0 "$seconds"; done
fi
say "pass"
