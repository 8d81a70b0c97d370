#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configures and builds the test kernel and its modules out of source (O=).
# The config is regenerated when .config.fragment changes; Kbuild takes care
# of everything else incrementally.
source "$(dirname "$0")/common.sh"

"$SND_RS_ROOT/scripts/configure.sh" "$OUT"

release=$("${KMAKE[@]}" -s kernelrelease)
step "building Linux $release (linux-source-6.12 $(cat "$SRC/.snd-rs/deb-version")) in $OUT"
log=$OUT/.snd-rs-build.log
t0=$(date +%s)
"${KMAKE[@]}" ${KMAKE_TARGETS:-bzImage modules} >"$log" 2>&1 &
pid=$!
# Progress every 30 s: what is being built and for how long.
while kill -0 "$pid" 2>/dev/null; do
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
	kill -0 "$pid" 2>/dev/null || break
	last=$(grep -E '^  [A-Z]' "$log" | tail -n1 | sed 's/^ *//')
	step "  kernel build running ($(($(date +%s) - t0)) s): ${last:-starting}"
done
if ! wait "$pid"; then
	grep -E 'error|Error|warning: unused' "$log" | head -n 40 >&2
	die "kernel build failed; full log: $log"
fi
# Rust warnings in our own code are build failures for us.
if grep -A6 -E '^(warning|error)' "$log" | grep -qE -- "$OURS"; then
	grep -B2 -A12 -E '^(warning|error)' "$log" | grep -B8 -A8 -E -- "$OURS" >&2
	# Rebuild them next time too, so the warnings cannot pass unseen.
	find "$OUT/sound/snd-rs" -name '*.o' -delete 2>/dev/null || true
	rm -f "$OUT"/rust/snd.o "$OUT"/rust/snd_*.o
	die "Rust warnings in snd-rs code (rustc/clippy); full log: $log"
fi
step "kernel built in $(($(date +%s) - t0)) s: $OUT/arch/x86/boot/bzImage"

rm -rf "$MODROOT"
"${KMAKE[@]}" -s INSTALL_MOD_PATH="$MODROOT" modules_install >/dev/null
echo "$release" >"$OUT/.snd-rs-release"
step "modules installed for $release"
