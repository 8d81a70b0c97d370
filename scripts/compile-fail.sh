#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Compile-fail tests of the safe ALSA layer (rust/snd, rust/snd_sync), and the
# check that no driver under sound/ names kernel::bindings.
#
# Each tests/compile_fail/NAME.rs is a few lines of driver code that misuses
# the layer.  It is compiled as a crate of its own with the kernel's own rustc
# command line for an in-tree Rust module (the saved command of aloop.o: the
# target, flags, cfgs and -L to the built kernel, snd, snd_sync .rmeta), with
# --emit=metadata into a temporary directory.  A case passes when rustc
# refuses it and its diagnostics contain every `// expect-error: TEXT` line of
# the file.  Files named _control*.rs must compile (they prove the harness
# itself builds correct code).  Needs a built kernel (`make kernel`).
#
# Prints one "ok NAME" or "FAIL NAME" line per case on stdout (details on
# stderr), like tests/host/tree-incremental.sh, and exits 1 if any failed.
#   scripts/compile-fail.sh [NAME...]    only the named cases
source "$(dirname "$0")/common.sh"

cases_dir=$SND_RS_ROOT/tests/compile_fail
cmdfile=$OUT/sound/snd-rs/sound/aloop/.aloop.o.cmd
[ -f "$cmdfile" ] || die "no $cmdfile: build the kernel first (make kernel)"

# The saved command: `savedcmd_<target> := RUST_MODFILE=... clippy-driver ARGS... <aloop.rs>`.
saved=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdfile")
[ -n "$saved" ] || die "no saved command in $cmdfile"
# A shell command line (it has quoted words): split it as the shell would.
eval "words=($saved)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Keeps every flag; swaps the driver, the crate name, the outputs and the source.
base=()
skip=0
for w in "${words[@]}"; do
	if ((skip)); then skip=0; continue; fi
	case $w in
	RUST_MODFILE=*) ;;
	clippy-driver|rustc) ;;
	--crate-name|--out-dir) skip=1 ;;
	--emit=*) ;;
	*/aloop.rs) ;;
	*) base+=("$w") ;;
	esac
done

failed=0
# run_case FILE: prints the verdict line.
run_case() {
	local file=$1 name want out status
	name=$(basename "$file" .rs)
	mapfile -t want < <(sed -n 's|^// expect-error: *||p' "$file")
	if out=$(cd "$OUT" && RUSTC_BOOTSTRAP=1 RUST_MODFILE=compile_fail/$name rustc "${base[@]}" \
		--crate-name "cf_${name#_}" --out-dir "$tmp" \
		--emit=metadata="$tmp/$name.rmeta" "$file" 2>&1); then
		status=0
	else
		status=1
	fi
	if [[ $name == _control* ]]; then
		if ((status == 0)); then
			echo "ok $name"
		else
			printf '%s: must compile, but:\n%s\n' "$name" "$out" | head -n 40 >&2
			echo "FAIL $name"; return 1
		fi
		return 0
	fi
	if ((status == 0)); then
		printf '%s: compiled, but must fail\n' "$name" >&2
		echo "FAIL $name"; return 1
	fi
	if ((${#want[@]} == 0)); then
		printf '%s: no "// expect-error:" line\n' "$name" >&2
		echo "FAIL $name"; return 1
	fi
	local w
	for w in "${want[@]}"; do
		if ! grep -qF -- "$w" <<<"$out"; then
			printf '%s: failed, but without "%s":\n%s\n' "$name" "$w" "$out" | head -n 40 >&2
			echo "FAIL $name"; return 1
		fi
	done
	echo "ok $name"
}

if (($#)); then
	files=()
	for n in "$@"; do files+=("$cases_dir/${n%.rs}.rs"); done
else
	files=("$cases_dir"/*.rs)
fi
for f in "${files[@]}"; do
	run_case "$f" || failed=1
done

# Drivers use the layer's typed items, never the raw C bindings.
if (($# == 0)); then
	if hits=$(cd "$SND_RS_ROOT" && grep -rnwE 'bindings' sound --include='*.rs' |
		grep -vE '^[^:]*:[0-9]+:[[:space:]]*//'); then
		printf 'drivers naming kernel::bindings:\n%s\n' "$hits" >&2
		echo "FAIL no-bindings-in-sound"; failed=1
	else
		echo "ok no-bindings-in-sound"
	fi
fi
exit $failed
