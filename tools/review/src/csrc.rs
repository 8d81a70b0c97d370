// SPDX-License-Identifier: GPL-2.0
//! C sources parsed with tree-sitter's C grammar: the file-scope definitions of a C file
//! (functions, structs, tables, module parameters, macros) with their line ranges.

use std::collections::BTreeSet;
use tree_sitter::{Node, Parser, Tree};

/// What a file-scope definition is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A function definition.
    Function,
    /// `struct name { ... }`.
    Struct,
    /// `union name { ... }`.
    Union,
    /// `enum name { ... }`.
    Enum,
    /// `typedef ... name;`.
    Typedef,
    /// A file-scope variable: a table (`snd_pcm_hardware`, `snd_kcontrol_new[]`, ops), a
    /// mutex, an array of devices.
    Global,
    /// A file-scope variable exported as a module parameter (`module_param*()`).
    Param,
    /// `#define`.
    Macro,
    /// `MODULE_AUTHOR()`, `MODULE_LICENSE()`, ... (modinfo).
    ModuleInfo,
}

impl Kind {
    /// The word the map shows.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Function => "function",
            Kind::Struct => "struct",
            Kind::Union => "union",
            Kind::Enum => "enum",
            Kind::Typedef => "typedef",
            Kind::Global => "global",
            Kind::Param => "module parameter",
            Kind::Macro => "macro",
            Kind::ModuleInfo => "modinfo",
        }
    }
}

/// One file-scope definition.
#[derive(Clone, Debug)]
pub struct Def {
    /// Its identifier (`loopback_open`, `loopback_cable`, `index`, `NO_PITCH`).
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// 1-based inclusive line ranges; the first is the definition itself, the others are
    /// macro invocations naming it (`module_param_array(index, ...)`, `module_init(f)`).
    pub spans: Vec<(usize, usize)>,
    /// First line of the comment right above the definition (or its first line).
    pub comment_start: usize,
    /// Its tokens without comments, joined by one space: compares definitions regardless
    /// of whitespace and comments.
    pub tokens: String,
    /// Functions (and function-like macros) it calls.
    pub calls: BTreeSet<String>,
}

impl Def {
    /// How the map names it: `name()` for a function, `struct name`, or `name`.
    pub fn key(&self) -> String {
        key_of(self.kind, &self.name)
    }

    /// First line of the definition.
    pub fn start(&self) -> usize {
        self.spans.first().map_or(0, |s| s.0)
    }

    /// Last line of the definition.
    pub fn end(&self) -> usize {
        self.spans.first().map_or(0, |s| s.1)
    }

    /// Whether line `line` (1-based) belongs to it (its comment included).
    pub fn covers(&self, line: usize) -> bool {
        (self.comment_start..=self.end()).contains(&line)
            || self
                .spans
                .iter()
                .skip(1)
                .any(|&(a, b)| (a..=b).contains(&line))
    }
}

/// The map key of a definition of `kind` named `name`.
pub fn key_of(kind: Kind, name: &str) -> String {
    match kind {
        Kind::Function => format!("{name}()"),
        Kind::Struct => format!("struct {name}"),
        Kind::Union => format!("union {name}"),
        Kind::Enum => format!("enum {name}"),
        _ => name.to_string(),
    }
}

/// A parsed C file.
#[derive(Clone, Debug)]
pub struct CFile {
    /// The path it was read from, as given (relative to the kernel tree for originals).
    pub path: String,
    /// Its text.
    pub text: String,
    /// Its file-scope definitions, in source order.
    pub defs: Vec<Def>,
    /// Lines tree-sitter could not parse (outside the kernel's known macro forms).
    pub error_lines: Vec<usize>,
}

impl CFile {
    /// Parses `text`.
    pub fn parse(path: &str, text: &str) -> CFile {
        let tree = parse_tree(text);
        let mut cx = Collect {
            src: text.as_bytes(),
            defs: Vec::new(),
            invocations: Vec::new(),
            errors: Vec::new(),
            pending_comment: None,
        };
        cx.container(tree.root_node());
        let Collect {
            mut defs,
            invocations,
            errors,
            ..
        } = cx;
        attach_invocations(&mut defs, invocations);
        defs.sort_by_key(|d| (d.start(), d.end(), d.name.clone()));
        CFile {
            path: path.to_string(),
            text: text.to_string(),
            defs,
            error_lines: errors,
        }
    }

    /// The definition with map key `key`.
    pub fn find(&self, key: &str) -> Option<&Def> {
        self.defs.iter().find(|d| d.key() == key)
    }

    /// The definitions covering line `line`.
    pub fn defs_at(&self, line: usize) -> Vec<&Def> {
        self.defs.iter().filter(|d| d.covers(line)).collect()
    }

    /// The text of lines `a..=b` (1-based).
    pub fn lines(&self, a: usize, b: usize) -> Vec<&str> {
        self.text
            .lines()
            .skip(a.saturating_sub(1))
            .take(b.saturating_add(1).saturating_sub(a))
            .collect()
    }
}

/// A tree-sitter tree of `text`.
pub fn parse_tree(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_c::LANGUAGE.into())
        .expect("tree-sitter-c matches the tree-sitter runtime");
    parser
        .parse(text, None)
        .expect("tree-sitter parses without a timeout or cancellation")
}

/// A macro invocation at file scope: `NAME(first, ...)`.
struct Invocation {
    macro_name: String,
    first_arg: Option<String>,
    span: (usize, usize),
    tokens: String,
}

struct Collect<'a> {
    src: &'a [u8],
    defs: Vec<Def>,
    invocations: Vec<Invocation>,
    errors: Vec<usize>,
    /// First line of the run of comments right above the next node.
    pending_comment: Option<(usize, usize)>,
}

/// 1-based first and last line of `node` (a node ending at column 0 ends on the line before).
pub fn node_lines(node: Node) -> (usize, usize) {
    let start = node.start_position().row + 1;
    let end_pos = node.end_position();
    let mut end = end_pos.row + 1;
    if end_pos.column == 0 && end > start {
        end -= 1;
    }
    (start, end)
}

fn text<'a>(node: Node, src: &'a [u8]) -> &'a str {
    node.utf8_text(src).unwrap_or("")
}

/// The tokens of `node` without comments, joined by one space.
pub fn tokens_of(node: Node, src: &[u8]) -> String {
    let mut out = Vec::new();
    leaves(node, &mut |leaf| {
        if leaf.kind() != "comment" {
            let t = text(leaf, src).trim();
            if !t.is_empty() {
                out.push(t.to_string());
            }
        }
    });
    out.join(" ")
}

fn leaves<'t>(node: Node<'t>, f: &mut impl FnMut(Node<'t>)) {
    // String and character literals count as one token.
    if node.child_count() == 0
        || matches!(
            node.kind(),
            "string_literal" | "char_literal" | "system_lib_string" | "preproc_arg"
        )
    {
        f(node);
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        leaves(child, f);
    }
}

/// Identifiers called in `node` (the callee of every call expression).
fn calls_in(node: Node, src: &[u8], out: &mut BTreeSet<String>) {
    if node.kind() == "call_expression" {
        if let Some(f) = node.child_by_field_name("function") {
            if f.kind() == "identifier" {
                out.insert(text(f, src).to_string());
            }
        }
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        calls_in(child, src, out);
    }
}

/// The identifier a declarator declares (through pointers, arrays, parentheses, inits).
fn declarator_name<'a>(node: Node, src: &'a [u8]) -> Option<(&'a str, bool)> {
    let mut node = node;
    let mut is_function = false;
    loop {
        match node.kind() {
            "identifier" | "field_identifier" | "type_identifier" => {
                return Some((text(node, src), is_function))
            }
            "function_declarator" => {
                is_function = true;
                node = node.child_by_field_name("declarator")?;
            }
            "pointer_declarator" | "array_declarator" | "init_declarator" => {
                node = node.child_by_field_name("declarator")?;
            }
            "parenthesized_declarator" | "attributed_declarator" => {
                node = node.named_child(0)?;
            }
            _ => return None,
        }
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl<'a> Collect<'a> {
    fn def(&mut self, name: &str, kind: Kind, node: Node, span: (usize, usize)) {
        let comment_start = match self.pending_comment {
            Some((first, last)) if last.saturating_add(1) >= span.0 => first,
            _ => span.0,
        };
        let mut calls = BTreeSet::new();
        if kind == Kind::Function {
            calls_in(node, self.src, &mut calls);
        }
        self.defs.push(Def {
            name: name.to_string(),
            kind,
            spans: vec![span],
            comment_start,
            tokens: tokens_of(node, self.src),
            calls,
        });
    }

    /// The file-scope items of `node` (the translation unit or a preprocessor block).
    fn container(&mut self, node: Node) {
        let mut cursor = node.walk();
        let mut last_end = None;
        for child in node.named_children(&mut cursor) {
            let lines = node_lines(child);
            match child.kind() {
                "comment" if last_end == Some(lines.0) => {
                    // A comment after an item on its last line belongs to that item.
                    continue;
                }
                "comment" => {
                    self.pending_comment = match self.pending_comment {
                        Some((first, last)) if last.saturating_add(1) >= lines.0 => {
                            Some((first, lines.1))
                        }
                        _ => Some(lines),
                    };
                    continue;
                }
                "preproc_ifdef"
                | "preproc_if"
                | "preproc_else"
                | "preproc_elif"
                | "preproc_elifdef"
                | "linkage_specification"
                | "declaration_list" => {
                    self.container(child);
                }
                _ => self.item(child, lines),
            }
            last_end = Some(lines.1);
            self.pending_comment = None;
        }
    }

    fn item(&mut self, node: Node, lines: (usize, usize)) {
        match node.kind() {
            "function_definition" => {
                if let Some((name, _)) = node
                    .child_by_field_name("declarator")
                    .and_then(|d| declarator_name(d, self.src))
                {
                    self.def(name, Kind::Function, node, lines);
                }
                return;
            }
            "struct_specifier" | "union_specifier" | "enum_specifier" => {
                self.tagged(node, lines);
                return;
            }
            "preproc_def" | "preproc_function_def" => {
                if let Some(name) = node.child_by_field_name("name") {
                    let name = text(name, self.src).to_string();
                    self.def(&name, Kind::Macro, node, lines);
                }
                return;
            }
            "type_definition" => {
                let mut cursor = node.walk();
                for d in node.children_by_field_name("declarator", &mut cursor) {
                    if let Some((name, _)) = declarator_name(d, self.src) {
                        self.def(name, Kind::Typedef, node, lines);
                    }
                }
                return;
            }
            "declaration" => {
                self.declaration(node, lines);
                return;
            }
            "expression_statement" => {
                if let Some(call) = node
                    .named_child(0)
                    .filter(|c| c.kind() == "call_expression")
                {
                    self.invocation_of_call(call, lines);
                    return;
                }
            }
            "ERROR" => {
                self.error_node(node);
                return;
            }
            _ => {}
        }
        self.nested_defines(node);
    }

    fn tagged(&mut self, node: Node, lines: (usize, usize)) {
        let kind = match node.kind() {
            "struct_specifier" => Kind::Struct,
            "union_specifier" => Kind::Union,
            _ => Kind::Enum,
        };
        if node.child_by_field_name("body").is_none() {
            return; // a forward declaration
        }
        if let Some(name) = node.child_by_field_name("name") {
            let name = text(name, self.src).to_string();
            self.def(&name, kind, node, lines);
        }
    }

    fn declaration(&mut self, node: Node, lines: (usize, usize)) {
        // `struct x { ... } var;` defines the struct too.
        if let Some(ty) = node.child_by_field_name("type") {
            if matches!(
                ty.kind(),
                "struct_specifier" | "union_specifier" | "enum_specifier"
            ) && ty.child_by_field_name("body").is_some()
            {
                self.tagged(ty, node_lines(ty));
            }
            // `static DEFINE_MUTEX(name);`, `static DEFINE_SIMPLE_DEV_PM_OPS(name, ...);`
            if ty.kind() == "macro_type_specifier"
                || (ty.kind() == "type_identifier" && text(ty, self.src).starts_with("DEFINE_"))
            {
                if let Some(name) = self.first_ident_after_paren(node) {
                    self.def(&name, Kind::Global, node, lines);
                }
                self.nested_defines(node);
                return;
            }
        }
        let mut cursor = node.walk();
        let mut any = false;
        for d in node.children_by_field_name("declarator", &mut cursor) {
            match declarator_name(d, self.src) {
                // A prototype declares, it does not define.
                Some((_, true)) => {}
                Some((name, false)) => {
                    let name = name.to_string();
                    self.def(&name, Kind::Global, node, lines);
                    any = true;
                }
                None => {}
            }
        }
        if any {
            self.nested_defines(node);
        }
    }

    /// The first identifier after the first `(` of `node`.
    fn first_ident_after_paren(&self, node: Node) -> Option<String> {
        let mut seen_paren = false;
        let mut found = None;
        leaves(node, &mut |leaf| {
            if found.is_some() {
                return;
            }
            let t = text(leaf, self.src);
            if t == "(" {
                seen_paren = true;
            } else if seen_paren && is_ident(t) {
                found = Some(t.to_string());
            }
        });
        found
    }

    /// `NAME(args);` at file scope, parsed as a call.
    fn invocation_of_call(&mut self, call: Node, lines: (usize, usize)) {
        let Some(f) = call.child_by_field_name("function") else {
            return;
        };
        let first_arg = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|a| a.kind() == "identifier")
            .map(|a| text(a, self.src).to_string());
        self.invocations.push(Invocation {
            macro_name: text(f, self.src).to_string(),
            first_arg,
            span: lines,
            tokens: tokens_of(call, self.src),
        });
    }

    /// Text tree-sitter could not parse: the kernel's `module_init(f)` without a semicolon,
    /// a `#define` inside an initializer. Reads its tokens for `NAME(first` invocations.
    fn error_node(&mut self, node: Node) {
        let first = text(node, self.src).trim_start();
        if first.starts_with("#define") {
            // tree-sitter leaves a #define inside an initializer as an ERROR node.
            let name = first
                .trim_start_matches("#define")
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .find(|s| !s.is_empty())
                .unwrap_or("")
                .to_string();
            if is_ident(&name) {
                let lines = node_lines(node);
                self.def(&name, Kind::Macro, node, lines);
            }
            return;
        }
        let mut toks: Vec<(String, usize)> = Vec::new();
        leaves(node, &mut |leaf| {
            if leaf.kind() != "comment" {
                toks.push((
                    text(leaf, self.src).to_string(),
                    leaf.start_position().row + 1,
                ));
            }
        });
        let mut i = 0;
        let mut parsed_any = false;
        while i < toks.len() {
            let is_call = is_ident(&toks[i].0) && toks.get(i + 1).is_some_and(|t| t.0 == "(");
            if !is_call {
                i += 1;
                continue;
            }
            let start = toks[i].1;
            let mut depth = 0usize;
            let mut j = i + 1;
            let mut end = start;
            while j < toks.len() {
                match toks[j].0.as_str() {
                    "(" => depth += 1,
                    ")" => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = toks[j].1;
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let first_arg = toks
                .get(i + 2)
                .filter(|t| is_ident(&t.0))
                .map(|t| t.0.clone());
            let tokens = toks[i..=j.min(toks.len() - 1)]
                .iter()
                .map(|t| t.0.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            self.invocations.push(Invocation {
                macro_name: toks[i].0.clone(),
                first_arg,
                span: (start, end),
                tokens,
            });
            parsed_any = true;
            i = j + 1;
        }
        if !parsed_any {
            let (a, b) = node_lines(node);
            self.errors.extend(a..=b);
        }
    }

    /// `#define`s nested in a file-scope item (tree-sitter: ERROR nodes inside initializers).
    fn nested_defines(&mut self, node: Node) {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.kind() == "ERROR" && text(child, self.src).trim_start().starts_with("#define")
            {
                self.error_node(child);
            } else if child.child_count() > 0 {
                self.nested_defines(child);
            }
        }
    }
}

/// Macro invocations naming a definition (`module_param_array(index, ...)`,
/// `MODULE_PARM_DESC(index, ...)`, `module_init(f)`, `EXPORT_SYMBOL(f)`) become extra spans of
/// that definition; module parameters change kind. Others (`MODULE_LICENSE("GPL")`) are
/// definitions of their own.
fn attach_invocations(defs: &mut Vec<Def>, invocations: Vec<Invocation>) {
    for inv in invocations {
        let target = inv.first_arg.as_ref().and_then(|arg| {
            defs.iter_mut()
                .find(|d| &d.name == arg && d.kind != Kind::Macro)
        });
        match target {
            Some(def) => {
                def.spans.push(inv.span);
                def.tokens.push_str(" ; ");
                def.tokens.push_str(&inv.tokens);
                if inv.macro_name.starts_with("module_param") && def.kind == Kind::Global {
                    def.kind = Kind::Param;
                }
            }
            None => {
                let kind = if inv.macro_name.starts_with("MODULE_") {
                    Kind::ModuleInfo
                } else {
                    Kind::Macro
                };
                defs.push(Def {
                    name: inv.macro_name.clone(),
                    kind,
                    spans: vec![inv.span],
                    comment_start: inv.span.0,
                    tokens: inv.tokens,
                    calls: BTreeSet::new(),
                });
            }
        }
    }
}

/// Names of functions and function-like macros declared or defined in `text` (for the
/// kernel index: prototypes count here).
pub fn function_names(source: &str, out: &mut BTreeSet<String>) {
    let tree = parse_tree(source);
    let src = source.as_bytes();
    // Function names count outside function bodies; macros count anywhere (tree-sitter may
    // take a run of kernel macros for a body).
    fn walk(node: Node, src: &[u8], in_body: bool, out: &mut BTreeSet<String>) {
        match node.kind() {
            "function_definition" if !in_body => {
                if let Some((name, _)) = node
                    .child_by_field_name("declarator")
                    .and_then(|d| declarator_name(d, src))
                {
                    out.insert(name.to_string());
                }
            }
            "declaration" if !in_body => {
                let mut cursor = node.walk();
                for d in node.children_by_field_name("declarator", &mut cursor) {
                    if let Some((name, true)) = declarator_name(d, src) {
                        out.insert(name.to_string());
                    }
                }
            }
            "preproc_function_def" => {
                if let Some(name) = node.child_by_field_name("name") {
                    out.insert(text(name, src).to_string());
                }
            }
            "ERROR" => {
                // Where tree-sitter lost its way, the tokens `#define NAME(` (no blank
                // before the parenthesis) still define a function-like macro.
                let mut toks = Vec::new();
                leaves(node, &mut |leaf| toks.push(leaf));
                for w in toks.windows(3) {
                    if text(w[0], src) == "#define"
                        && w[1].kind() == "identifier"
                        && text(w[2], src) == "("
                        && w[1].end_byte() == w[2].start_byte()
                    {
                        out.insert(text(w[1], src).to_string());
                    }
                }
            }
            _ => {}
        }
        let in_body =
            in_body || matches!(node.kind(), "compound_statement" | "field_declaration_list");
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            walk(child, src, in_body, out);
        }
    }
    walk(tree.root_node(), src, false, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"// SPDX
#include <linux/module.h>

MODULE_LICENSE("GPL");
#define NO_PITCH 100000
static int index[SNDRV_CARDS] = SNDRV_DEFAULT_IDX;
module_param_array(index, int, NULL, 0444);
MODULE_PARM_DESC(index, "Index value.");

struct cable;

/* the cable */
struct cable {
	spinlock_t lock;
	int valid;
};

static DEFINE_MUTEX(register_mutex);

/*
 * start it
 */
static int cable_start(struct cable *c)
{
	return helper(c->valid) + other();
}

static const struct snd_kcontrol_new controls[] = {
{
	.name = "a",
},
#define SECOND_IDX 1
{
	.name = "b",
},
};

#ifdef CONFIG_PROC
void
info_read(struct cable *c)
{
}
#endif

static int __init card_init(void)
{
	return 0;
}
module_init(card_init)
module_exit(card_exit)
"#;

    #[test]
    fn definitions_and_their_lines() {
        let f = CFile::parse("x.c", SAMPLE);
        let keys: Vec<String> = f
            .defs
            .iter()
            .map(|d| format!("{} {}-{}", d.key(), d.start(), d.end()))
            .collect();
        assert_eq!(
            keys,
            [
                "MODULE_LICENSE 4-4",
                "NO_PITCH 5-5",
                "index 6-6",
                "struct cable 13-16",
                "register_mutex 18-18",
                "cable_start() 23-26",
                "controls 28-36",
                "SECOND_IDX 32-32",
                "info_read() 39-42",
                "card_init() 45-48",
                "module_exit 50-50",
            ]
        );
        let index = f.find("index").unwrap();
        assert_eq!(index.kind, Kind::Param);
        assert_eq!(index.spans, [(6, 6), (7, 7), (8, 8)]);
        let start = f.find("cable_start()").unwrap();
        assert_eq!(start.comment_start, 20);
        assert!(start.calls.contains("helper") && start.calls.contains("other"));
        assert!(f.find("struct cable").unwrap().comment_start == 12);
        assert_eq!(f.find("card_init()").unwrap().spans[1], (49, 49));
        assert_eq!(
            f.defs_at(32).iter().map(|d| d.key()).collect::<Vec<_>>(),
            ["controls", "SECOND_IDX"]
        );
    }

    #[test]
    fn tokens_ignore_whitespace_and_comments() {
        let a = CFile::parse("a.c", "int f(void)\n{\n\treturn 1; /* one */\n}\n");
        let b = CFile::parse("b.c", "int f(void) {   return 1;\n}\n");
        assert_eq!(a.defs[0].tokens, b.defs[0].tokens);
    }

    #[test]
    fn kernel_index_names() {
        let mut names = BTreeSet::new();
        function_names(
            "extern void *memset(void *, int, size_t);\n#define wake_up(x) __wake_up(x, 1)\n\
             #define dev_err(dev, fmt, ...) \\\n\twrap(_dev_err, dev, ##__VA_ARGS__)\n\
             #define dev_warn(dev, fmt, ...) \\\n\twrap(_dev_warn, dev, ##__VA_ARGS__)\n\
             static inline int f(void) { return g(); }\nstruct ops { int (*open)(void); };\n\
             int not_a_function;\n",
            &mut names,
        );
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["dev_err", "dev_warn", "f", "memset", "wake_up"]
        );
    }
}
