// SPDX-License-Identifier: GPL-2.0
//! `make review C_OLD=a.c C_NEW=b.c`: the definitions that changed between two versions of a
//! C original, and the Rust items to revisit for each.

use crate::cdiff::{self, Change};
use crate::csrc::CFile;
use crate::project::{Project, Via};
use crate::review::short_name;
use std::collections::BTreeSet;
use std::path::Path;

/// Which C original `old` and `new` are versions of: by file name, else by the most
/// definitions in common.
fn which_unit(p: &Project, old_path: &str, old: &CFile, new: &CFile) -> Option<usize> {
    let base = Path::new(old_path)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    if let Some(u) = p.units.iter().position(|u| {
        Path::new(&u.c)
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == base)
    }) {
        return Some(u);
    }
    let keys: BTreeSet<String> = old.defs.iter().chain(&new.defs).map(|d| d.key()).collect();
    let (u, n) = p
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            (
                i,
                u.file
                    .defs
                    .iter()
                    .filter(|d| keys.contains(&d.key()))
                    .count(),
            )
        })
        .max_by_key(|x| x.1)?;
    (n > 0).then_some(u)
}

/// The report.
pub fn report(
    p: &Project,
    old_path: &str,
    old_text: &str,
    new_path: &str,
    new_text: &str,
) -> String {
    let old = CFile::parse(old_path, old_text);
    let new = CFile::parse(new_path, new_text);
    let mut o = String::new();
    let unit = which_unit(p, old_path, &old, &new);
    match unit {
        Some(u) => o.push_str(&format!(
            "{old_path} -> {new_path}: versions of {} (Rust: {})\n\n",
            p.units[u].c, p.units[u].crate_dir
        )),
        None => o.push_str(&format!(
            "{old_path} -> {new_path}: not a C original of the map; definitions only\n\n"
        )),
    }
    let changes = cdiff::compare(&old, &new);
    if changes.is_empty() {
        o.push_str("No definition changed (tokens and comments alike).\n");
        return o;
    }
    let rust_of = |key: &str| -> Vec<String> {
        let Some(u) = unit else {
            return Vec::new();
        };
        let Some(row) = p.row(&p.units[u].c, key) else {
            return Vec::new();
        };
        row.entries
            .iter()
            .map(|e| match (e.item, &e.via) {
                (Some(i), via) => format!(
                    "{} ({}, {})",
                    short_name(&p.items, i),
                    p.items[i].location(),
                    if matches!(via, Via::Tag(_)) {
                        "tag"
                    } else {
                        "map"
                    }
                ),
                (None, Via::None(reason)) => format!("no counterpart: {reason}"),
                _ => String::new(),
            })
            .collect()
    };
    let mut revisit = 0;
    for c in &changes {
        o.push_str(&format!("{}\n", c.describe()));
        // The map is of the tree's version, which may be either side.
        let mut rust = c.old_key().map(rust_of).unwrap_or_default();
        if rust.is_empty() {
            rust = c.new_key().map(rust_of).unwrap_or_default();
        }
        match c {
            Change::Comments { .. } => {}
            Change::Added { key } => o.push_str(&format!(
                "    new: map it (a `/// C: {key}` tag or an entry in tools/review/map.toml) once the tree has it\n"
            )),
            _ => {
                if rust.is_empty() {
                    o.push_str("    Rust: -\n");
                } else {
                    revisit += 1;
                    for r in rust {
                        o.push_str(&format!("    revisit {r}\n"));
                    }
                }
                if let Change::Renamed { from, to, .. } = c {
                    o.push_str(&format!(
                        "    rename the tags and map entries naming `{from}` to `{to}`\n"
                    ));
                }
            }
        }
        // The lines that changed, for functions and tables that exist on both sides.
        if let (Some(ok), Some(nk)) = (c.old_key(), c.new_key()) {
            if let (Some(od), Some(nd)) = (old.find(ok), new.find(nk)) {
                let a = old.lines(od.comment_start, od.end());
                let b = new.lines(nd.comment_start, nd.end());
                let diff = cdiff::line_diff(&a, &b);
                let shown: Vec<usize> = (0..diff.len())
                    .filter(|&i| {
                        (i.saturating_sub(2)..=(i + 2).min(diff.len() - 1))
                            .any(|j| diff[j].0 != ' ')
                    })
                    .collect();
                let mut last = None;
                for i in shown {
                    if last.is_some_and(|l: usize| l + 1 != i) {
                        o.push_str("      ...\n");
                    }
                    o.push_str(&format!("      {}{}\n", diff[i].0, diff[i].1));
                    last = Some(i);
                }
            }
        }
    }
    o.push_str(&format!(
        "\n{} definition{} changed; {revisit} with Rust items to revisit.\n",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    ));
    o
}
