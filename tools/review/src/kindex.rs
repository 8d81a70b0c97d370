// SPDX-License-Identifier: GPL-2.0
//! The names of the functions and function-like macros the kernel declares, read with
//! tree-sitter from the directories `[kernel] index` names (headers and the ALSA core): a tag
//! may name one of them (`C: `snd_pcm_stop()``) besides the C originals' own. Parsing takes a
//! few seconds, so the list is kept in the cache, keyed by the files' sizes and times.

use crate::csrc;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What identifies the indexed files: their paths, sizes and modification times (a few
/// thousand `stat()`s, milliseconds), so a changed header or helper rebuilds the list.
fn files_key(tree: &Path, dirs: &[String], files: &[PathBuf]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for f in files {
        feed(f.to_string_lossy().as_bytes());
        if let Ok(m) = fs::metadata(f) {
            feed(&m.len().to_le_bytes());
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            feed(&t.to_le_bytes());
        }
    }
    format!("v3 {} | {} | {:016x}", tree.display(), dirs.join(","), h)
}

fn list(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            list(&p, out);
        } else if p.extension().is_some_and(|x| x == "h" || x == "c") {
            out.push(p);
        }
    }
}

/// The kernel's function names, from the cache when the files are the same.
pub fn load(tree: &Path, dirs: &[String], cache: Option<&Path>) -> BTreeSet<String> {
    let mut files = Vec::new();
    for d in dirs {
        list(&tree.join(d), &mut files);
    }
    files.sort();
    let key = files_key(tree, dirs, &files);
    let cache_file = cache.map(|c| c.join("review/kernel-index.txt"));
    if let Some(cf) = &cache_file {
        if let Ok(text) = fs::read_to_string(cf) {
            let mut lines = text.lines();
            if lines.next() == Some(key.as_str()) {
                return lines.map(str::to_string).collect();
            }
        }
    }
    let mut names = BTreeSet::new();
    for f in files {
        if let Ok(bytes) = fs::read(&f) {
            csrc::function_names(&String::from_utf8_lossy(&bytes), &mut names);
        }
    }
    // rust/helpers: `rust_helper_x()` reaches Rust as `x()`.
    let helpers: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix("rust_helper_").map(str::to_string))
        .collect();
    names.extend(helpers);
    if let Some(cf) = cache_file {
        if let Some(parent) = cf.parent() {
            let _ = fs::create_dir_all(parent);
        }
        let mut text = key;
        for n in &names {
            text.push('\n');
            text.push_str(n);
        }
        text.push('\n');
        // One temporary file per writer: tests (threads) and concurrent runs may refresh the
        // same cache file at once, and a shared one interleaves their writes.
        static WRITERS: AtomicU64 = AtomicU64::new(0);
        let tmp = cf.with_extension(format!(
            "tmp.{}.{}",
            std::process::id(),
            WRITERS.fetch_add(1, Ordering::Relaxed)
        ));
        if fs::write(&tmp, text).is_ok() {
            let _ = fs::rename(&tmp, &cf);
        }
    }
    names
}
