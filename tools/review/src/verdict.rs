// SPDX-License-Identifier: GPL-2.0
//! Recorded verdicts: `docs/backports/<name>.md`, one per C patch a reviewer has judged. Its
//! head says which patch it is about and what was decided:
//!
//! ```text
//! # ALSA: seq: oss: Serialize readq reset state with q->lock
//!
//! - Subject: ALSA: seq: oss: Serialize readq reset state with q->lock
//! - Diff: fnv1a64:0123456789abcdef
//! - Verdict: covered
//! - Rust: seq_oss::ReadQueue::clear, seq_oss::queue::Ring
//! ```
//!
//! `Subject` (compared without `Re:`/`[PATCH ...]`, case and extra blanks) or `Diff` (the
//! hash `make review` prints, which survives damaged whitespace and other line numbers)
//! identify the patch; either may be given more than once. `Verdict` is one of `covered` (the
//! Rust already does what the fix achieves), `ported` (the Rust was changed to match),
//! `needs-port` or `not-applicable`. `Rust` names the items the verdict relies on; `make test`
//! checks they exist.

use crate::patch::{normalise_subject, Patch};
use crate::project::{resolve, Problem, VERDICT_DIR};
use crate::rsrc::RItem;
use std::fs;
use std::path::Path;

/// The verdicts a file may record.
pub const VERDICTS: &[&str] = &["covered", "ported", "needs-port", "not-applicable"];

/// One verdict file.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// Relative path.
    pub file: String,
    /// Its title.
    pub title: String,
    /// Subjects it is about.
    pub subjects: Vec<String>,
    /// Diff hashes it is about.
    pub diffs: Vec<String>,
    /// The verdict.
    pub verdict: String,
    /// The Rust items it names.
    pub rust: Vec<String>,
    /// The whole text.
    pub text: String,
}

impl Verdict {
    /// Whether it is about `patch`.
    pub fn matches(&self, patch: &Patch) -> bool {
        let by_subject = patch.subject.as_ref().is_some_and(|s| {
            let s = normalise_subject(s);
            self.subjects.iter().any(|x| normalise_subject(x) == s)
        });
        let by_diff = patch.diff_hash().is_some_and(|h| self.diffs.contains(&h));
        by_subject || by_diff
    }
}

/// Reads `text` (of `file`).
pub fn parse(file: &str, text: &str) -> Result<Verdict, String> {
    let mut v = Verdict {
        file: file.to_string(),
        title: String::new(),
        subjects: Vec::new(),
        diffs: Vec::new(),
        verdict: String::new(),
        rust: Vec::new(),
        text: text.to_string(),
    };
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("# ") {
            if v.title.is_empty() {
                v.title = t.trim().to_string();
            }
            continue;
        }
        if line.starts_with("## ") {
            break;
        }
        let Some(rest) = line.strip_prefix("- ") else {
            continue;
        };
        let Some((field, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match field {
            "Subject" => v.subjects.push(value.to_string()),
            "Diff" => v.diffs.push(value.to_string()),
            "Verdict" => {
                let word = value.split_whitespace().next().unwrap_or("");
                v.verdict = word
                    .trim_end_matches(|c: char| !c.is_alphanumeric())
                    .to_string();
            }
            "Rust" => v.rust.extend(
                value
                    .split(',')
                    .map(|s| s.trim().trim_matches('`').to_string())
                    .filter(|s| !s.is_empty()),
            ),
            _ => {}
        }
    }
    if v.subjects.is_empty() && v.diffs.is_empty() {
        return Err("needs a `- Subject:` or `- Diff:` line".into());
    }
    if !VERDICTS.contains(&v.verdict.as_str()) {
        return Err(format!(
            "`- Verdict:` must be one of {} (found `{}`)",
            VERDICTS.join(", "),
            v.verdict
        ));
    }
    Ok(v)
}

/// Every verdict file under `root`, and the problems of those that do not read or name Rust
/// items that do not exist.
pub fn load(root: &Path, items: &[RItem]) -> (Vec<Verdict>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let dir = root.join(VERDICT_DIR);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".md") && n != "README.md")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for n in names {
        let rel = format!("{VERDICT_DIR}/{n}");
        let text = match fs::read_to_string(dir.join(&n)) {
            Ok(t) => t,
            Err(e) => {
                problems.push(Problem {
                    at: rel,
                    what: e.to_string(),
                });
                continue;
            }
        };
        match parse(&rel, &text) {
            Ok(v) => {
                for r in &v.rust {
                    if let Err(what) = resolve(items, r) {
                        problems.push(Problem {
                            at: rel.clone(),
                            what: format!("- Rust: {what}"),
                        });
                    }
                }
                out.push(v);
            }
            Err(what) => problems.push(Problem { at: rel, what }),
        }
    }
    (out, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_fields_and_matching() {
        let v = parse(
            "docs/backports/x.md",
            "# Fix\n\n- Subject: ALSA: aloop: Fix it\n- Diff: fnv1a64:00\n- Verdict: covered (by design)\n- Rust: aloop::check_format, `snd::pcm::OpenSubstream`\n\n## Why\n- Subject: not this\n",
        )
        .unwrap();
        assert_eq!(v.subjects, ["ALSA: aloop: Fix it"]);
        assert_eq!(v.verdict, "covered");
        assert_eq!(v.rust, ["aloop::check_format", "snd::pcm::OpenSubstream"]);
        let mut p = Patch {
            subject: Some("Re: [PATCH v3 2/7] ALSA: aloop:  fix it".into()),
            ..Patch::default()
        };
        assert!(v.matches(&p));
        p.subject = Some("[PATCH] ALSA: aloop: Fix another".into());
        assert!(!v.matches(&p));
        assert!(parse("y", "- Subject: a\n- Verdict: maybe\n").is_err());
        assert!(parse("y", "- Verdict: covered\n").is_err());
    }
}
