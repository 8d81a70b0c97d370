// SPDX-License-Identifier: GPL-2.0
//! Unified diffs, alone or in a mail: git format-patch output, or a patch as a list archive
//! shows it, where the leading whitespace of every line may be gone (context lines lose their
//! space, `+`/`-` lines their tabs). Hunks are read by the line counts of their `@@` header,
//! so a context line without its leading space is still context.

/// What a hunk line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// In both versions.
    Context,
    /// Only in the old version (`-`).
    Del,
    /// Only in the new version (`+`).
    Add,
}

/// One line of a hunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HLine {
    /// Context, deleted or added.
    pub kind: LineKind,
    /// The line without its prefix.
    pub text: String,
}

/// One hunk.
#[derive(Clone, Debug)]
pub struct Hunk {
    /// First line in the old file (1-based).
    pub old_start: usize,
    /// Lines of the old file.
    pub old_count: usize,
    /// First line in the new file.
    pub new_start: usize,
    /// Lines of the new file.
    pub new_count: usize,
    /// What follows the second `@@`: the line git found above the hunk (a function header).
    pub heading: String,
    /// The lines.
    pub lines: Vec<HLine>,
    /// False when the input ended (or another hunk began) before the counts were met.
    pub complete: bool,
    /// Some context line had lost its leading space: the whitespace is damaged.
    pub damaged: bool,
}

impl Hunk {
    /// The `@@ -a,b +c,d @@` line.
    pub fn header(&self) -> String {
        let h = format!(
            "@@ -{},{} +{},{} @@",
            self.old_start, self.old_count, self.new_start, self.new_count
        );
        if self.heading.is_empty() {
            h
        } else {
            format!("{h} {}", self.heading)
        }
    }

    /// The old version's lines (context and deleted).
    pub fn old_side(&self) -> impl Iterator<Item = &HLine> {
        self.lines.iter().filter(|l| l.kind != LineKind::Add)
    }

    /// The new version's lines (context and added).
    pub fn new_side(&self) -> impl Iterator<Item = &HLine> {
        self.lines.iter().filter(|l| l.kind != LineKind::Del)
    }
}

/// The hunks of one file.
#[derive(Clone, Debug, Default)]
pub struct FilePatch {
    /// The old path without `a/` (None for a new file).
    pub old_path: Option<String>,
    /// The new path without `b/` (None for a deleted file).
    pub new_path: Option<String>,
    /// Its hunks.
    pub hunks: Vec<Hunk>,
}

impl FilePatch {
    /// The path the patch is about (the new one, or the old one for a deletion).
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or("")
    }
}

/// A patch, as read from a mail or a plain diff.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    /// The mail's subject (`Subject:` header, or the first line of a list archive page).
    pub subject: Option<String>,
    /// The text before the first diff (commit message, quoted or not).
    pub message: String,
    /// The files it changes.
    pub files: Vec<FilePatch>,
    /// The diff was quoted (`> ` before every line) and read without the quote marks.
    pub quoted: bool,
}

impl Patch {
    /// Whether any hunk lost its whitespace.
    pub fn damaged(&self) -> bool {
        self.files.iter().flat_map(|f| &f.hunks).any(|h| h.damaged)
    }

    /// A hash of the diff that survives damaged whitespace, other line numbers and another
    /// subject: every changed line of every hunk, whitespace removed, with its file.
    pub fn diff_hash(&self) -> Option<String> {
        if self.files.iter().all(|f| f.hunks.is_empty()) {
            return None;
        }
        let mut h = Fnv::new();
        for f in &self.files {
            h.write(f.path().as_bytes());
            h.write(b"\n");
            for hunk in &f.hunks {
                for l in &hunk.lines {
                    let c: &[u8] = match l.kind {
                        LineKind::Context => continue,
                        LineKind::Del => b"-",
                        LineKind::Add => b"+",
                    };
                    h.write(c);
                    h.write(squash(&l.text).as_bytes());
                    h.write(b"\n");
                }
            }
        }
        Some(format!("fnv1a64:{:016x}", h.0))
    }
}

/// FNV-1a, 64 bits: a stable hash without a crate.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// `s` without any whitespace: how damaged lines are compared.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A subject without `Re:`, `[PATCH v2 1/2]` and extra blanks, lower case: how verdicts
/// are matched.
pub fn normalise_subject(s: &str) -> String {
    let mut s = s.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        if let Some(rest) = ["re:", "fwd:", "fw:", "aw:"]
            .iter()
            .find_map(|p| lower.starts_with(p).then(|| &s[p.len()..]))
        {
            s = rest.trim_start();
        } else if s.starts_with('[') {
            match s.find(']') {
                Some(i) => s = s[i + 1..].trim_start(),
                None => break,
            }
        } else {
            break;
        }
    }
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn strip_prefix_path(p: &str) -> Option<String> {
    let p = p.split('\t').next().unwrap_or(p).trim();
    if p == "/dev/null" {
        return None;
    }
    let p = p
        .strip_prefix("a/")
        .or_else(|| p.strip_prefix("b/"))
        .unwrap_or(p);
    Some(p.to_string())
}

/// `@@ -a[,b] +c[,d] @@ heading`
fn parse_hunk_header(line: &str) -> Option<(usize, usize, usize, usize, String)> {
    let rest = line.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let (ranges, heading) = (&rest[..end], rest[end + 3..].trim());
    let (old, new) = ranges.split_once(" +")?;
    let range = |r: &str| -> Option<(usize, usize)> {
        match r.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d, heading.to_string()))
}

fn starts_file(lines: &[&str], i: usize) -> bool {
    let l = lines[i];
    l.starts_with("diff --git ")
        || (l.starts_with("--- ") && lines.get(i + 1).is_some_and(|n| n.starts_with("+++ ")))
}

/// Reads a patch from a mail or a diff.
pub fn parse(input: &str) -> Patch {
    let input = input.replace("\r\n", "\n");
    let mut patch = parse_lines(&input.lines().collect::<Vec<_>>());
    if patch.files.is_empty() {
        // A diff quoted in a reply: read it without the quote marks.
        let unquoted: Vec<&str> = input
            .lines()
            .map(|l| {
                l.strip_prefix("> ")
                    .or_else(|| l.strip_prefix('>'))
                    .unwrap_or(l)
            })
            .collect();
        let q = parse_lines(&unquoted);
        if !q.files.is_empty() {
            patch.files = q.files;
            patch.quoted = true;
        }
    }
    patch.subject = subject(&input);
    patch
}

fn subject(input: &str) -> Option<String> {
    let lines: Vec<&str> = input.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("diff --git ") || l.starts_with("@@ -") {
            break;
        }
        if let Some(s) = l.strip_prefix("Subject:") {
            let mut s = s.trim().to_string();
            for cont in &lines[i + 1..] {
                if cont.starts_with(' ') || cont.starts_with('\t') {
                    s.push(' ');
                    s.push_str(cont.trim());
                } else {
                    break;
                }
            }
            return Some(s);
        }
    }
    // A list archive page starts with the subject.
    lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .filter(|l| l.contains("[PATCH") || l.to_ascii_lowercase().starts_with("re:"))
        .map(str::to_string)
}

fn parse_lines(lines: &[&str]) -> Patch {
    let mut patch = Patch::default();
    let mut i = 0;
    let mut message_end = None;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("diff --git ") {
            message_end.get_or_insert(i);
            let mut parts = rest.split(' ');
            let old = parts.next().and_then(strip_prefix_path);
            let new = parts.next().and_then(strip_prefix_path);
            patch.files.push(FilePatch {
                old_path: old,
                new_path: new,
                hunks: Vec::new(),
            });
            i += 1;
            continue;
        }
        if line.starts_with("--- ") && lines.get(i + 1).is_some_and(|n| n.starts_with("+++ ")) {
            message_end.get_or_insert(i);
            let old = strip_prefix_path(&line[4..]);
            let new = strip_prefix_path(&lines[i + 1][4..]);
            let reuse = patch
                .files
                .last()
                .is_some_and(|f| f.hunks.is_empty() && (f.new_path == new || f.old_path == old));
            if reuse {
                if let Some(f) = patch.files.last_mut() {
                    f.old_path = old;
                    f.new_path = new;
                }
            } else {
                patch.files.push(FilePatch {
                    old_path: old,
                    new_path: new,
                    hunks: Vec::new(),
                });
            }
            i += 2;
            continue;
        }
        if let Some((a, b, c, d, heading)) = parse_hunk_header(line) {
            if patch.files.is_empty() {
                i += 1;
                continue;
            }
            let (hunk, next) = read_hunk(lines, i + 1, (a, b, c, d, heading));
            if let Some(f) = patch.files.last_mut() {
                f.hunks.push(hunk);
            }
            i = next;
            continue;
        }
        i += 1;
    }
    let end = message_end.unwrap_or(lines.len());
    patch.message = lines[..end].join("\n");
    patch
}

fn read_hunk(
    lines: &[&str],
    mut i: usize,
    (a, b, c, d, heading): (usize, usize, usize, usize, String),
) -> (Hunk, usize) {
    let mut hunk = Hunk {
        old_start: a,
        old_count: b,
        new_start: c,
        new_count: d,
        heading,
        lines: Vec::new(),
        complete: false,
        damaged: false,
    };
    let (mut old_left, mut new_left) = (b, d);
    while i < lines.len() && (old_left > 0 || new_left > 0) {
        let line = lines[i];
        if parse_hunk_header(line).is_some() || starts_file(lines, i) {
            break;
        }
        if line.starts_with('\\') {
            // "\ No newline at end of file"
            i += 1;
            continue;
        }
        let (kind, text) = match line.chars().next() {
            Some('-') if old_left > 0 => (LineKind::Del, &line[1..]),
            Some('+') if new_left > 0 => (LineKind::Add, &line[1..]),
            Some(' ') => (LineKind::Context, &line[1..]),
            None => (LineKind::Context, ""),
            // A context line that lost its leading space.
            Some(_) => {
                hunk.damaged = true;
                (LineKind::Context, line)
            }
        };
        match kind {
            LineKind::Del => old_left -= 1,
            LineKind::Add => new_left -= 1,
            LineKind::Context => {
                if old_left == 0 || new_left == 0 {
                    break;
                }
                old_left -= 1;
                new_left -= 1;
            }
        }
        // `+ foo` where the tab became one space: the whitespace is damaged too.
        if kind != LineKind::Context && text.starts_with(' ') && !text.starts_with("  ") {
            hunk.damaged = true;
        }
        hunk.lines.push(HLine {
            kind,
            text: text.to_string(),
        });
        i += 1;
    }
    hunk.complete = old_left == 0 && new_left == 0;
    (hunk, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMAT_PATCH: &str = "From 1234 Mon Sep 17 00:00:00 2001\n\
From: A Developer <a@example.org>\n\
Subject: [PATCH v2 1/2] ALSA: aloop: Fix a\n\
\x20long subject\n\
\n\
Body text.\n\
\n\
Signed-off-by: A Developer <a@example.org>\n\
---\n\
 sound/drivers/aloop.c | 2 +-\n\
\n\
diff --git a/sound/drivers/aloop.c b/sound/drivers/aloop.c\n\
index 1111111..2222222 100644\n\
--- a/sound/drivers/aloop.c\n\
+++ b/sound/drivers/aloop.c\n\
@@ -10,4 +10,5 @@ static int foo(int x)\n\
\x20{\n\
-\treturn x;\n\
+\tint y = x;\n\
+\treturn y;\n\
\x20}\n\
\n\
@@ -40,2 +41,2 @@\n\
-a\n\
+b\n\
\x20c\n\
-- \n\
2.47.3\n";

    #[test]
    fn format_patch() {
        let p = parse(FORMAT_PATCH);
        assert_eq!(
            p.subject.as_deref(),
            Some("[PATCH v2 1/2] ALSA: aloop: Fix a long subject")
        );
        assert_eq!(p.files.len(), 1);
        let f = &p.files[0];
        assert_eq!(f.path(), "sound/drivers/aloop.c");
        assert_eq!(f.hunks.len(), 2);
        let h = &f.hunks[0];
        assert_eq!(
            (h.old_start, h.old_count, h.new_start, h.new_count),
            (10, 4, 10, 5)
        );
        assert_eq!(h.heading, "static int foo(int x)");
        assert!(h.complete && !h.damaged);
        assert_eq!(h.lines.len(), 6);
        assert_eq!(
            h.lines[5],
            HLine {
                kind: LineKind::Context,
                text: String::new()
            }
        );
        assert!(f.hunks[1].complete);
        assert!(p.message.contains("Body text."));
        assert!(!p.damaged());
    }

    #[test]
    fn damaged_list_archive() {
        let mail = "[PATCH] ALSA: seq: midi: Serialize output\n\nFrom: Someone\n\n\
text\n---\n\
diff --git a/sound/core/seq/seq_midi.c b/sound/core/seq/seq_midi.c\n\
--- a/sound/core/seq/seq_midi.c\n\
+++ b/sound/core/seq/seq_midi.c\n\
@@ -42,3 +43,4 @@ struct seq_midisynth {\n\
int device;\n\
+ spinlock_t output_lock;\n\
int subdevice;\n\
\n\
--\n\
2.43.0\n";
        let p = parse(mail);
        assert_eq!(
            p.subject.as_deref(),
            Some("[PATCH] ALSA: seq: midi: Serialize output")
        );
        let h = &p.files[0].hunks[0];
        assert!(h.damaged && h.complete);
        let kinds: Vec<LineKind> = h.lines.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [
                LineKind::Context,
                LineKind::Add,
                LineKind::Context,
                LineKind::Context
            ]
        );
        // The hash ignores whitespace: the same diff, undamaged.
        let clean = "--- a/sound/core/seq/seq_midi.c\n+++ b/sound/core/seq/seq_midi.c\n\
@@ -42,3 +43,4 @@ struct seq_midisynth {\n\tint device;\n+\tspinlock_t output_lock;\n\tint subdevice;\n \n";
        assert_eq!(parse(clean).diff_hash(), p.diff_hash());
        assert!(p.diff_hash().is_some());
    }

    #[test]
    fn truncated_hunk_and_quoted_diff() {
        let p =
            parse("--- a/x.c\n+++ b/x.c\n@@ -1,5 +1,5 @@\n a\n-b\n+c\n@@ -9,1 +9,1 @@\n-d\n+e\n");
        assert_eq!(p.files[0].hunks.len(), 2);
        assert!(!p.files[0].hunks[0].complete);
        assert!(p.files[0].hunks[1].complete);
        let q = parse("Re: [PATCH] x\n\n> --- a/x.c\n> +++ b/x.c\n> @@ -1,1 +1,1 @@\n> -d\n> +e\n");
        assert!(q.quoted);
        assert_eq!(q.files[0].hunks[0].lines.len(), 2);
        assert_eq!(q.subject.as_deref(), Some("Re: [PATCH] x"));
    }

    #[test]
    fn subjects() {
        assert_eq!(
            normalise_subject("Re: [PATCH v2 1/2] ALSA: seq: oss:  Serialize readq"),
            "alsa: seq: oss: serialize readq"
        );
        assert_eq!(normalise_subject("[PATCH] ALSA: x"), "alsa: x");
        assert!(parse("no diff here\n").files.is_empty());
    }
}
