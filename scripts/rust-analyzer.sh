#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make rust-analyzer: rust-project.json for editing snd-rs in this clone.  The kernel's
# own `make rust-analyzer` (scripts/generate_rust_analyzer.py) writes the crates of
# rust/ (core, kernel, bindings, macros, ...) for the built test kernel; our crates are
# added to it with their roots in this clone (rust/snd_sync, rust/snd, rust/snd_kunit,
# the drivers in sound/, the KUnit suites in tests/kunit/), with the kernel's cfgs and
# the dependencies the kernel build gives them.  Written to ./rust-project.json, where
# rust-analyzer looks for it.
source "$(dirname "$0")/common.sh"

[ -f "$OUT/rust/libmacros.so" ] || die "build the kernel first (make kernel)"
"${KMAKE[@]}" -s rust-analyzer
python3 - "$OUT/rust-project.json" "$SND_RS_ROOT" >"$SND_RS_ROOT/rust-project.json" <<'PY'
import json, pathlib, sys
project = json.load(open(sys.argv[1]))
root = pathlib.Path(sys.argv[2])
crates = project["crates"]
index = {c["display_name"]: i for i, c in enumerate(crates)}
kernel_cfg = crates[index["kernel"]]["cfg"]

def add(name, path, deps):
    index[name] = len(crates)
    crates.append({
        "display_name": name,
        "root_module": str(root / path),
        "is_workspace_member": True,
        "is_proc_macro": False,
        "deps": [{"crate": index[d], "name": d} for d in deps],
        "cfg": kernel_cfg,
        "edition": "2021",
        "env": {"RUST_MODFILE": "This is only for rust-analyzer"},
    })

# As rust/Makefile (patch 0005) builds them.
base = ["core", "ffi", "build_error", "macros", "bindings", "uapi", "kernel"]
add("snd_sync", "rust/snd_sync/lib.rs", base)
add("snd", "rust/snd/lib.rs", base + ["snd_sync"])
add("snd_kunit", "rust/snd_kunit/lib.rs", base)
# Drivers and KUnit suites: Kbuild gives them `kernel` and finds the rest in rust/.
users = ["core", "macros", "kernel", "snd_sync", "snd", "snd_kunit"]
for path in ["sound/aloop/aloop.rs", "sound/seq_midi/seq_midi.rs", "sound/seq_oss/readq.rs"] + \
        sorted(str(p.relative_to(root)) for p in (root / "tests/kunit").glob("*.rs")):
    add(pathlib.Path(path).stem, path, users)
json.dump(project, sys.stdout, sort_keys=True, indent=4)
print()
PY
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["crates"]))' "$SND_RS_ROOT/rust-project.json")
step "rust-project.json written ($n crates, snd-rs's with roots in $SND_RS_ROOT)"
