// SPDX-License-Identifier: GPL-2.0
//! Two versions of a C file compared definition by definition: which functions, structs and
//! tables changed (in tokens, or only in comments and whitespace), appeared, went, or were
//! renamed.

use crate::csrc::{CFile, Def, Kind};
use std::collections::BTreeSet;

/// How one definition changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Its tokens differ.
    Changed {
        /// Map key.
        key: String,
    },
    /// Only comments or whitespace differ.
    Comments {
        /// Map key.
        key: String,
    },
    /// Only in the new version.
    Added {
        /// Map key.
        key: String,
    },
    /// Only in the old version.
    Removed {
        /// Map key.
        key: String,
    },
    /// Gone under one name, there under another with (nearly) the same body.
    Renamed {
        /// Old key.
        from: String,
        /// New key.
        to: String,
        /// Whether the body changed beyond the name.
        changed: bool,
    },
}

impl Change {
    /// The key in the old version (None for an addition).
    pub fn old_key(&self) -> Option<&str> {
        match self {
            Change::Changed { key } | Change::Comments { key } | Change::Removed { key } => {
                Some(key)
            }
            Change::Renamed { from, .. } => Some(from),
            Change::Added { .. } => None,
        }
    }

    /// The key in the new version (None for a removal).
    pub fn new_key(&self) -> Option<&str> {
        match self {
            Change::Changed { key } | Change::Comments { key } | Change::Added { key } => Some(key),
            Change::Renamed { to, .. } => Some(to),
            Change::Removed { .. } => None,
        }
    }

    /// One line for a reader.
    pub fn describe(&self) -> String {
        match self {
            Change::Changed { key } => format!("changed: {key}"),
            Change::Comments { key } => format!("comments/whitespace only: {key}"),
            Change::Added { key } => format!("added: {key}"),
            Change::Removed { key } => format!("removed: {key}"),
            Change::Renamed { from, to, changed } => format!(
                "renamed: {from} -> {to}{}",
                if *changed { " (and changed)" } else { "" }
            ),
        }
    }
}

fn def_text(file: &CFile, def: &Def) -> String {
    let mut out = String::new();
    for &(a, b) in &def.spans {
        let a = if (a, b) == def.spans[0] {
            def.comment_start
        } else {
            a
        };
        for l in file.lines(a, b) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The definitions that differ between `old` and `new`, in the new file's order (removals
/// last).
pub fn compare(old: &CFile, new: &CFile) -> Vec<Change> {
    let old_keys: BTreeSet<String> = old.defs.iter().map(Def::key).collect();
    let new_keys: BTreeSet<String> = new.defs.iter().map(Def::key).collect();
    let mut out = Vec::new();
    let mut added: Vec<&Def> = Vec::new();
    for d in &new.defs {
        let key = d.key();
        match old.find(&key) {
            Some(o) if o.tokens != d.tokens => out.push(Change::Changed { key }),
            Some(o) if def_text(old, o) != def_text(new, d) => out.push(Change::Comments { key }),
            Some(_) => {}
            None => added.push(d),
        }
    }
    let removed: Vec<&Def> = old
        .defs
        .iter()
        .filter(|d| !new_keys.contains(&d.key()))
        .collect();
    let mut renamed_to: BTreeSet<String> = BTreeSet::new();
    let mut removals = Vec::new();
    for r in removed {
        let best = added
            .iter()
            .filter(|a| a.kind == r.kind && !renamed_to.contains(&a.key()))
            .map(|a| (similarity(&r.tokens, &r.name, &a.tokens, &a.name), *a))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        match best {
            Some((sim, a)) if sim >= 0.8 && r.kind != Kind::ModuleInfo => {
                renamed_to.insert(a.key());
                out.push(Change::Renamed {
                    from: r.key(),
                    to: a.key(),
                    changed: sim < 1.0,
                });
            }
            _ => removals.push(Change::Removed { key: r.key() }),
        }
    }
    for a in added {
        if !renamed_to.contains(&a.key()) && !old_keys.contains(&a.key()) {
            out.push(Change::Added { key: a.key() });
        }
    }
    out.extend(removals);
    out
}

/// How alike two definitions are (0..=1), their names taken out.
fn similarity(a: &str, a_name: &str, b: &str, b_name: &str) -> f64 {
    let ta: Vec<&str> = a.split(' ').filter(|t| *t != a_name).collect();
    let tb: Vec<&str> = b.split(' ').filter(|t| *t != b_name).collect();
    if ta.is_empty() && tb.is_empty() {
        return 1.0;
    }
    let l = lcs(&ta, &tb);
    2.0 * l as f64 / (ta.len() + tb.len()) as f64
}

fn lcs<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A line diff of `old` and `new` (compared without whitespace): lines with ` `, `-`, `+`.
pub fn line_diff(old: &[&str], new: &[&str]) -> Vec<(char, String)> {
    let sq = |s: &&str| crate::patch::squash(s);
    let a: Vec<String> = old.iter().map(sq).collect();
    let b: Vec<String> = new.iter().map(sq).collect();
    let (n, m) = (a.len(), b.len());
    let mut dp = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i][j] = if a[i] == b[j] {
                dp[i + 1][j + 1] + 1
            } else {
                dp[i + 1][j].max(dp[i][j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((' ', new[j].to_string()));
            i += 1;
            j += 1;
        } else if i < n && (j == m || dp[i + 1][j] >= dp[i][j + 1]) {
            out.push(('-', old[i].to_string()));
            i += 1;
        } else {
            out.push(('+', new[j].to_string()));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_between_versions() {
        let old = CFile::parse(
            "old.c",
            "static int a(void)\n{\n\treturn 1;\n}\n\n/* b */\nstatic int b(int x)\n{\n\tint y = x * 2;\n\tif (y > 3)\n\t\treturn y;\n\treturn 0;\n}\n\nstatic int gone(void)\n{\n\treturn 7;\n}\n\nstruct s {\n\tint f;\n};\n",
        );
        let new = CFile::parse(
            "new.c",
            "static int a(void)\n{\n\treturn 2;\n}\n\n/* b, better */\nstatic int b(int x)\n{\n\tint y = x * 2;\n\tif (y > 3)\n\t\treturn y;\n\treturn 0;\n}\n\nstatic int renamed(int x)\n{\n\tint y = x * 2;\n\tif (y > 3)\n\t\treturn y;\n\treturn 0;\n}\n\nstruct s {\n\tint f;\n\tint g;\n};\n\nstatic int fresh(void)\n{\n\treturn 7;\n}\n",
        );
        let got: Vec<String> = compare(&old, &new).iter().map(Change::describe).collect();
        assert_eq!(
            got,
            [
                "changed: a()",
                "comments/whitespace only: b()",
                "changed: struct s",
                "renamed: gone() -> fresh()",
                "added: renamed()",
            ]
        );
    }

    #[test]
    fn diff_of_lines() {
        let d = line_diff(&["a", "\tb", "c"], &["a", "b", "x", "c"]);
        assert_eq!(
            d,
            [
                (' ', "a".to_string()),
                (' ', "b".to_string()),
                ('+', "x".to_string()),
                (' ', "c".to_string())
            ]
        );
    }
}
