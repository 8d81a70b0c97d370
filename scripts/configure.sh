#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# configure.sh [DIR]: writes the .config of the kernel SND_RS_FLAVOUR selects into
# DIR (default: its build directory) from .config.fragment and the flavour's
# configs/NAME.fragment, with olddefconfig, and fails naming every fragment line
# that did not survive (a missing dependency).  kernel.sh calls it before each
# build; make test's static stage runs it for every flavour in a scratch
# directory, which checks the fragments against Kconfig without a kernel build.
source "$(dirname "$0")/common.sh"

dir=${1:-$OUT}
kmake=(make -C "$SRC" O="$dir" LLVM=-19 CLIPPY=1)
mkdir -p "$dir"
frag=$SND_RS_ROOT/.config.fragment
if [ -n "$FLAVOUR" ]; then
	over=$SND_RS_ROOT/configs/$FLAVOUR.fragment
	[ -f "$over" ] || die "no kernel flavour '$FLAVOUR' (configs/$FLAVOUR.fragment)"
	# The test kernel's lines, less every symbol the flavour sets, then the flavour's.
	merged=$dir/.snd-rs-fragment-merged
	syms=$(sed -nE 's/^(# )?(CONFIG_[A-Z0-9_]+)[= ].*/\2/p' "$over" | sort -u)
	awk -v syms="$syms" '
		BEGIN { n = split(syms, s, "\n"); for (i = 1; i <= n; i++) drop[s[i]] = 1 }
		{ sym = $0; sub(/^# /, "", sym); sub(/[= ].*/, "", sym); if (!(sym in drop)) print }
	' "$frag" >"$merged"
	cat "$over" >>"$merged"
	frag=$merged
fi
stamp=$dir/.snd-rs-fragment
if [ ! -f "$dir/.config" ] || ! cmp -s "$frag" "$stamp"; then
	step "configuring the ${FLAVOUR:-test} kernel from $(basename "$frag")"
	cp "$frag" "$dir/.config"
	"${kmake[@]}" -s olddefconfig >/dev/null
	# Every line of the fragment must have survived olddefconfig.
	bad=()
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qxF "$line" "$dir/.config" || bad+=("$line") ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			! grep -q "^$sym=" "$dir/.config" || bad+=("$line") ;;
		esac
	done <"$frag"
	((${#bad[@]} == 0)) || die "these .config.fragment lines did not survive olddefconfig (missing dependency?): ${bad[*]}"
	cp "$frag" "$stamp"
fi

