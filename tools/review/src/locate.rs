// SPDX-License-Identifier: GPL-2.0
//! Where a hunk lands in the current C: lines are compared without whitespace (mails damage
//! it), the nearest match to the hunk's line number wins (the base version may be older or
//! newer), and a hunk that does not match whole is aligned line by line.

use crate::patch::{squash, HLine, Hunk, LineKind};

/// How a hunk relates to the current file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Its old side is in the file, `offset` lines from where the header says.
    Applies {
        /// Current line minus the header's line.
        offset: isize,
    },
    /// Its new side is in the file already (the change is there).
    AlreadyApplied {
        /// Current line minus the header's new line.
        offset: isize,
    },
    /// Only some of its lines match (the code around it differs).
    Fuzzy {
        /// Lines of the side that matched best, found in order.
        matched: usize,
        /// Its lines that count (not blank, not a lone brace).
        total: usize,
        /// Which side matched: true for the new one.
        new_side: bool,
    },
    /// Nothing that resembles it.
    NotFound,
}

impl Status {
    /// One line for a reader.
    pub fn describe(&self) -> String {
        match self {
            Status::Applies { offset: 0 } => "applies".into(),
            Status::Applies { offset } => format!("applies, offset {offset:+} lines"),
            Status::AlreadyApplied { offset: 0 } => "already in the current C".into(),
            Status::AlreadyApplied { offset } => {
                format!("already in the current C, offset {offset:+} lines")
            }
            Status::Fuzzy {
                matched,
                total,
                new_side,
            } if matched == total => format!(
                "does not apply as is: the lines of its {} side are there, with other lines between",
                if *new_side { "new" } else { "old" }
            ),
            Status::Fuzzy {
                matched,
                total,
                new_side,
            } => format!(
                "does not apply: {matched} of {total} lines of its {} side match",
                if *new_side { "new" } else { "old" }
            ),
            Status::NotFound => "does not apply: nothing similar in the current C".into(),
        }
    }

    /// A short word for summaries.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Applies { .. } => "applies",
            Status::AlreadyApplied { .. } => "already-applied",
            Status::Fuzzy { .. } => "fuzzy",
            Status::NotFound => "not-found",
        }
    }
}

/// Where a hunk is.
#[derive(Clone, Debug)]
pub struct Located {
    /// How it relates to the file.
    pub status: Status,
    /// For each hunk line, the current file's line (1-based) it matched.
    pub at: Vec<Option<usize>>,
    /// Current lines the patch changes (deleted lines; added lines when the file already has
    /// them).
    pub changed: Vec<usize>,
    /// Changed lines not in the file, each between two current lines (None: the hunk's
    /// edge).
    pub between: Vec<(Option<usize>, Option<usize>)>,
    /// First and last current line of the match.
    pub range: Option<(usize, usize)>,
}

fn significant(s: &str) -> bool {
    s.len() >= 3
}

/// Finds `hunk` in `file_lines`; `shift` is what earlier hunks of the file were off by.
pub fn locate(hunk: &Hunk, file_lines: &[&str], shift: isize) -> Located {
    let file: Vec<String> = file_lines.iter().map(|l| squash(l)).collect();
    let old: Vec<(usize, String)> = side(hunk, LineKind::Add);
    let new: Vec<(usize, String)> = side(hunk, LineKind::Del);
    let expect_old = (hunk.old_start as isize - 1 + shift).max(0) as usize;
    let expect_new = (hunk.new_start as isize - 1 + shift).max(0) as usize;
    if let Some(p) = exact(&file, &old, expect_old) {
        let mut at = vec![None; hunk.lines.len()];
        for (k, (i, _)) in old.iter().enumerate() {
            at[*i] = Some(p + k + 1);
        }
        return finish(
            hunk,
            at,
            Status::Applies {
                offset: p as isize - (hunk.old_start as isize - 1),
            },
            false,
        );
    }
    if new
        .iter()
        .any(|(i, _)| hunk.lines[*i].kind == LineKind::Add)
    {
        if let Some(p) = exact(&file, &new, expect_new) {
            let mut at = vec![None; hunk.lines.len()];
            for (k, (i, _)) in new.iter().enumerate() {
                at[*i] = Some(p + k + 1);
            }
            return finish(
                hunk,
                at,
                Status::AlreadyApplied {
                    offset: p as isize - (hunk.new_start as isize - 1),
                },
                true,
            );
        }
    }
    let (old_at, old_n, old_total) = fuzzy(&file, &old, expect_old, hunk.lines.len());
    let (new_at, new_n, new_total) = fuzzy(&file, &new, expect_new, hunk.lines.len());
    let use_new = new_total > 0 && new_n * old_total.max(1) > old_n * new_total.max(1);
    let (at, n, total) = if use_new {
        (new_at, new_n, new_total)
    } else {
        (old_at, old_n, old_total)
    };
    if total == 0 || n < 2.min(total) || n * 2 < total {
        return Located {
            status: Status::NotFound,
            at: vec![None; hunk.lines.len()],
            changed: Vec::new(),
            between: Vec::new(),
            range: None,
        };
    }
    finish(
        hunk,
        at,
        Status::Fuzzy {
            matched: n,
            total,
            new_side: use_new,
        },
        use_new,
    )
}

/// The lines of the side without `skip` lines: (index in the hunk, squashed text).
fn side(hunk: &Hunk, skip: LineKind) -> Vec<(usize, String)> {
    hunk.lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.kind != skip)
        .map(|(i, l)| (i, squash(&l.text)))
        .collect()
}

/// The 0-based start, nearest to `expect`, where `want` matches `file` line for line.
fn exact(file: &[String], want: &[(usize, String)], expect: usize) -> Option<usize> {
    if want.is_empty() || want.len() > file.len() {
        return None;
    }
    (0..=file.len() - want.len())
        .filter(|&p| want.iter().enumerate().all(|(k, (_, w))| file[p + k] == *w))
        .min_by_key(|&p| p.abs_diff(expect))
}

/// The best in-order alignment of `want`'s significant lines around some start: for each
/// hunk line its file line, how many significant lines matched, and how many there are.
fn fuzzy(
    file: &[String],
    want: &[(usize, String)],
    expect: usize,
    nlines: usize,
) -> (Vec<Option<usize>>, usize, usize) {
    let total = want.iter().filter(|(_, w)| significant(w)).count();
    let mut best: (usize, usize, Vec<Option<usize>>) = (0, usize::MAX, vec![None; nlines]);
    if total == 0 {
        return (best.2, 0, 0);
    }
    let mut starts: Vec<usize> = Vec::new();
    for (k, (_, w)) in want.iter().enumerate() {
        if !significant(w) {
            continue;
        }
        for (q, f) in file.iter().enumerate() {
            if f == w && q >= k {
                starts.push(q - k);
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let slack = 8 + want.len() / 2;
    for s in starts {
        let lo = s.saturating_sub(slack);
        let hi = (s + want.len() + slack).min(file.len());
        let (n, at) = align(&file[lo..hi], want, lo, nlines);
        let dist = s.abs_diff(expect);
        if n > best.0 || (n == best.0 && dist < best.1) {
            best = (n, dist, at);
        }
    }
    (best.2, best.0, total)
}

/// Longest common subsequence of significant lines of `want` in `window` (starting at
/// `base`).
fn align(
    window: &[String],
    want: &[(usize, String)],
    base: usize,
    nlines: usize,
) -> (usize, Vec<Option<usize>>) {
    let (n, m) = (want.len(), window.len());
    let mut dp = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i][j] = if want[i].1 == window[j] && significant(&want[i].1) {
                dp[i + 1][j + 1] + 1
            } else {
                dp[i + 1][j].max(dp[i][j + 1])
            };
        }
    }
    let mut at = vec![None; nlines];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if want[i].1 == window[j] && significant(&want[i].1) && dp[i][j] == dp[i + 1][j + 1] + 1 {
            at[want[i].0] = Some(base + j + 1);
            i += 1;
            j += 1;
        } else if dp[i + 1][j] >= dp[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (dp[0][0], at)
}

/// The changed lines and the range from an alignment; `new_side` when the new side was
/// matched (then added lines are the ones found in the file).
fn finish(hunk: &Hunk, at: Vec<Option<usize>>, status: Status, new_side: bool) -> Located {
    let mut changed = Vec::new();
    let mut between = Vec::new();
    let found_kind = if new_side {
        LineKind::Add
    } else {
        LineKind::Del
    };
    for (i, l) in hunk.lines.iter().enumerate() {
        if l.kind == LineKind::Context {
            continue;
        }
        match at[i] {
            Some(line) if l.kind == found_kind => changed.push(line),
            _ => {
                // Not in the file (the other side's line, or one that did not match): it is
                // between the matched lines around it.
                let before = at[..i].iter().rev().flatten().next().copied();
                let after = at[i + 1..].iter().flatten().next().copied();
                between.push((before, after));
            }
        }
    }
    changed.sort_unstable();
    changed.dedup();
    between.dedup();
    let matched: Vec<usize> = at.iter().flatten().copied().collect();
    let range = matched
        .iter()
        .min()
        .copied()
        .zip(matched.iter().max().copied());
    Located {
        status,
        at,
        changed,
        between,
        range,
    }
}

/// The indentation of an added line whose whitespace a mail removed, guessed from the line
/// above it: one tab more after `{`, one less for `}`, none for a label.
pub fn reindent(text: &str, above: Option<&str>) -> String {
    if text.starts_with('\t') || text.trim().is_empty() {
        return text.trim_end().to_string();
    }
    let body = text.trim();
    let above = above.unwrap_or("");
    let mut indent: String = above.chars().take_while(|c| c.is_whitespace()).collect();
    let above_t = above.trim_end();
    if above_t.ends_with('{') {
        indent.push('\t');
    }
    let is_label = body.ends_with(':')
        && body[..body.len() - 1]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_label {
        return body.to_string();
    }
    if body.starts_with('}') && indent.ends_with('\t') {
        indent.pop();
    }
    format!("{indent}{body}")
}

/// The text with hunks applied: forward the ones whose old side is in it
/// (`Status::Applies`), and, when `reverse` is set, backwards the ones whose new side is in it
/// (`Status::AlreadyApplied`), which gives the C before the patch.
pub fn apply(text: &str, hunks: &[(&Hunk, &Located)], reverse: bool) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut plan: Vec<(usize, usize, &Hunk, bool)> = Vec::new();
    for (h, loc) in hunks {
        match (&loc.status, loc.range) {
            (Status::Applies { .. }, Some((a, _))) if !reverse => {
                plan.push((a - 1, h.old_side().count(), h, true))
            }
            (Status::AlreadyApplied { .. }, Some((a, _))) if reverse => {
                plan.push((a - 1, h.new_side().count(), h, false))
            }
            _ => {}
        }
    }
    plan.sort_by_key(|p| p.0);
    let mut out: Vec<String> = Vec::new();
    let mut pos = 0;
    for (start, len, h, forward) in plan {
        if start < pos || start > lines.len() {
            continue; // overlaps an earlier hunk
        }
        out.extend(lines[pos..start].iter().map(|l| (*l).to_string()));
        let (keep, drop) = if forward {
            (LineKind::Add, LineKind::Del)
        } else {
            (LineKind::Del, LineKind::Add)
        };
        let mut k = start;
        for HLine { kind, text } in &h.lines {
            if *kind == LineKind::Context {
                out.push(lines.get(k).copied().unwrap_or("").to_string());
                k += 1;
            } else if *kind == drop {
                k += 1;
            } else if *kind == keep {
                let above = out.last().map(String::as_str);
                out.push(reindent(text, above));
            }
        }
        pos = (start + len).min(lines.len());
    }
    out.extend(
        lines[pos.min(lines.len())..]
            .iter()
            .map(|l| (*l).to_string()),
    );
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::parse;

    const FILE: &str = "int a;\n\nstatic int foo(int x)\n{\n\tif (x)\n\t\treturn 1;\n\treturn x;\n}\n\nstatic int bar(void)\n{\n\treturn 2;\n}\n";

    fn hunk(diff: &str) -> Hunk {
        parse(diff).files[0].hunks[0].clone()
    }

    #[test]
    fn exact_with_offset_and_apply() {
        let h = hunk("--- a/x.c\n+++ b/x.c\n@@ -20,4 +20,5 @@ static int foo(int x)\n \tif (x)\n \t\treturn 1;\n-\treturn x;\n+\tx++;\n+\treturn x;\n }\n");
        let lines: Vec<&str> = FILE.lines().collect();
        let loc = locate(&h, &lines, 0);
        assert_eq!(loc.status, Status::Applies { offset: -15 });
        assert_eq!(loc.changed, [7]);
        assert_eq!(loc.between, [(Some(7), Some(8))]);
        assert_eq!(loc.range, Some((5, 8)));
        let new = apply(FILE, &[(&h, &loc)], false);
        assert!(new.contains("\tx++;\n\treturn x;\n}\n\nstatic int bar"));
        // Backwards from the patched text gives the original.
        let lines2: Vec<&str> = new.lines().collect();
        let loc2 = locate(&h, &lines2, 0);
        assert_eq!(loc2.status, Status::AlreadyApplied { offset: -15 });
        assert_eq!(apply(&new, &[(&h, &loc2)], true), FILE);
    }

    #[test]
    fn damaged_whitespace_and_reindent() {
        let h =
            hunk("--- a/x.c\n+++ b/x.c\n@@ -5,3 +5,4 @@\nif (x)\nreturn 1;\n+ x++;\nreturn x;\n");
        let lines: Vec<&str> = FILE.lines().collect();
        let loc = locate(&h, &lines, 0);
        assert_eq!(loc.status, Status::Applies { offset: 0 });
        assert!(loc.changed.is_empty());
        assert_eq!(loc.between, [(Some(6), Some(7))]);
        let new = apply(FILE, &[(&h, &loc)], false);
        assert!(
            new.contains("\t\treturn 1;\n\t\tx++;\n\treturn x;"),
            "{new}"
        );
        assert_eq!(reindent(" out:", Some("\t}")), "out:");
        assert_eq!(reindent(" y = 1;", Some("\tif (x) {")), "\t\ty = 1;");
        assert_eq!(reindent(" }", Some("\t\ty = 1;")), "\t}");
    }

    #[test]
    fn already_applied_fuzzy_and_not_found() {
        let lines: Vec<&str> = FILE.lines().collect();
        let h =
            hunk("--- a/x.c\n+++ b/x.c\n@@ -10,3 +10,3 @@\n {\n-\treturn 3;\n+\treturn 2;\n }\n");
        let loc = locate(&h, &lines, 0);
        assert_eq!(loc.status, Status::AlreadyApplied { offset: 1 });
        assert_eq!(loc.changed, [12]);
        assert_eq!(loc.between, [(Some(11), Some(12))]);
        let h = hunk("--- a/x.c\n+++ b/x.c\n@@ -3,5 +3,5 @@\n static int foo(int x)\n {\n-\tif (x && y)\n+\tif (x && z)\n \t\treturn 1;\n \treturn x;\n");
        let loc = locate(&h, &lines, 0);
        assert_eq!(
            loc.status,
            Status::Fuzzy {
                matched: 3,
                total: 4,
                new_side: false
            }
        );
        assert!(loc.changed.is_empty());
        assert_eq!(loc.between, [(Some(3), Some(6))]);
        let h =
            hunk("--- a/x.c\n+++ b/x.c\n@@ -3,2 +3,2 @@\n-\tsomething(else);\n+\tentirely(new);\n");
        assert_eq!(locate(&h, &lines, 0).status, Status::NotFound);
    }
}
