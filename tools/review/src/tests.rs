// SPDX-License-Identifier: GPL-2.0
//! Tests of the whole tool: a small project made up here (the map check), and the patches of
//! `tests/data/` read against the prepared kernel tree and this repository's Rust (skipped,
//! saying so, when there is no prepared tree: `make tree`).
//!
//! `UPDATE_EXPECTED=1 cargo test -p snd-review` rewrites `tests/data/*.expected` (review the
//! diff: they are what the tool must keep saying).

use crate::mapdoc;
use crate::project::{default_cache, Project, MAP_DOC};
use crate::review;
use std::fs;
use std::path::{Path, PathBuf};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const MAP: &str = r#"
[[original]]
c = "sound/demo.c"
crate = "sound/demo"
modules = ["snd-demo", "snd-demo-rs"]

[rust]
crates = ["sound/demo"]

[kernel]
index = ["include"]

[map."sound/demo.c"]
"demo_helper()" = { rust = ["demo::Demo::start"], note = "inlined" }
"DEMO_MAX" = { none = "the Rust uses the type's range" }
"#;

const C: &str = "#define DEMO_MAX 8\n\nstruct demo {\n\tint x;\n};\n\nstatic int demo_helper(int x)\n{\n\treturn x + 1;\n}\n\nstatic int demo_start(struct demo *d)\n{\n\treturn mod_timer(d->x) + demo_helper(d->x);\n}\n";

const RS: &str = "//! The demo.\n\n/// C: `struct demo`.\npub struct Demo;\n\nimpl Demo {\n    /// Starts. C: `demo_start()` (with `mod_timer()`).\n    pub fn start(&self) {}\n}\n";

/// A project of one C original with its crate, map file and tree; returns (root, tree).
fn mini(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("snd-review-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let (root, tree) = (dir.join("repo"), dir.join("tree"));
    write(&root, "tools/review/map.toml", MAP);
    write(&root, "sound/demo/demo.rs", RS);
    write(&tree, "Makefile", "");
    write(&tree, "sound/demo.c", C);
    write(&tree, "include/linux/timer.h", "int mod_timer(int t);\n");
    (root, tree)
}

fn problems(root: &Path, tree: &Path) -> Vec<String> {
    let p = Project::load(root, tree, None).unwrap();
    mapdoc::check(&p)
        .into_iter()
        .map(|pr| format!("{}: {}", pr.at, pr.what))
        .collect()
}

fn write_doc(root: &Path, tree: &Path) {
    let p = Project::load(root, tree, None).unwrap();
    write(root, MAP_DOC, &mapdoc::markdown(&p));
}

#[test]
fn map_check_passes_and_the_document_must_be_current() {
    let (root, tree) = mini("ok");
    assert_eq!(
        problems(&root, &tree),
        ["docs/review-map.md: is missing: run `make review-map` and commit the result"]
    );
    write_doc(&root, &tree);
    assert!(problems(&root, &tree).is_empty());
    // The Rust moves: the document (file:line) goes stale, the map stays complete.
    write(&root, "sound/demo/demo.rs", &format!("\n{RS}"));
    assert_eq!(
        problems(&root, &tree),
        ["docs/review-map.md: is stale: run `make review-map` and commit the result"]
    );
    let p = Project::load(&root, &tree, None).unwrap();
    let doc = mapdoc::markdown(&p);
    assert!(
        doc.contains(
            "| `demo_start()` | 12 | function | `demo::Demo::start` sound/demo/demo.rs:9 | tag |"
        ),
        "{doc}"
    );
    assert!(doc.contains(
        "| `DEMO_MAX` | 1 | macro | — | no counterpart: the Rust uses the type's range |"
    ));
    assert!(
        !doc.contains(&root.display().to_string()),
        "no absolute paths"
    );
}

#[test]
fn map_check_fails_on_a_bad_tag_a_missing_entry_and_stale_names() {
    let (root, tree) = mini("bad");
    write_doc(&root, &tree);
    // A typo in a tag, and a C function nothing maps.
    write(
        &root,
        "sound/demo/demo.rs",
        &RS.replace("`demo_start()`", "`demo_strat()`"),
    );
    let got = problems(&root, &tree);
    assert!(
        got.iter().any(|p| p.starts_with(
            "sound/demo/demo.rs:7: the tag of `demo::Demo::start` names `demo_strat()`"
        )),
        "{got:?}"
    );
    assert!(
        got.iter().any(|p| p.starts_with(
            "sound/demo.c:12: function `demo_start()` has no Rust item and no map entry"
        )),
        "{got:?}"
    );
    // A map entry naming a Rust item that went, a "none" contradicted by a tag, a verdict
    // naming nothing.
    write(
        &root,
        "sound/demo/demo.rs",
        &RS.replace("pub fn start", "pub fn begin")
            .replace("`struct demo`", "`struct demo`, `DEMO_MAX`"),
    );
    write(
        &root,
        "docs/backports/x.md",
        "# X\n\n- Subject: ALSA: demo: x\n- Verdict: covered\n- Rust: demo::Gone\n",
    );
    let got = problems(&root, &tree);
    for want in [
        "tools/review/map.toml: sound/demo.c: `demo_helper()`: `demo::Demo::start` names no Rust item (renamed or gone?)",
        "tools/review/map.toml: sound/demo.c: `DEMO_MAX` is marked \"no counterpart\" but sound/demo/demo.rs:4 has a tag naming it",
        "docs/backports/x.md: - Rust: `demo::Gone` names no Rust item (renamed or gone?)",
    ] {
        assert!(got.iter().any(|p| p == want), "missing {want:?} in {got:?}");
    }
}

/// The prepared kernel tree, if there is one.
fn prepared_tree() -> Option<PathBuf> {
    let tree = default_cache().join("linux-src");
    tree.join("sound/drivers/aloop.c").exists().then_some(tree)
}

/// The clone under test. Read at run time: cargo sets CARGO_MANIFEST_DIR for the test
/// process, while the compile-time value is that of whichever clone first built this test
/// binary into a shared target directory (cargo reuses it for an identical clone elsewhere).
fn repo_root() -> PathBuf {
    let dir =
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    Path::new(&dir).join("../..")
}

#[test]
fn patches_of_tests_data_read_as_expected() {
    let Some(tree) = prepared_tree() else {
        eprintln!("skipped: no prepared kernel tree (make tree)");
        return;
    };
    let root = repo_root();
    let p = Project::load(&root, &tree, None).unwrap();
    let data = root.join("tools/review/tests/data");
    let mut names: Vec<String> = fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".patch") || n.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut failed = Vec::new();
    for n in &names {
        let text = fs::read_to_string(data.join(n)).unwrap();
        let r = review::review(&p, n, &text);
        let got = review::summary(&p, &r);
        // The full reports must render too.
        assert!(review::terminal(&p, &r, 160).contains("Checklist"));
        assert!(review::markdown(&p, &r).contains("## Checklist"));
        let expected = data.join(format!("{n}.expected"));
        if update {
            fs::write(&expected, &got).unwrap();
            continue;
        }
        let want = fs::read_to_string(&expected).unwrap_or_default();
        if want != got {
            failed.push(format!("--- {n}.expected\n{want}+++ got\n{got}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn two_versions_of_aloop() {
    let Some(tree) = prepared_tree() else {
        eprintln!("skipped: no prepared kernel tree (make tree)");
        return;
    };
    let p = Project::load(&repo_root(), &tree, None).unwrap();
    let new = fs::read_to_string(tree.join("sound/drivers/aloop.c")).unwrap();
    // An "older" aloop.c: get_rate_shift() under another name, a different stop in
    // loopback_snd_timer_stop(), one comment changed.
    let old = new
        .replace("get_rate_shift(", "get_pitch(")
        .replace(
            "/* only stop if both devices (playback and capture) are not running */",
            "/* stop when neither runs */",
        )
        .replace(
            "err = snd_timer_stop(cable->snd_timer.instance);",
            "err = snd_timer_stop(cable->snd_timer.instance);\n\tcable->running = 0;",
        );
    assert_ne!(old, new);
    let report = crate::cdiff_report::report(&p, "old/aloop.c", &old, "new/aloop.c", &new);
    assert!(
        report.starts_with("old/aloop.c -> new/aloop.c: versions of sound/drivers/aloop.c"),
        "{report}"
    );
    assert!(
        report.contains("changed: loopback_jiffies_timer_start()"),
        "{report}"
    );
    assert!(
        report.contains("renamed: get_pitch() -> get_rate_shift()"),
        "{report}"
    );
    assert!(
        report.contains("changed: loopback_snd_timer_stop()\n    revisit aloop::snd_timer::stop"),
        "{report}"
    );
    assert!(report.contains("      -\tcable->running = 0;"), "{report}");
    assert!(
        report.contains("3 definitions changed") || report.contains("4 definitions changed"),
        "{report}"
    );
}
