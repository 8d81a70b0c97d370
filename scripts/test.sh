#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs every snd-rs test and ends with "N passed, N failed":
#   static  checkpatch on the patch series and C glue, rustfmt on our Rust
#   host    cargo test of the workspace (pure logic of the samples)
#   harness the QEMU harness catches a WARNING, a panic and a hang
#   kunit   one boot with kunit.enable=1, loading the modules that hold suites;
#           KTAP parsed by kunit.py
#   guest   each scenario in tests/scenarios/ against each module it names
#   prod    (make test-prod, not in the default) the production-like kernel
#           (SND_RS_FLAVOUR=prod, configs/prod.fragment): its KUnit boot and the
#           scenarios marked "# prod:"
# On the modular-ALSA kernel (SND_RS_FLAVOUR=sndm, make test-sndm) the guest stage runs
# the scenarios marked "# sndm: MODULE...", against those modules.
# A guest log with a kernel report (BUG, WARNING, KASAN, lockdep, ...) fails
# its test.  SND_RS_STAGES (default "static host kunit guest") picks stages;
# SND_RS_ONLY=<regex on scenario/module> limits the guest scenarios.
source "$(dirname "$0")/common.sh"
# The prod stage is not in the default: the prod kernel's fresh build (~7 min on 2 cores)
# would take make test past 40 minutes; make test-prod runs it.
stages=" ${SND_RS_STAGES:-static host harness kunit guest} "
stage() { [[ $stages == *" $1 "* ]]; }

# SND_RS_RESULTS: where the guest logs go (default: the cache), emptied first.
results=${SND_RS_RESULTS:-$CACHE/results$FLAVOUR_SFX}
rm -rf "$results"
mkdir -p "$results"
passed=0
failed=0
failures=()
pass() { passed=$((passed + ${2:-1})); printf '  ok    %s\n' "$1"; }
fail() { failed=$((failed + ${2:-1})); failures+=("$1"); printf '  FAIL  %s\n' "$1"; }

if stage static; then
step "static checks"
checkpatch=$SRC/scripts/checkpatch.pl
# UNKNOWN_COMMIT_ID: checkpatch looks the ids of Fixes: tags up with git log in the
# current directory, which is not a kernel repository here (the ids of patches 0009-0012
# were checked against public torvalds/linux text by hand).
for p in "$SND_RS_ROOT"/patches/*.patch; do
	if out=$("$checkpatch" --no-tree -q --ignore UNKNOWN_COMMIT_ID "$p" 2>&1) && [ -z "$out" ]; then
		pass "checkpatch $(basename "$p")"
	else
		printf '%s\n' "$out" | head -n 20; fail "checkpatch $(basename "$p")"
	fi
done
for c in $(cd "$SND_RS_ROOT" && git ls-files '*.c' 2>/dev/null || find rust sound tests -name '*.c'); do
	if out=$("$checkpatch" --no-tree -q -f "$SND_RS_ROOT/$c" 2>&1) && [ -z "$out" ]; then
		pass "checkpatch $c"
	else
		printf '%s\n' "$out" | head -n 20; fail "checkpatch $c"
	fi
done
# make series: our files + patches/ apply with git am to the Debian source, checkpatch-clean.
n_series=0
while read -r verdict what; do
	n_series=$((n_series + 1))
	if [ "$verdict" = ok ]; then pass "$what"; else fail "$what"; fi
done < <("$SND_RS_ROOT/scripts/series.sh" --check 2>&1)
((n_series > 0)) || fail "series: scripts/series.sh printed nothing"
# make rust-analyzer: rust-project.json names each of our crates, rooted in this clone.
if "$SND_RS_ROOT/scripts/rust-analyzer.sh" >/dev/null && python3 - "$SND_RS_ROOT" <<'PY'
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
crates = json.load(open(root / "rust-project.json"))["crates"]
by_name = {c["display_name"]: c for c in crates}
ours = {"snd_sync": "rust/snd_sync/lib.rs", "snd": "rust/snd/lib.rs", "aloop": "sound/aloop/aloop.rs",
        "seq_midi": "sound/seq_midi/seq_midi.rs", "readq": "sound/seq_oss/readq.rs"}
def ok(name, path):
    c = by_name.get(name)
    return c and c["root_module"] == str(root / path) and \
        "kernel" in [crates[d["crate"]]["display_name"] for d in c["deps"]]
bad = [n for n, p in ours.items() if not ok(n, p)]
sys.exit(f"rust-project.json: crates missing or not rooted here: {bad}" if bad else 0)
PY
then pass "make rust-analyzer: our crates in rust-project.json"
else fail "make rust-analyzer"
fi
# Every kernel's fragment (the test kernel's and each configs/NAME.fragment on it) against
# Kconfig: olddefconfig in a scratch directory must keep all its lines.  No kernel build;
# this is what keeps the flavours nobody builds in make test (sndm, prod, kcsan) consistent.
scratch=$(mktemp -d)
for f in "" $(cd "$SND_RS_ROOT/configs" && ls -- *.fragment | sed 's/\.fragment$//'); do
	if out=$(SND_RS_FLAVOUR=$f "$SND_RS_ROOT/scripts/configure.sh" "$scratch" 2>&1); then
		pass "config: the ${f:-test} kernel's fragment survives olddefconfig"
	else
		printf '%s\n' "$out" | tail -n 5; fail "config: the ${f:-test} kernel's fragment"
	fi
done
rm -rf "$scratch"
mapfile -t kernel_rs < <(cd "$SND_RS_ROOT" && find rust sound tests/kunit -name '*.rs' | sort)
if (cd "$SND_RS_ROOT" && rustfmt --check --edition 2021 --config-path "$SRC/.rustfmt.toml" "${kernel_rs[@]}"); then
	pass "rustfmt (kernel style) on ${#kernel_rs[@]} files"
else
	fail "rustfmt (kernel style)"
fi
if out=$("$SND_RS_ROOT/scripts/rustdoc.sh" 2>&1); then
	pass "rustdoc of the snd-rs crates, no warnings"
else
	printf '%s\n' "$out" | tail -n 20; fail "rustdoc of the snd-rs crates"
fi
n_cf=0
while read -r verdict name; do
	n_cf=$((n_cf + 1))
	if [ "$verdict" = ok ]; then pass "compile-fail: $name"; else fail "compile-fail: $name"; fi
done < <("$SND_RS_ROOT/scripts/compile-fail.sh")
((n_cf > 0)) || fail "compile-fail: the harness did not run"
if (cd "$SND_RS_ROOT" && cargo fmt --all --check); then
	pass "cargo fmt (samples)"
else
	fail "cargo fmt (samples)"
fi
# The backport review map (tools/review): every C definition mapped, every tag real,
# docs/review-map.md current.
if out=$("$SND_RS_ROOT/scripts/review-check.sh" 2>&1); then
	pass "${out##*$'\n'}"
else
	printf '%s\n' "$out" | tail -n 30; fail "review map (scripts/review-check.sh)"
fi

fi

if stage host; then
step "host tests (tree preparation, cargo test)"
while read -r verdict name; do
	if [ "$verdict" = ok ]; then pass "tree.sh: $name"; else fail "tree.sh: $name"; fi
done < <("$SND_RS_ROOT/tests/host/tree-incremental.sh")
if out=$(cd "$SND_RS_ROOT" && CARGO_TARGET_DIR=$HOSTTARGET cargo test --release --workspace 2>&1); then :; fi
printf '%s\n' "$out" | grep -E '^test |test result' | sed 's/^/  /'
n_ok=$(printf '%s\n' "$out" | sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\1/p' | paste -sd+ | bc)
n_bad=$(printf '%s\n' "$out" | sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\2/p' | paste -sd+ | bc)
if [ -z "$n_ok" ]; then
	printf '%s\n' "$out" | tail -n 20; fail "cargo test did not run"
else
	((n_ok > 0)) && pass "cargo test" "$n_ok"
	((n_bad > 0)) && fail "cargo test" "$n_bad"
fi

fi

# guest NAME TIMEOUT ARGS...: one boot; sets $log and returns 0 when the
# guest reported rc=0 and the log is clean.
guest() {
	local name=$1 t=$2; shift 2
	log=$results/$name.log
	local rc=0
	"$SND_RS_ROOT/scripts/qemu-run.sh" -t "$t" -l "$log" -- "$@" || rc=$?
	if [ "$rc" = 124 ]; then
		echo "    guest timed out after $t s; last lines:"; tail -n 15 "$log" | sed 's/^/    | /'
		return 1
	fi
	local clean=0
	"$SND_RS_ROOT/scripts/check-log.sh" "$log" || clean=1
	if ! grep -q 'SND-RS-RESULT: .* rc=0' "$log"; then
		echo "    guest result: $(grep -a 'SND-RS-RESULT' "$log" || echo 'none (crashed?)'); last lines:"
		grep -a '\[scenario\]\|FAIL' "$log" | tail -n 15 | sed 's/^/    | /'
		return 1
	fi
	return $clean
}

if stage harness; then
step "harness self-tests (each guest misbehaves on purpose)"
# The scenario itself exits 0; only the WARNING in the log may fail it.
if ! guest selftest-warn 120 snd_rs.scenario=_selftest_warn snd_rs.module=lkdtm >/dev/null &&
	grep -q 'SND-RS-RESULT: _selftest_warn rc=0' "$log" &&
	! "$SND_RS_ROOT/scripts/check-log.sh" "$log" >/dev/null; then
	pass "harness: a WARNING in a passing scenario fails it"
else
	fail "harness: a WARNING went unnoticed ($log)"
fi
t0=$(date +%s)
if ! guest selftest-panic 120 snd_rs.scenario=_selftest_panic snd_rs.module=- >/dev/null &&
	grep -q 'Kernel panic' "$log" && (($(date +%s) - t0 < 100)); then
	pass "harness: a guest panic fails the scenario and ends the boot ($(($(date +%s) - t0)) s)"
else
	fail "harness: guest panic not handled ($log)"
fi
t0=$(date +%s)
if ! guest selftest-hang 25 snd_rs.scenario=_selftest_hang snd_rs.module=- >/dev/null &&
	(($(date +%s) - t0 < 45)); then
	pass "harness: a hung guest is killed at its timeout ($(($(date +%s) - t0)) s)"
else
	fail "harness: hung guest not stopped ($log)"
fi
fi

if stage kunit; then
step "KUnit (boot with kunit.enable=1, then load the modules with suites)"
# Modules holding KUnit suites: "module source-dir" per line.
kunit_modules=$(sed -n 's/^\([a-z0-9-]\+\) .*/\1/p' "$SND_RS_ROOT/tests/kunit/modules")
if [ "$FLAVOUR" = prod ]; then
	# The Rust modules are the C names here; a built-in one's suites ran at boot.
	builtins=$MODROOT/lib/modules/$(cat "$OUT/.snd-rs-release")/modules.builtin
	kunit_modules=$(for m in $kunit_modules; do
		m=${m%-rs}; grep -q "/$m\.ko\$" "$builtins" || echo "$m"; done)
fi
kunit_modules=$(paste -sd, <<<"$kunit_modules")
if guest kunit 600 kunit.enable=1 snd_rs.scenario=kunit snd_rs.kunit_modules="$kunit_modules"; then
	kunit_clean=1
else
	kunit_clean=0
fi
kunit_py=$SRC/tools/testing/kunit/kunit.py
# Built-in suites print one KTAP document at boot, each module one when it loads; kunit.py
# parses one document at a time, so the log is split at guest-init's marker lines.
rm -f "$results"/kunit-part*.log
awk -v dir="$results" '/snd-rs: KUnit module / { part++ } { print > (dir "/kunit-part" part+0 ".log") }' "$log"
parsed=
for part in "$results"/kunit-part*.log; do
	if out=$(python3 "$kunit_py" parse "$part" 2>&1); then :; fi
	parsed+=$out$'\n'
done
printf '%s\n' "$parsed" >"$results/kunit.parsed"
# Every suite's verdict, every case of our suites, and anything that did not pass.
printf '%s\n' "$parsed" | awk '
	/=+ \[[A-Z]+\] / { print; ours = 0; next }
	/=+ (snd_|deliberate)/ { ours = 1 }
	/=+ [a-z]/ && !/=+ (snd_)/ { ours = 0 }
	/\[(FAILED|CRASHED)\]/ || (ours && /\[(PASSED|SKIPPED)\]/) { print }
' | sed 's/^/  /'

sum() { printf '%s\n' "$parsed" | sed -n "s/.*Testing complete.*$1: \([0-9]*\).*/\1/p" | paste -sd+ | sed 's/^$/0/' | bc; }
k_pass=$(sum passed)
k_fail=$(($(sum failed) + $(sum crashed)))
echo "  KUnit: $k_pass passed, $k_fail failed or crashed, in $(grep -c 'Testing complete' <<<"$parsed") KTAP documents"
if ! grep -q 'Testing complete' <<<"$parsed"; then
	fail "KUnit: no results parsed from $log"
else
	((k_pass > 0)) && pass "KUnit cases" "$k_pass"
	((k_fail > 0)) && fail "KUnit cases" "$k_fail"
	# Every suite declared in tests/kunit/ or in a module must have run and passed.
	# (A suite file in tests/kunit/ that this kernel's config leaves out is not built: the
	# prod kernel has no CONFIG_DEBUG_ATOMIC_SLEEP for snd_sync_might_sleep.)
	for f in $(cd "$SND_RS_ROOT" && grep -rl --include='*.rs' 'kunit_suite!(' tests/kunit sound); do
		case $f in
		tests/kunit/*) [ -f "$OUT/sound/snd-rs/${f%.rs}.o" ] || continue ;;
		esac
		for suite in $(grep -h -A1 'kunit_suite!(' "$SND_RS_ROOT/$f" |
			grep -oE '^\s*(kunit_suite!\()?[a-z_0-9]+,' | grep -oE '[a-z_0-9]+,' | tr -d ,); do
			grep -qE "=+ \[PASSED\] $suite =+" <<<"$parsed" || fail "KUnit suite $suite did not run or did not pass"
		done
	done
fi
((kunit_clean)) || fail "KUnit boot: clean log and orderly shutdown"
# Reports the suites provoke on purpose (snd_kunit::expect_kernel_report).
# (A suite that never ran prints no blocks; the suite check above catches that.)
while read -r verdict what; do
	if [ "$verdict" = ok ]; then
		pass "kernel log as expected: $what"
	else
		fail "kernel log lacks what a test expected: $what"
	fi
done < <("$SND_RS_ROOT/scripts/check-log.sh" --expected "$log")
fi

# host_stall LOG: the first sign, after the scenario started, that the host did not run the
# guest for a while (QEMU TCG under host load: the clocksource watchdog's long readouts,
# clock jumps); fails when there is none. (Boot prints some of these on an idle host too.)
host_stall() {
	sed -n '/^snd-rs guest: /,$p' "$1" |
		grep -aoE 'clocksource: Long readout interval|timekeeping watchdog on CPU[0-9]+: .*|sched: DL replenish lagged too much|hrtimer: interrupt took [0-9]+ ns|sched: RT throttling activated' |
		head -n1 | grep .
}

# detection LOG: how a positive control was caught (the first kernel report, or the
# scenario's failed check); fails when the guest failed some other way (a plain hang).
detection() {
	local first
	first=$(grep -aoE '(BUG: [A-Za-z]+[^ ]*( [a-z-]+)*|WARNING: [a-z ]+|KCSAN: data-race[^(]*|possible recursive locking|Oops: [a-z ]+|Kernel panic[^,]*)' "$1" | head -n1)
	[ -n "$first" ] && { echo "$first"; return 0; }
	first=$(grep -a '\[scenario\] FAIL' "$1" | head -n1 | sed 's/.*FAIL: //')
	[ -n "$first" ] && { echo "check failed: $first"; return 0; }
	return 1
}

if stage guest; then
step "guest scenarios"
# make fuzz passes a longer time bound and extra kernel arguments (snd_rs.fuzz_*).
guest_timeout=${SND_RS_GUEST_TIMEOUT:-300}
guest_args=${SND_RS_GUEST_ARGS:-}
for s in "$SND_RS_ROOT"/tests/scenarios/[!_]*.sh; do
	name=$(basename "$s" .sh)
	mods=$(sed -n 's/^# modules: *//p' "$s" | head -n1)
	# "# detects: MOD": a positive control (tests/prefix), the C original without its
	# seed fix; the scenario must catch it, with a kernel report or a failed check.
	detects=$(sed -n 's/^# detects: *//p' "$s" | head -n1)
	# The prod kernel runs only the scenarios with a "# prod: MODULE [KERNEL ARGS...]"
	# line, once, against MODULE (a C name, which is the Rust module there), booted with
	# those arguments (parameters of built-in modules, snd.slots=...).
	prod_args=()
	if [ "$FLAVOUR" = prod ]; then
		read -r mods detects_ <<<"$(sed -n 's/^# prod: *//p' "$s" | head -n1)" || true
		[ -n "$mods" ] || continue
		read -ra prod_args <<<"${detects_:-}"
		detects=
	fi
	# The modular-ALSA kernel runs the scenarios with a "# sndm: MODULE..." line, against
	# those modules.
	if [ "$FLAVOUR" = sndm ]; then
		mods=$(sed -n 's/^# sndm: *//p' "$s" | head -n1)
		[ -n "$mods" ] || continue
		detects=
	fi
	for mod in $mods $detects; do
		[[ "$name/$mod" =~ ${SND_RS_ONLY:-.} ]] || continue
		t0=$(date +%s)
		# "# uart1: file": a second ISA UART (0x2f8, irq 3) whose output lands in a host
		# file; NAME.host then checks that file. 8250.nr_uarts=1 keeps the serial driver
		# off it, for snd-serial-u16550.
		uart=$results/$name-$mod.uart1
		extra=() args=()
		if grep -q '^# uart1: file' "$s"; then
			rm -f "$uart"
			extra=(-chardev "file,id=uart1,path=$uart" -device isa-serial,chardev=uart1,index=1)
			args=(8250.nr_uarts=1)
		fi
		ok=1
		host_check=${s%.sh}.host
		if [[ " $detects " == *" $mod "* ]]; then
			if SND_RS_QEMU_EXTRA="${extra[*]}" guest "$name-$mod" "$guest_timeout" "${args[@]}" $guest_args \
				snd_rs.scenario="$name" snd_rs.module="$mod" >/dev/null; then
				if [ -x "$host_check" ] && ! how=$("$host_check" "$uart" "$log" 2>&1); then
					pass "$name [$mod] caught the unfixed race: host check failed: $(head -n1 <<<"$how" | sed 's/^ *//') ($(($(date +%s) - t0)) s)"
				else
					fail "$name [$mod]: the unfixed race went undetected (log: $log)"
				fi
			elif how=$(detection "$log"); then
				pass "$name [$mod] caught the unfixed race: $how ($(($(date +%s) - t0)) s)"
			else
				fail "$name [$mod]: failed without a report or a failed check (log: $log)"
			fi
			continue
		fi
		for try in 1 2 3; do
			ok=1
			[ -z "$uart" ] || rm -f "$uart"
			SND_RS_QEMU_EXTRA="${extra[*]}" guest "$name-$mod" "$guest_timeout" "${args[@]}" \
				${prod_args[@]+"${prod_args[@]}"} $guest_args \
				snd_rs.scenario="$name" snd_rs.module="$mod" || ok=0
			if ((ok)) && [ -x "$host_check" ] && ! "$host_check" "$uart" "$log"; then
				ok=0
			fi
			# A run that failed while the host stalled the guest says nothing about the
			# code: run it again (twice at most). A kernel report is never retried.
			((ok)) && break
			"$SND_RS_ROOT/scripts/check-log.sh" "$log" >/dev/null || break
			stall=$(host_stall "$log") || break
			((try < 3)) || break
			echo "    host stall in the guest ($stall): running $name [$mod] again ($try of 2)"
		done
		if ((ok)); then
			pass "$name [$mod] ($(($(date +%s) - t0)) s)"
		else
			fail "$name [$mod] (log: $log)"
		fi
	done
done
fi

if stage prod && [ "$FLAVOUR" != prod ]; then
	step "the production-like kernel (SND_RS_FLAVOUR=prod): KUnit, the '# prod:' scenarios"
	if [ ! -f "$CACHE/linux-build-prod/arch/x86/boot/bzImage" ]; then
		fail "prod kernel: not built (make kernel initramfs SND_RS_FLAVOUR=prod)"
	else
		prod_out=$results/prod.out
		SND_RS_FLAVOUR=prod SND_RS_STAGES="kunit guest" SND_RS_RESULTS="$results/prod" \
			"$0" 2>&1 | tee "$prod_out" | grep -v '^[0-9]* passed, [0-9]* failed$' |
			sed '/^failed:$/,$d'
		read -r p_ok _ p_bad _ < <(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$prod_out" || echo "0 passed, 1 failed")
		passed=$((passed + p_ok))
		failed=$((failed + p_bad))
		mapfile -t p_fail < <(sed -n '/^failed:$/,/^\[snd-rs/{s/^  /prod: /p}' "$prod_out")
		failures+=(${p_fail[@]+"${p_fail[@]}"})
		((p_bad == 0 || ${#p_fail[@]} > 0)) || failures+=("prod: see $prod_out")
	fi
fi

echo
if ((failed)); then
	echo "failed:"; printf '  %s\n' "${failures[@]}"
fi
step "tests done"
echo "$passed passed, $failed failed"
((failed == 0))
