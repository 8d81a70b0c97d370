#!/bin/sh
# modules:
# sndm: snd-aloop-rs
# The ALSA core as modules (the sndm kernel, CONFIG_SND=m): the snd-rs layer is the module
# snd-rs-core. modules.dep makes MOD depend on it and on the core modules it calls; one
# modprobe loads them all; snd-rs-core cannot go while MOD uses it, goes by itself once MOD
# is unloaded, and modprobe -r MOD takes the whole chain away again.
. /snd-rs/scenarios/_lib.sh

dep=/lib/modules/$(uname -r)/modules.dep
line=$(grep "/$MOD\.ko:" "$dep") || fail "$MOD is not in modules.dep"
say "modules.dep: $line"
for m in snd-rs-core snd-pcm snd-timer snd; do
	case " $line " in
	*"/$m.ko "*) ;;
	*) fail "$MOD does not depend on $m" ;;
	esac
done
say "modules.dep: $(grep '/snd-rs-core\.ko:' "$dep")"
[ ! -d /sys/module/snd ] || fail "the ALSA core is loaded before $MOD (built in?)"
say "modprobe -D $MOD:"
modprobe -D "$MOD" | sed 's/^/  /'

run modprobe "$MOD"
lsmod
for m in snd_rs_core snd_pcm snd_timer snd; do
	[ -d "/sys/module/$m" ] || fail "modprobe $MOD did not load $m"
done
grep -q Loopback /proc/asound/cards || fail "no loopback card"
holders=$(ls /sys/module/snd_rs_core/holders)
say "snd_rs_core holders: $holders"
case " $holders " in
*" $(echo "$MOD" | tr - _) "*) ;;
*) fail "$MOD does not hold snd_rs_core" ;;
esac
say "\$ modprobe -r snd-rs-core (while $MOD uses it)"
modprobe -r snd-rs-core 2>&1 | sed 's/^/  /'
[ -d /sys/module/snd_rs_core ] || fail "snd-rs-core was unloaded while $MOD uses it"
say "snd-rs-core stayed"

run rmmod "$MOD"
refcnt=$(cat /sys/module/snd_rs_core/refcnt)
[ "$refcnt" = 0 ] || fail "snd_rs_core refcnt $refcnt after $MOD left"
run modprobe -r snd-rs-core
[ ! -d /sys/module/snd_rs_core ] || fail "snd-rs-core still loaded"
say "after modprobe -r snd-rs-core: $(lsmod | sed 1d | awk '{print $1}' | tr '\n' ' ')"

run modprobe "$MOD"
run modprobe -r "$MOD"
[ ! -d "/sys/module/$(echo "$MOD" | tr - _)" ] || fail "$MOD still loaded"
say "after modprobe -r $MOD: $(lsmod | sed 1d | awk '{print $1}' | tr '\n' ' ')"
say "PASS"
