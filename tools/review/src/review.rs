// SPDX-License-Identifier: GPL-2.0
//! `make review PATCH=file`: a C patch (a diff, or a mail with one, whitespace possibly
//! damaged) read against the prepared tree and the map. For every hunk: where it lands in the
//! current C, which definitions it touches, and their Rust items; the C after the patch beside
//! the Rust; the recorded verdict; a checklist.

use crate::cdiff::{self, Change};
use crate::csrc::{CFile, Def, Kind};
use crate::locate::{self, Located, Status};
use crate::patch::{self, LineKind, Patch};
use crate::project::{self, Project, Role, Via, VERDICT_DIR};
use crate::rsrc::RItem;
use crate::verdict::{self, Verdict};
use std::collections::BTreeSet;
use std::fs;

/// How a file of the patch relates to snd-rs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A C file of the map (index into `Project::units`).
    Mapped(usize),
    /// In the kernel tree, not in the map.
    Tree,
    /// Not in the kernel tree.
    Missing,
    /// Not C (documentation, a Makefile, ...).
    Other,
}

/// One hunk, located.
pub struct HunkReview {
    /// Index in its file's hunks.
    pub index: usize,
    /// Where it is.
    pub loc: Located,
    /// Keys of the definitions it touches in the current C.
    pub touched: Vec<String>,
    /// When it could not be located: the definition its `@@` line names.
    pub heading_def: Option<String>,
}

/// One file of the patch.
pub struct FileReview {
    /// Index in `Patch::files`.
    pub index: usize,
    /// Its path.
    pub path: String,
    /// What it is to snd-rs.
    pub kind: FileKind,
    /// Its hunks.
    pub hunks: Vec<HunkReview>,
    /// The C before the patch (the current C with hunks already in it taken out).
    pub pre: Option<CFile>,
    /// The C after the patch (the current C with the hunks that apply applied).
    pub post: Option<CFile>,
    /// The definitions that differ between `pre` and `post`.
    pub changes: Vec<Change>,
    /// Definitions to show although no hunk touches them (named by a mail without a diff).
    pub extra: Vec<String>,
}

impl FileReview {
    /// Keys of the definitions the patch touches: changed, added, removed or renamed in the
    /// C, or touched by a hunk that does not apply.
    pub fn touched(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |k: &str| {
            if !out.iter().any(|x| x == k) {
                out.push(k.to_string());
            }
        };
        for c in &self.changes {
            if let Some(k) = c.old_key().or(c.new_key()) {
                push(k);
            }
        }
        for h in &self.hunks {
            for k in h.touched.iter().chain(&h.heading_def) {
                push(k);
            }
        }
        for k in &self.extra {
            push(k);
        }
        out
    }
}

/// A review.
pub struct Review {
    /// The input's file name.
    pub name: String,
    /// The patch.
    pub patch: Patch,
    /// Its diff hash.
    pub diff_hash: Option<String>,
    /// The recorded verdict, if any.
    pub verdict: Option<Verdict>,
    /// Its files.
    pub files: Vec<FileReview>,
    /// For a mail without a diff: definitions of the map its text names (unit, key).
    pub mentioned: Vec<(usize, String)>,
    /// The same, by file, to show them beside their Rust.
    pub mentioned_files: Vec<FileReview>,
}

/// The identifier a hunk's `@@` line names, as a map key of `file`.
fn heading_def(file: &CFile, heading: &str) -> Option<String> {
    let h = heading.trim();
    for word in ["struct", "union", "enum"] {
        if let Some(rest) = h
            .strip_prefix("static ")
            .unwrap_or(h)
            .strip_prefix(word)
            .map(str::trim_start)
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let key = format!("{word} {name}");
            if file.find(&key).is_some() {
                return Some(key);
            }
        }
    }
    let before = h.split('(').next().unwrap_or("");
    let name = before
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    if h.contains('(') && !name.is_empty() {
        let key = format!("{name}()");
        if file.find(&key).is_some() {
            return Some(key);
        }
    }
    // `static const struct x name[] = {`
    let before_eq = h
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches("[]");
    let name = before_eq
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    file.find(name).map(|d| d.key())
}

fn read_tree(p: &Project, path: &str) -> Option<CFile> {
    let bytes = fs::read(p.tree.join(path)).ok()?;
    Some(CFile::parse(path, &String::from_utf8_lossy(&bytes)))
}

/// Reads `text` (a patch or a mail, named `name`) against the project.
pub fn review(p: &Project, name: &str, text: &str) -> Review {
    let patch = patch::parse(text);
    let (verdicts, _) = verdict::load(&p.root, &p.items);
    let verdict = verdicts.into_iter().find(|v| v.matches(&patch));
    let mut files = Vec::new();
    for (fi, fp) in patch.files.iter().enumerate() {
        let path = fp.path().to_string();
        let is_c = path.ends_with(".c") || path.ends_with(".h");
        let (kind, current) = match p.units.iter().position(|u| u.c == path) {
            Some(u) => (FileKind::Mapped(u), Some(p.units[u].file.clone())),
            None if !is_c => (FileKind::Other, None),
            None => match read_tree(p, &path) {
                Some(f) => (FileKind::Tree, Some(f)),
                None => (FileKind::Missing, None),
            },
        };
        let mut hunks = Vec::new();
        let (mut pre, mut post, mut changes) = (None, None, Vec::new());
        if let Some(cur) = &current {
            let lines: Vec<&str> = cur.text.lines().collect();
            let mut shift = 0isize;
            for (hi, h) in fp.hunks.iter().enumerate() {
                let loc = locate::locate(h, &lines, shift);
                match loc.status {
                    Status::Applies { offset } | Status::AlreadyApplied { offset } => {
                        shift = offset
                    }
                    _ => {}
                }
                let touched: Vec<String> = project::touched(cur, &loc)
                    .into_iter()
                    .map(|d| cur.defs[d].key())
                    .collect();
                let heading = if touched.is_empty() {
                    heading_def(cur, &h.heading)
                } else {
                    None
                };
                hunks.push(HunkReview {
                    index: hi,
                    loc,
                    touched,
                    heading_def: heading,
                });
            }
            let pairs: Vec<(&patch::Hunk, &Located)> = fp
                .hunks
                .iter()
                .zip(hunks.iter().map(|h: &HunkReview| &h.loc))
                .collect();
            if !pairs.is_empty() {
                let pre_text = locate::apply(&cur.text, &pairs, true);
                let post_text = locate::apply(&cur.text, &pairs, false);
                let pre_f = CFile::parse(&path, &pre_text);
                let post_f = CFile::parse(&path, &post_text);
                changes = cdiff::compare(&pre_f, &post_f);
                pre = Some(pre_f);
                post = Some(post_f);
            }
        } else {
            for hi in 0..fp.hunks.len() {
                hunks.push(HunkReview {
                    index: hi,
                    loc: Located {
                        status: Status::NotFound,
                        at: Vec::new(),
                        changed: Vec::new(),
                        between: Vec::new(),
                        range: None,
                    },
                    touched: Vec::new(),
                    heading_def: None,
                });
            }
        }
        files.push(FileReview {
            index: fi,
            path,
            kind,
            hunks,
            pre,
            post,
            changes,
            extra: Vec::new(),
        });
    }
    let mut mentioned = Vec::new();
    if patch.files.is_empty() {
        let words: BTreeSet<&str> = patch
            .message
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.len() > 3)
            .collect();
        for (u, unit) in p.units.iter().enumerate() {
            for &di in &unit.scope {
                let d = &unit.file.defs[di];
                if d.kind == Kind::Function && words.contains(d.name.as_str()) {
                    mentioned.push((u, d.key()));
                }
            }
        }
    }
    let mut mentioned_files: Vec<FileReview> = Vec::new();
    for (u, key) in &mentioned {
        match mentioned_files
            .iter_mut()
            .find(|f| f.kind == FileKind::Mapped(*u))
        {
            Some(f) => f.extra.push(key.clone()),
            None => mentioned_files.push(FileReview {
                index: usize::MAX,
                path: p.units[*u].c.clone(),
                kind: FileKind::Mapped(*u),
                hunks: Vec::new(),
                pre: None,
                post: None,
                changes: Vec::new(),
                extra: vec![key.clone()],
            }),
        }
    }
    Review {
        mentioned_files,
        name: name.to_string(),
        diff_hash: patch.diff_hash(),
        patch,
        verdict,
        files,
        mentioned,
    }
}

/// A file name for the report: the subject in lower case, words joined by `-`.
pub fn slug(r: &Review) -> String {
    let base = r
        .patch
        .subject
        .as_deref()
        .map(patch::normalise_subject)
        .unwrap_or_else(|| {
            r.name
                .trim_end_matches(".txt")
                .trim_end_matches(".patch")
                .to_string()
        });
    let mut s = String::new();
    for c in base.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-');
    s.chars()
        .take(60)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// The shortest form `crate::suffix` that names `item` alone (what `map.toml` and verdict
/// files use).
pub fn short_name(items: &[RItem], item: usize) -> String {
    let it = &items[item];
    let segs: Vec<&str> = if it.path.is_empty() {
        Vec::new()
    } else {
        it.path.split("::").collect()
    };
    // A method keeps its type: `snd::OpenSubstream::stop_if_running`.
    let min = if segs.len() >= 2
        && segs[segs.len() - 2]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
    {
        2
    } else {
        1
    };
    for n in min..=segs.len() {
        let cand = format!("{}::{}", it.krate, segs[segs.len() - n..].join("::"));
        if project::resolve(items, &cand) == Ok(item) {
            return cand;
        }
    }
    it.full()
}

/// The Rust entries of definition `key` of a file of the patch.
fn entries<'p>(p: &'p Project, f: &FileReview, key: &str) -> Option<&'p project::Row> {
    match f.kind {
        FileKind::Mapped(u) => p.row(&p.units[u].c, key),
        _ => None,
    }
}

fn def_name(key: &str) -> &str {
    key.trim_end_matches("()").rsplit(' ').next().unwrap_or(key)
}

/// What the review says about one touched definition.
struct Touched<'a> {
    file: &'a FileReview,
    key: String,
    /// Its key after the patch (a rename), if different.
    new_key: Option<String>,
    /// How the patch changes it.
    change: Option<&'a Change>,
    /// Rust items (index) and how they map.
    items: Vec<(usize, Via)>,
    /// No counterpart, with the reason.
    none: Option<String>,
    /// The snd layer's items whose tags name it (files outside the map).
    layer: Vec<usize>,
}

fn touched_defs<'a>(p: &Project, r: &'a Review) -> Vec<Touched<'a>> {
    let mut out = Vec::new();
    for f in r.files.iter().chain(&r.mentioned_files) {
        for key in f.touched() {
            let change = f
                .changes
                .iter()
                .find(|c| c.old_key() == Some(key.as_str()) || c.new_key() == Some(key.as_str()));
            let new_key = match change {
                Some(Change::Renamed { to, .. }) => Some(to.clone()),
                _ => None,
            };
            let mut items = Vec::new();
            let mut none = None;
            if let Some(row) = entries(p, f, &key) {
                for e in &row.entries {
                    match (&e.item, &e.via) {
                        (Some(i), via) => items.push((*i, via.clone())),
                        (None, Via::None(reason)) => none = Some(reason.clone()),
                        _ => {}
                    }
                }
            }
            let layer = if matches!(f.kind, FileKind::Mapped(_)) {
                Vec::new()
            } else {
                p.items_naming(def_name(&key))
            };
            out.push(Touched {
                file: f,
                key,
                new_key,
                change,
                items,
                none,
                layer,
            });
        }
    }
    out
}

fn file_role(p: &Project, f: &FileReview) -> String {
    match f.kind {
        FileKind::Mapped(u) => {
            let unit = &p.units[u];
            match &unit.role {
                Role::Original => format!(
                    "C original of {} ({}, Rust in {})",
                    unit.modules.last().map(String::as_str).unwrap_or(""),
                    unit.modules.first().map(String::as_str).unwrap_or(""),
                    unit.crate_dir
                ),
                Role::Caller { patch } => format!(
                    "C caller changed by {patch}; C in both {} (reaches Rust in {})",
                    unit.modules.join(" and "),
                    unit.crate_dir
                ),
            }
        }
        FileKind::Tree => {
            "not a C original of snd-rs: used as it is by the Rust modules (C in the kernel)".into()
        }
        FileKind::Missing => "not in the prepared kernel tree: nothing of snd-rs builds it".into(),
        FileKind::Other => "not C: nothing of the map".into(),
    }
}

/// The left column: the C after the patch for definition `t`, as (line number, mark, text).
fn c_after(p: &Project, t: &Touched) -> (String, Vec<(Option<usize>, char, String)>) {
    let f = t.file;
    let key_after = t.new_key.clone().unwrap_or_else(|| t.key.clone());
    let lines_of = |file: &CFile, d: &Def| -> Vec<(usize, String)> {
        (d.comment_start..=d.end())
            .zip(file.lines(d.comment_start, d.end()))
            .map(|(n, l)| (n, l.to_string()))
            .collect()
    };
    let hunk_applies = |key: &str| {
        f.hunks.iter().any(|h| {
            h.touched.iter().any(|k| k == key)
                && matches!(
                    h.loc.status,
                    Status::Applies { .. } | Status::AlreadyApplied { .. }
                )
        })
    };
    if let (Some(pre), Some(post)) = (&f.pre, &f.post) {
        let pre_d = pre.find(&t.key);
        let post_d = post.find(&key_after);
        if t.change.is_some() || hunk_applies(&t.key) {
            let pre_lines = pre_d.map(|d| lines_of(pre, d)).unwrap_or_default();
            let post_lines = post_d.map(|d| lines_of(post, d)).unwrap_or_default();
            let a: Vec<&str> = pre_lines.iter().map(|x| x.1.as_str()).collect();
            let b: Vec<&str> = post_lines.iter().map(|x| x.1.as_str()).collect();
            let mut out = Vec::new();
            let mut k = 0;
            for (mark, text) in cdiff::line_diff(&a, &b) {
                if mark == '-' {
                    out.push((None, '-', text));
                } else {
                    out.push((post_lines.get(k).map(|x| x.0), mark, text));
                    k += 1;
                }
            }
            let partial = f.hunks.iter().any(|h| {
                (h.touched.contains(&t.key) || h.heading_def.as_deref() == Some(&t.key))
                    && matches!(h.loc.status, Status::Fuzzy { .. } | Status::NotFound)
            });
            let title = match (pre_d, post_d) {
                (Some(_), Some(_)) if partial => format!(
                    "C after the hunks that apply ({}; the others follow): + added, - removed",
                    f.path
                ),
                (Some(_), Some(_)) => format!("C after the patch ({}): + added, - removed", f.path),
                (None, Some(_)) => format!("C after the patch ({}): new", f.path),
                (Some(_), None) => format!("C before the patch ({}): the patch removes it", f.path),
                (None, None) => format!("{}: not found", f.path),
            };
            return (title, out);
        }
    }
    // Hunks that do not apply: the current C (their lines follow).
    let mut out = Vec::new();
    let cur = match f.kind {
        FileKind::Mapped(u) => Some(&p.units[u].file),
        _ => f.pre.as_ref(),
    };
    if let Some((c, d)) = cur.and_then(|c| c.find(&t.key).map(|d| (c, d))) {
        for (n, l) in lines_of(c, d) {
            out.push((Some(n), ' ', l));
        }
    }
    let title = if f.hunks.is_empty() {
        format!("current C ({}); the mail has no diff", f.path)
    } else {
        format!("current C ({}); the patch does not apply here", f.path)
    };
    (title, out)
}

/// The hunk lines (new side) of the hunks of `t` that do not apply.
fn unapplied_hunk_lines(r: &Review, t: &Touched) -> Vec<(Option<usize>, char, String)> {
    let mut out = Vec::new();
    let Some(fp) = r.patch.files.get(t.file.index) else {
        return out;
    };
    for h in &t.file.hunks {
        let mine = h.touched.contains(&t.key) || h.heading_def.as_deref() == Some(&t.key);
        if !mine || !matches!(h.loc.status, Status::Fuzzy { .. } | Status::NotFound) {
            continue;
        }
        let hunk = &fp.hunks[h.index];
        out.push((None, ' ', String::new()));
        out.push((
            None,
            ' ',
            format!(
                "/* hunk {} {}: {} */",
                h.index + 1,
                hunk.header(),
                h.loc.status.describe()
            ),
        ));
        let mut above: Option<String> = None;
        for l in &hunk.lines {
            let text = locate::reindent(&l.text, above.as_deref());
            let mark = match l.kind {
                LineKind::Context => ' ',
                LineKind::Add => '+',
                LineKind::Del => '-',
            };
            out.push((None, mark, text.clone()));
            if l.kind != LineKind::Del {
                above = Some(text);
            }
        }
    }
    out
}

/// The right column: the Rust items of `t`, as (line number, text) with a title line each.
fn rust_side(p: &Project, t: &Touched, max: usize) -> Vec<(Option<usize>, String)> {
    let mut out = Vec::new();
    let mut shown = BTreeSet::new();
    let list: Vec<usize> = t
        .items
        .iter()
        .map(|x| x.0)
        .chain(t.layer.iter().copied())
        .collect();
    for i in list {
        if !shown.insert(i) {
            continue;
        }
        let it = &p.items[i];
        out.push((
            None,
            format!("// {} ({}, {})", it.full(), it.location(), it.kind),
        ));
        let text = fs::read_to_string(p.root.join(&it.file)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let (a, b) = if it.kind == "mod" {
            // A module: its docs, not the whole file.
            let doc_end = it.doc.last().map_or(it.start, |d| d.0);
            (it.start, doc_end)
        } else {
            (it.start, it.end)
        };
        let total = b + 1 - a;
        for n in a..=b.min(a + max - 1) {
            out.push((Some(n), lines.get(n - 1).copied().unwrap_or("").to_string()));
        }
        if total > max {
            out.push((None, format!("// ... {} more lines", total - max)));
        }
        out.push((None, String::new()));
    }
    if out.is_empty() {
        out.push((
            None,
            match &t.none {
                Some(reason) => format!("// no Rust counterpart: {reason}"),
                None => "// no Rust item".into(),
            },
        ));
    }
    out
}

fn expand(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c == '\t' {
            let n = 4 - out.chars().count() % 4;
            out.push_str(&" ".repeat(n));
        } else {
            out.push(c);
        }
    }
    out
}

fn fit(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        format!("{s}{}", " ".repeat(w - n))
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn item_list(p: &Project, items: &[(usize, Via)]) -> String {
    items
        .iter()
        .map(|(i, via)| {
            let it = &p.items[*i];
            let how = match via {
                Via::Tag(_) => "tag",
                _ => "map",
            };
            format!("{} ({}, {how})", it.full(), it.location())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn scenarios(p: &Project, module: &str) -> Vec<String> {
    let dir = p.root.join("tests/scenarios");
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(&dir) else {
        return out;
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sh") && !n.starts_with('_'))
        .collect();
    names.sort();
    for n in names {
        let text = fs::read_to_string(dir.join(&n)).unwrap_or_default();
        let mods = text
            .lines()
            .find_map(|l| l.strip_prefix("# modules:"))
            .unwrap_or("");
        if mods.split_whitespace().any(|m| m == module) {
            out.push(n.trim_end_matches(".sh").to_string());
        }
    }
    out
}

/// The reviewer's checklist.
pub fn checklist(p: &Project, r: &Review) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    match &r.verdict {
        Some(v) => out.push((
            true,
            format!(
                "A verdict is recorded: {} ({}). Re-read it against the Rust shown here if the items it names changed since.",
                v.verdict, v.file
            ),
        )),
        None => out.push((
            false,
            format!(
                "Record a verdict: {VERDICT_DIR}/{}.md (template above) — covered, ported, needs-port or not-applicable, and where the Rust does it.",
                slug(r)
            ),
        )),
    }
    if r.patch.files.is_empty() {
        out.push((
            false,
            "The mail carries no diff (a reply, or the diff was cut): find the patch itself and run `make review` on it; the functions the text names are listed above.".into(),
        ));
    }
    if r.patch.damaged() {
        out.push((
            false,
            "The mail's whitespace is damaged: indentation of the C shown after the patch is guessed; judge formatting on the original patch.".into(),
        ));
    }
    let version = p.tree_version.as_deref().unwrap_or("prepared");
    let numbers = |v: &[usize]| {
        v.iter()
            .map(|n| (n + 1).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for f in &r.files {
        if matches!(f.kind, FileKind::Missing | FileKind::Other) {
            continue;
        }
        let off: Vec<usize> = f
            .hunks
            .iter()
            .filter(|h| matches!(h.loc.status, Status::Fuzzy { .. } | Status::NotFound))
            .map(|h| h.index)
            .collect();
        if !off.is_empty() {
            out.push((
                false,
                format!(
                    "Hunk{} {} of {} do{} not apply to the {version} C (see above): the patch was made against other code; find where that code is now, and whether the change is still needed or already there in another form.",
                    if off.len() == 1 { "" } else { "s" },
                    numbers(&off),
                    f.path,
                    if off.len() == 1 { "es" } else { "" }
                ),
            ));
        }
        let there: Vec<usize> = f
            .hunks
            .iter()
            .filter(|h| matches!(h.loc.status, Status::AlreadyApplied { .. }))
            .map(|h| h.index)
            .collect();
        if !there.is_empty() {
            out.push((
                false,
                format!(
                    "Hunk{} {} of {} {} already in the {version} C the Rust was written against: check that the Rust follows the C with {}, not the C before.",
                    if there.len() == 1 { "" } else { "s" },
                    numbers(&there),
                    f.path,
                    if there.len() == 1 { "is" } else { "are" },
                    if there.len() == 1 { "it" } else { "them" }
                ),
            ));
        }
    }
    for t in touched_defs(p, r) {
        let def = match t.file.kind {
            FileKind::Mapped(u) => p.units[u].file.find(&t.key),
            _ => None,
        };
        let at = def.map_or(t.file.path.clone(), |d| {
            format!("{}:{}", t.file.path, d.start())
        });
        match t.change {
            Some(Change::Renamed { from, to, .. }) => out.push((
                false,
                format!(
                    "`{from}` becomes `{to}` ({at}): when the tree has this C, rename the tag (`/// C: {to}`) or the map entry; `make test` fails until then."
                ),
            )),
            Some(Change::Added { key }) if matches!(t.file.kind, FileKind::Mapped(_)) => {
                out.push((
                    false,
                    format!(
                        "New `{key}` in {}: which Rust item does this? Tag it (`/// C: {key}`) or add a map entry when the tree has it (`make test` fails until then).",
                        t.file.path
                    ),
                ))
            }
            Some(Change::Removed { key }) if matches!(t.file.kind, FileKind::Mapped(_)) => {
                out.push((
                    false,
                    format!(
                        "`{key}` ({at}) goes away: are its Rust items ({}) still needed? Drop its tags or map entry when the tree drops it.",
                        item_list(p, &t.items)
                    ),
                ))
            }
            _ => {}
        }
        if !t.items.is_empty() {
            let kind = def.map(|d| d.kind);
            let question = match kind {
                Some(Kind::Struct | Kind::Union) => "the patch changes its fields: where does the Rust keep that state, which lock guards it, and who frees it?",
                Some(Kind::Function) | None => "does the Rust do what the patched C does (checks, error codes, locking and IRQ context, teardown order, what users see)?",
                Some(Kind::Param) => "same name, type, permissions, default and description?",
                _ => "does the Rust hold the same value or table?",
            };
            out.push((
                false,
                format!(
                    "`{}` ({at}) → {}: {question}",
                    t.key,
                    item_list(p, &t.items)
                ),
            ));
        } else if let Some(reason) = &t.none {
            out.push((
                false,
                format!(
                    "`{}` ({at}) has no Rust counterpart ({reason}): does the patch make it need one?",
                    t.key
                ),
            ));
        } else if !t.layer.is_empty() {
            out.push((
                false,
                format!(
                    "`{}` ({}) is ALSA core C the snd layer wraps: {} — do the wrappers' assumptions (context, locking, lifetime) still hold after the patch?",
                    t.key,
                    t.file.path,
                    t.layer
                        .iter()
                        .map(|&i| format!("{} ({})", p.items[i].full(), p.items[i].location()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    for f in &r.files {
        match f.kind {
            FileKind::Tree => out.push((
                false,
                format!(
                    "{} is not a C original of snd-rs: the Rust modules use it as it is, so the fix reaches them with the kernel; check only the snd layer items listed (if any).",
                    f.path
                ),
            )),
            FileKind::Missing => out.push((
                true,
                format!("{} is not in the prepared kernel tree: nothing to review for snd-rs.", f.path),
            )),
            FileKind::Other => out.push((
                true,
                format!("{} is not C: nothing of the map.", f.path),
            )),
            FileKind::Mapped(_) => {}
        }
    }
    let mut modules = BTreeSet::new();
    for f in &r.files {
        if let FileKind::Mapped(u) = f.kind {
            if let Some(m) = p.units[u].modules.last() {
                modules.insert(m.clone());
            }
        }
    }
    for (u, _) in &r.mentioned {
        if let Some(m) = p.units[*u].modules.last() {
            modules.insert(m.clone());
        }
    }
    for m in modules {
        let sc = scenarios(p, &m);
        out.push((
            false,
            format!(
                "Run the tests of {m}: {}; KUnit suites run with `make test` (or `make kunit`).",
                if sc.is_empty() {
                    "make test".to_string()
                } else {
                    sc.iter()
                        .map(|s| format!("`make scenario NAME={s} MOD={m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        ));
    }
    out
}

fn input_kind(r: &Review) -> String {
    let mut parts = Vec::new();
    if r.patch.subject.is_some() {
        parts.push("mail");
    } else {
        parts.push("diff");
    }
    if r.patch.files.is_empty() {
        parts.push("no diff in it");
    }
    if r.patch.quoted {
        parts.push("diff quoted");
    }
    if r.patch.damaged() {
        parts.push("whitespace damaged");
    }
    parts.join(", ")
}

fn verdict_template(r: &Review) -> String {
    let subject = r
        .patch
        .subject
        .as_deref()
        .map(strip_subject_prefixes)
        .unwrap_or_default();
    format!(
        "# {subject}\n\n- Subject: {subject}\n{}- Verdict: covered | ported | needs-port | not-applicable\n- Rust: crate::item, ...\n\n## What the patch fixes\n\n## What the Rust does instead, and where\n",
        r.diff_hash
            .as_ref()
            .map(|h| format!("- Diff: {h}\n"))
            .unwrap_or_default()
    )
}

/// A subject without `Re:` and `[PATCH ...]`, case kept.
pub fn strip_subject_prefixes(s: &str) -> String {
    let norm = patch::normalise_subject(s);
    // Find the same text, case kept, at the end of `s`.
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.get(flat.len().saturating_sub(norm.len())..)
        .filter(|t| t.to_lowercase() == norm)
        .unwrap_or(&norm)
        .to_string()
}

/// The terminal report, `width` columns wide.
pub fn terminal(p: &Project, r: &Review, width: usize) -> String {
    let width = width.max(80);
    let mut o = String::new();
    let rule = |title: &str| {
        format!(
            "── {title} {}\n",
            "─".repeat(width.saturating_sub(title.chars().count() + 4))
        )
    };
    o.push_str(&format!(
        "Backport review: {}\n",
        r.patch.subject.as_deref().unwrap_or(&r.name)
    ));
    o.push_str(&format!("input: {} ({})\n", r.name, input_kind(r)));
    if let Some(h) = &r.diff_hash {
        o.push_str(&format!("diff hash: {h}\n"));
    }
    o.push_str(&format!(
        "C: prepared tree, linux-source-6.12 {}\n\n",
        p.tree_version.as_deref().unwrap_or("(unknown)")
    ));
    match &r.verdict {
        Some(v) => {
            o.push_str(&rule(&format!(
                "Recorded verdict: {} ({})",
                v.verdict, v.file
            )));
            for l in v.text.lines() {
                o.push_str(&format!("  {l}\n"));
            }
        }
        None => {
            o.push_str(&rule("No recorded verdict"));
            o.push_str(&format!(
                "  To record one, write {VERDICT_DIR}/{}.md:\n\n",
                slug(r)
            ));
            for l in verdict_template(r).lines() {
                o.push_str(&format!("    {l}\n"));
            }
        }
    }
    o.push('\n');
    if r.patch.files.is_empty() {
        o.push_str(&rule("The mail has no diff"));
        if r.mentioned.is_empty() {
            o.push_str("  Its text names no function of the map.\n");
        } else {
            o.push_str("  Functions of the map its text names:\n");
            for (u, key) in &r.mentioned {
                let d = p.units[*u].file.find(key);
                let items = p
                    .row(&p.units[*u].c, key)
                    .map(|row| {
                        row.entries
                            .iter()
                            .filter_map(|e| e.item.map(|i| (i, e.via.clone())))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                o.push_str(&format!(
                    "    {key} ({}:{}) → {}\n",
                    p.units[*u].c,
                    d.map_or(0, |d| d.start()),
                    item_list(p, &items)
                ));
            }
        }
        o.push('\n');
    }
    for f in &r.files {
        o.push_str(&rule(&format!("{}: {}", f.path, file_role(p, f))));
        let fp = &r.patch.files[f.index];
        for h in &f.hunks {
            let hk = &fp.hunks[h.index];
            let touches = if !h.touched.is_empty() {
                h.touched.join(", ")
            } else if let Some(d) = &h.heading_def {
                format!("{d} (from the @@ line)")
            } else {
                "nothing defined (file scope: includes, comments)".into()
            };
            o.push_str(&format!(
                "  hunk {}/{} {}{}\n      {}; touches {touches}\n",
                h.index + 1,
                f.hunks.len(),
                hk.header(),
                if hk.complete { "" } else { " (cut short)" },
                h.loc.status.describe()
            ));
        }
        if !f.changes.is_empty() {
            o.push_str("  definitions the patch changes:\n");
            for c in &f.changes {
                o.push_str(&format!("      {}\n", c.describe()));
            }
        }
        o.push('\n');
    }
    let col = (width - 3) / 2;
    for t in touched_defs(p, r) {
        let (title, mut left) = c_after(p, &t);
        left.extend(unapplied_hunk_lines(r, &t));
        let right = rust_side(p, &t, 80);
        let rust_title = if t.items.is_empty() && t.layer.is_empty() {
            "Rust".to_string()
        } else if t.items.is_empty() {
            "Rust: the snd layer's wrappers".to_string()
        } else {
            "Rust".to_string()
        };
        o.push_str(&rule(&format!("{} — {}", t.key, t.file.path)));
        o.push_str(&format!(
            "{} │ {}\n",
            fit(&title, col),
            fit(&rust_title, col)
        ));
        o.push_str(&format!("{}─┼─{}\n", "─".repeat(col), "─".repeat(col)));
        let n = left.len().max(right.len());
        for i in 0..n {
            let l = left
                .get(i)
                .map(|(num, mark, text)| {
                    expand(&format!(
                        "{}{mark} {text}",
                        num.map_or("     ".into(), |n| format!("{n:>5}"))
                    ))
                })
                .unwrap_or_default();
            let rr = right
                .get(i)
                .map(|(num, text)| {
                    expand(&format!(
                        "{} {text}",
                        num.map_or("     ".into(), |n| format!("{n:>5}"))
                    ))
                })
                .unwrap_or_default();
            o.push_str(&format!(
                "{} │ {}\n",
                fit(&l, col),
                fit(&rr, col).trim_end()
            ));
        }
        o.push('\n');
    }
    o.push_str(&rule("Checklist"));
    for (done, item) in checklist(p, r) {
        o.push_str(&format!("  [{}] {item}\n", if done { "x" } else { " " }));
    }
    o
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The markdown report.
pub fn markdown(p: &Project, r: &Review) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "# Backport review: {}\n\n",
        r.patch.subject.as_deref().unwrap_or(&r.name)
    ));
    o.push_str(&format!("- Input: `{}` ({})\n", r.name, input_kind(r)));
    if let Some(h) = &r.diff_hash {
        o.push_str(&format!("- Diff hash: `{h}`\n"));
    }
    o.push_str(&format!(
        "- C: prepared tree, linux-source-6.12 {}\n",
        p.tree_version.as_deref().unwrap_or("(unknown)")
    ));
    match &r.verdict {
        Some(v) => {
            o.push_str(&format!(
                "- Recorded verdict: **{}** (`{}`)\n\n",
                v.verdict, v.file
            ));
            for l in v.text.lines() {
                o.push_str(&format!("> {l}\n"));
            }
            o.push('\n');
        }
        None => {
            o.push_str(&format!(
                "- No recorded verdict. Template for `{VERDICT_DIR}/{}.md`:\n\n```markdown\n{}```\n\n",
                slug(r),
                verdict_template(r)
            ));
        }
    }
    if r.patch.files.is_empty() {
        o.push_str("## The mail has no diff\n\nFunctions of the map its text names:\n\n");
        for (u, key) in &r.mentioned {
            o.push_str(&format!("- `{key}` ({})\n", p.units[*u].c));
        }
        o.push('\n');
    }
    if !r.files.is_empty() {
        o.push_str("## Hunks\n\n| file | hunk | where | touches |\n|---|---|---|---|\n");
        for f in &r.files {
            let fp = &r.patch.files[f.index];
            for h in &f.hunks {
                let touches = if !h.touched.is_empty() {
                    h.touched
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                } else if let Some(d) = &h.heading_def {
                    format!("`{d}` (from the @@ line)")
                } else {
                    "file scope".into()
                };
                o.push_str(&format!(
                    "| {} | `{}` | {} | {touches} |\n",
                    f.path,
                    fp.hunks[h.index].header().replace('|', "\\|"),
                    h.loc.status.describe()
                ));
            }
        }
        o.push('\n');
        for f in &r.files {
            o.push_str(&format!("- {}: {}\n", f.path, file_role(p, f)));
            for c in &f.changes {
                o.push_str(&format!("  - {}\n", c.describe()));
            }
        }
        o.push('\n');
    }
    for t in touched_defs(p, r) {
        let (title, mut left) = c_after(p, &t);
        left.extend(unapplied_hunk_lines(r, &t));
        let right = rust_side(p, &t, 80);
        o.push_str(&format!("## `{}` — {}\n\n", t.key, t.file.path));
        if !t.items.is_empty() {
            o.push_str(&format!("Rust: {}\n\n", item_list(p, &t.items)));
        }
        let lcol: String = left
            .iter()
            .map(|(n, m, text)| {
                format!(
                    "{}{m} {}\n",
                    n.map_or("     ".into(), |n| format!("{n:>5}")),
                    html(&expand(text))
                )
            })
            .collect();
        let rcol: String = right
            .iter()
            .map(|(n, text)| {
                format!(
                    "{} {}\n",
                    n.map_or("     ".into(), |n| format!("{n:>5}")),
                    html(&expand(text))
                )
            })
            .collect();
        o.push_str(&format!(
            "<table><tr><th>{}</th><th>Rust</th></tr>\n<tr><td valign=\"top\"><pre>\n{lcol}</pre></td><td valign=\"top\"><pre>\n{rcol}</pre></td></tr></table>\n\n",
            html(&title)
        ));
    }
    o.push_str("## Checklist\n\n");
    for (done, item) in checklist(p, r) {
        o.push_str(&format!("- [{}] {item}\n", if done { "x" } else { " " }));
    }
    o
}

/// A digest that does not depend on Rust line numbers: what the tests compare.
pub fn summary(p: &Project, r: &Review) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "subject: {}\n",
        r.patch
            .subject
            .as_deref()
            .map(strip_subject_prefixes)
            .unwrap_or_else(|| "-".into())
    ));
    o.push_str(&format!("input: {}\n", input_kind(r)));
    o.push_str(&format!(
        "verdict: {}\n",
        r.verdict.as_ref().map_or("none".to_string(), |v| format!(
            "{} ({})",
            v.verdict, v.file
        ))
    ));
    for (u, key) in &r.mentioned {
        o.push_str(&format!("mentioned: {} {key}\n", p.units[*u].c));
    }
    for f in &r.files {
        let kind = match f.kind {
            FileKind::Mapped(u) => match p.units[u].role {
                Role::Original => "original",
                Role::Caller { .. } => "caller",
            },
            FileKind::Tree => "kernel",
            FileKind::Missing => "missing",
            FileKind::Other => "not C",
        };
        o.push_str(&format!("file: {} ({kind})\n", f.path));
        let fp = &r.patch.files[f.index];
        for h in &f.hunks {
            let off = match h.loc.status {
                Status::Applies { offset } | Status::AlreadyApplied { offset } => {
                    format!(" {offset:+}")
                }
                _ => String::new(),
            };
            let touches = if !h.touched.is_empty() {
                h.touched.join(", ")
            } else if let Some(d) = &h.heading_def {
                format!("{d} (@@)")
            } else {
                "-".into()
            };
            o.push_str(&format!(
                "  hunk {} -{},{}: {}{off}: {touches}\n",
                h.index + 1,
                fp.hunks[h.index].old_start,
                fp.hunks[h.index].old_count,
                h.loc.status.word()
            ));
        }
        for c in &f.changes {
            o.push_str(&format!("  {}\n", c.describe()));
        }
    }
    for t in touched_defs(p, r) {
        let mut names: Vec<String> = t
            .items
            .iter()
            .map(|(i, _)| short_name(&p.items, *i))
            .chain(
                t.layer
                    .iter()
                    .map(|&i| format!("{} (layer)", short_name(&p.items, i))),
            )
            .collect();
        if let Some(reason) = &t.none {
            names.push(format!("none: {reason}"));
        }
        o.push_str(&format!(
            "rust: {} -> {}\n",
            t.key,
            if names.is_empty() {
                "-".into()
            } else {
                names.join(", ")
            }
        ));
    }
    o.push_str(&format!("checklist: {} items\n", checklist(p, r).len()));
    o
}
