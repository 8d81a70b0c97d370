// SPDX-License-Identifier: GPL-2.0
//! `C:` tags in doc comments: `/// C: `loopback_open()`.` names the C a Rust item
//! reimplements. A tag runs from `C:` to the end of its sentence (or of the parentheses it
//! opens in); every code span in it is read:
//!
//! - `name()`, and `name(args)` when it opens the tag: a C function (or function-like
//!   macro) — it must exist;
//! - `a_b_info/get/put()`, `a_probe()/remove()`: `a_b_info()`, `a_b_get()`, `a_b_put()`;
//! - `struct name`, `union name`, `enum name`, `name`, `name[]`: a definition, if the C
//!   original has one of that name (other spans, e.g. `cable->lock` or `HZ`, are prose).

/// What a code span of a tag names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ref {
    /// A function or function-like macro: must exist.
    Function(String),
    /// A definition by its map key (`struct x`, `x`): maps if the C has it.
    Def(String),
}

/// One tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The doc line `C:` is on.
    pub line: usize,
    /// The tag's text after `C:`.
    pub text: String,
    /// What it names.
    pub refs: Vec<Ref>,
}

const KEYWORDS: &[&str] = &[
    "if", "else", "while", "for", "do", "switch", "case", "return", "sizeof", "typeof", "struct",
    "union", "enum", "goto", "break", "continue", "static", "const",
];

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The tags in a doc comment given as (line, text) pairs.
pub fn tags(doc: &[(usize, String)]) -> Vec<Tag> {
    let mut out = Vec::new();
    // Paragraphs: runs of non-blank lines, joined by spaces, with each char's line.
    let mut para: Vec<(char, usize)> = Vec::new();
    let flush = |para: &mut Vec<(char, usize)>, out: &mut Vec<Tag>| {
        scan_paragraph(para, out);
        para.clear();
    };
    for (line, text) in doc {
        if text.trim().is_empty() {
            flush(&mut para, &mut out);
            continue;
        }
        if !para.is_empty() {
            para.push((' ', *line));
        }
        para.extend(text.trim().chars().map(|c| (c, *line)));
    }
    flush(&mut para, &mut out);
    out
}

fn scan_paragraph(para: &[(char, usize)], out: &mut Vec<Tag>) {
    let chars: Vec<char> = para.iter().map(|c| c.0).collect();
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            i += 1;
            continue;
        }
        let starts_tag = !in_code
            && c == 'C'
            && chars.get(i + 1) == Some(&':')
            && (i == 0 || matches!(chars[i - 1], ' ' | '(' | '\t'));
        if !starts_tag {
            i += 1;
            continue;
        }
        let in_parens = i > 0 && chars[i - 1] == '(';
        let body_start = i + 2;
        let end = tag_end(&chars, body_start, in_parens);
        let text: String = chars[body_start..end].iter().collect();
        let refs = refs_of(&text);
        out.push(Tag {
            line: para[i].1,
            text: text.trim().to_string(),
            refs,
        });
        i = end.max(body_start);
    }
}

/// Where the tag starting at `start` ends: the `)` closing the parenthesis it opened in, or
/// the end of its sentence (a `.` before a capital, or the paragraph's end).
fn tag_end(chars: &[char], start: usize, in_parens: bool) -> usize {
    let mut in_code = false;
    let mut depth = 0usize;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 && in_parens => return i,
                ')' => depth = depth.saturating_sub(1),
                '.' if depth == 0 => {
                    let next = chars.get(i + 1);
                    let after = chars.get(i + 2);
                    if next.is_none()
                        || (next == Some(&' ') && after.is_some_and(|a| a.is_uppercase()))
                    {
                        return i;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    chars.len()
}

/// The code spans of `text`.
fn spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// What the code spans of a tag's text name.
pub fn refs_of(text: &str) -> Vec<Ref> {
    let mut refs = Vec::new();
    let head_is_span = text.trim_start().starts_with('`');
    for (i, span) in spans(text).into_iter().enumerate() {
        let span = span.trim();
        // `name(args)` names a function when it opens the tag; later it is prose ("called
        // as `callback(ti, resolution, ticks)`").
        let call_with_args = span.find('(').is_some_and(|o| !span[o..].starts_with("()"));
        if call_with_args && !(i == 0 && head_is_span) && !span.contains('/') {
            continue;
        }
        refs.extend(span_refs(span));
    }
    refs.sort();
    refs.dedup();
    refs
}

fn span_refs(span: &str) -> Vec<Ref> {
    // `a_b_info/get/put()`, `a_probe()/remove()`
    if span.contains('/') && !span.contains(' ') {
        let parts: Vec<&str> = span.split('/').collect();
        let called = parts.iter().any(|p| p.ends_with("()"));
        let bare: Vec<&str> = parts.iter().map(|p| p.trim_end_matches("()")).collect();
        if called && bare.iter().all(|p| is_ident(p)) {
            let first = bare[0];
            let prefix = first.rfind('_').map_or("", |i| &first[..=i]);
            return bare
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if i == 0 || p.contains('_') {
                        Ref::Function(p.to_string())
                    } else {
                        Ref::Function(format!("{prefix}{p}"))
                    }
                })
                .collect();
        }
        return Vec::new();
    }
    // `name(...)`: a call; the name must be a function.
    if let Some(open) = span.find('(') {
        let name = &span[..open];
        if is_ident(name) && !KEYWORDS.contains(&name) {
            return vec![Ref::Function(name.to_string())];
        }
        return Vec::new();
    }
    // `struct name`
    for word in ["struct", "union", "enum"] {
        if let Some(rest) = span.strip_prefix(word) {
            let rest = rest.trim();
            if rest.len() < span.len() && is_ident(rest) && span.as_bytes()[word.len()] == b' ' {
                return vec![Ref::Def(format!("{word} {rest}"))];
            }
        }
    }
    // `name`, `name[]`, `name[N]`
    let base = span.split('[').next().unwrap_or("");
    let rest = &span[base.len()..];
    if is_ident(base) && (rest.is_empty() || (rest.starts_with('[') && rest.ends_with(']'))) {
        return vec![Ref::Def(base.to_string())];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lines: &[&str]) -> Vec<(usize, String)> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 10, l.to_string()))
            .collect()
    }

    fn f(s: &str) -> Ref {
        Ref::Function(s.to_string())
    }

    fn d(s: &str) -> Ref {
        Ref::Def(s.to_string())
    }

    #[test]
    fn plain_and_sentence_ends() {
        let t = tags(&doc(&[
            "Stops the timer. Called under the cable lock. C: `loopback_jiffies_timer_stop()`.",
        ]));
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].refs, [f("loopback_jiffies_timer_stop")]);
        assert_eq!(t[0].line, 10);
        let t = tags(&doc(&[
            "C: `loopback_snd_timer_event()`. Runs under the timer's lock, which trigger takes",
            "inside the cable lock: `snd_timer_start()`.",
        ]));
        assert_eq!(t[0].refs, [f("loopback_snd_timer_event")]);
    }

    #[test]
    fn continued_lines_and_i_e() {
        let t = tags(&doc(&[
            "Takes the oldest record.",
            "",
            "C: `snd_seq_oss_readq_take()`, i.e. `snd_seq_oss_readq_pick()` and",
            "`snd_seq_oss_readq_free()` under one hold of the lock.",
        ]));
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].line, 12);
        assert_eq!(
            t[0].refs,
            [
                f("snd_seq_oss_readq_free"),
                f("snd_seq_oss_readq_pick"),
                f("snd_seq_oss_readq_take")
            ]
        );
    }

    #[test]
    fn slash_forms() {
        let t = tags(&doc(&[
            "\"PCM Rate Shift\". C: `loopback_rate_shift_info/get/put()`.",
        ]));
        assert_eq!(
            t[0].refs,
            [
                f("loopback_rate_shift_get"),
                f("loopback_rate_shift_info"),
                f("loopback_rate_shift_put")
            ]
        );
        let t = tags(&doc(&["C: `snd_seq_midisynth_probe()/remove()`."]));
        assert_eq!(
            t[0].refs,
            [f("snd_seq_midisynth_probe"), f("snd_seq_midisynth_remove")]
        );
    }

    #[test]
    fn definitions_calls_and_prose() {
        let t = tags(&doc(&[
            "C: `struct loopback_pcm` (its position fields live in the cable).",
        ]));
        assert_eq!(t[0].refs, [d("struct loopback_pcm")]);
        let t = tags(&doc(&[
            "C: `loopback_controls[]` and `loopback_mixer_new()`.",
        ]));
        assert_eq!(t[0].refs, [f("loopback_mixer_new"), d("loopback_controls")]);
        let t = tags(&doc(&["Reads it. C: `get_setup(dpcm)->...`."]));
        assert_eq!(t[0].refs, [f("get_setup")]);
        let t = tags(&doc(&[
            "Ticks. C: `timeri->callback` (called as `callback(ti, resolution, ticks)`) and",
            "`snd_timer_start()`.",
        ]));
        assert_eq!(t[0].refs, [f("snd_timer_start")]);
        let t = tags(&doc(&[
            "C: `cable->ops->start()`, `1 << substream->stream`, `{1, [1 ... 3] = 0}`,",
            "`if (atomic_dec_and_test(&x)) wake_up(&y);`, `x - (x % y)`.",
        ]));
        assert!(t[0].refs.is_empty(), "{:?}", t[0].refs);
    }

    #[test]
    fn tag_inside_parentheses() {
        let t = tags(&doc(&[
            "Runs `f` on the setup (C: `loopback->setup[id.subdevice]",
            "[id.device]`); `EINVAL` outside, see `check_format()`.",
        ]));
        assert_eq!(t.len(), 1);
        assert!(t[0].refs.is_empty());
        let t = tags(&doc(&["A count (C: `snd_use_lock_t`) of users: `foo()`."]));
        assert_eq!(t[0].refs, [d("snd_use_lock_t")]);
    }

    #[test]
    fn not_a_tag() {
        assert!(tags(&doc(&["ABC: `x()`", "`C: y()`"])).is_empty());
    }
}
