// SPDX-License-Identifier: GPL-2.0
//! Rust sources parsed with `syn`: every item of a crate (functions, methods, types, fields,
//! constants, module parameters) with its path in the crate, its lines and its docs.

use quote::ToTokens;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// One Rust item.
#[derive(Clone, Debug)]
pub struct RItem {
    /// The crate, named after its directory (`aloop`, `snd`).
    pub krate: String,
    /// Its path inside the crate (`pcm_ops::LoopbackOps::open`; empty for the crate root).
    pub path: String,
    /// `fn`, `struct`, `field`, `const`, `mod`, `module parameter`, ...
    pub kind: &'static str,
    /// Its file, relative to the repository.
    pub file: String,
    /// The line of its name.
    pub line: usize,
    /// First line of its docs and attributes.
    pub start: usize,
    /// Its last line.
    pub end: usize,
    /// Its doc comment, line by line: (line, text).
    pub doc: Vec<(usize, String)>,
    /// Inside a test module or a test crate.
    pub test: bool,
}

impl RItem {
    /// `krate::path`.
    pub fn full(&self) -> String {
        if self.path.is_empty() {
            self.krate.clone()
        } else {
            format!("{}::{}", self.krate, self.path)
        }
    }

    /// `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A file that did not parse.
#[derive(Debug)]
pub struct ParseError {
    /// The file.
    pub file: String,
    /// What syn said.
    pub message: String,
}

/// The items of the crate in `dir` (relative to `root`). The crate root is the file no other
/// file of the directory declares as a module; a directory without one (tests/kunit) is a
/// set of one-file crates, each named after its file.
pub fn parse_crate(
    root: &Path,
    dir: &str,
    test: bool,
) -> Result<(Vec<RItem>, Vec<ParseError>), String> {
    let abs = root.join(dir);
    let mut files = Vec::new();
    list_rs(&abs, &mut files).map_err(|e| format!("{}: {e}", abs.display()))?;
    files.sort();
    let mut parsed: BTreeMap<PathBuf, syn::File> = BTreeMap::new();
    let mut errors = Vec::new();
    for f in &files {
        let rel = rel_path(root, f);
        match fs::read_to_string(f) {
            Ok(text) => match syn::parse_file(&text) {
                Ok(file) => {
                    parsed.insert(f.clone(), file);
                }
                Err(e) => errors.push(ParseError {
                    file: format!("{rel}:{}", e.span().start().line),
                    message: e.to_string(),
                }),
            },
            Err(e) => errors.push(ParseError {
                file: rel,
                message: e.to_string(),
            }),
        }
    }
    // Module files declared by `mod x;` in another file.
    let mut declared: BTreeMap<PathBuf, (PathBuf, String)> = BTreeMap::new();
    for (path, file) in &parsed {
        for (name, child) in module_children(path, file, &abs) {
            declared.insert(child, (path.clone(), name));
        }
    }
    let krate_name = Path::new(dir)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut items = Vec::new();
    for (path, file) in &parsed {
        if declared.contains_key(path) {
            continue;
        }
        // A crate root: its name is the directory's, or the file's when the directory
        // holds several roots (tests/kunit).
        let roots = parsed.keys().filter(|p| !declared.contains_key(*p)).count();
        let krate = if roots > 1 {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            krate_name.clone()
        };
        walk_module(
            root,
            &parsed,
            &declared,
            path,
            file,
            &krate,
            &[],
            test,
            &mut items,
        );
    }
    Ok((items, errors))
}

fn list_rs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `path` relative to `root`, with `/`.
pub fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The files of the `mod x;` declarations of `file` (at `path`): `x.rs` beside a crate root or
/// `mod.rs`, else in the directory named after the file.
fn module_children(path: &Path, file: &syn::File, crate_dir: &Path) -> Vec<(String, PathBuf)> {
    let parent = path.parent().unwrap_or(crate_dir);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for item in &file.items {
        if let syn::Item::Mod(m) = item {
            if m.content.is_some() {
                continue;
            }
            let name = m.ident.to_string();
            let beside = parent.join(format!("{name}.rs"));
            let nested = parent.join(&stem).join(format!("{name}.rs"));
            let dir_mod = parent.join(&name).join("mod.rs");
            for candidate in [nested, beside, dir_mod] {
                if candidate.exists() && candidate != path {
                    out.push((name.clone(), candidate));
                    break;
                }
            }
        }
    }
    out
}

fn is_test_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let t = a.meta.to_token_stream().to_string();
            t.contains("test") || t.contains("KUNIT")
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn walk_module(
    root: &Path,
    parsed: &BTreeMap<PathBuf, syn::File>,
    declared: &BTreeMap<PathBuf, (PathBuf, String)>,
    path: &Path,
    file: &syn::File,
    krate: &str,
    module: &[String],
    test: bool,
    out: &mut Vec<RItem>,
) {
    let rel = rel_path(root, path);
    let lines = fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(1);
    out.push(RItem {
        krate: krate.to_string(),
        path: module.join("::"),
        kind: "mod",
        file: rel.clone(),
        line: 1,
        start: 1,
        end: lines.max(1),
        doc: docs(&file.attrs),
        test,
    });
    let mut v = Collector {
        krate,
        file: &rel,
        module: module.to_vec(),
        self_ty: None,
        test,
        out: Vec::new(),
    };
    for item in &file.items {
        v.visit_item(item);
    }
    out.append(&mut v.out);
    // The module files this one declares.
    for item in &file.items {
        if let syn::Item::Mod(m) = item {
            if m.content.is_some() {
                continue;
            }
            let child = declared
                .iter()
                .find(|(_, (parent, name))| parent == path && m.ident == name)
                .map(|(child, _)| child.clone());
            if let Some(child) = child {
                if let Some(child_file) = parsed.get(&child) {
                    let mut sub = module.to_vec();
                    sub.push(m.ident.to_string());
                    walk_module(
                        root,
                        parsed,
                        declared,
                        &child,
                        child_file,
                        krate,
                        &sub,
                        test || is_test_cfg(&m.attrs) || m.ident == "tests",
                        out,
                    );
                }
            }
        }
    }
}

/// The doc comment of `attrs`, one entry per `///` line.
pub fn docs(attrs: &[syn::Attribute]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let line = a.span().start().line;
                let value = s.value();
                let text = value.strip_prefix(' ').unwrap_or(&value);
                // A `/** */` block is one attribute of several lines.
                for (i, l) in text.split('\n').enumerate() {
                    out.push((line + i, l.trim_end().to_string()));
                }
            }
        }
    }
    out
}

struct Collector<'a> {
    krate: &'a str,
    file: &'a str,
    module: Vec<String>,
    self_ty: Option<String>,
    test: bool,
    out: Vec<RItem>,
}

impl Collector<'_> {
    fn push(
        &mut self,
        name: &str,
        kind: &'static str,
        name_line: usize,
        attrs: &[syn::Attribute],
        span: proc_macro2::Span,
    ) {
        let mut path = self.module.clone();
        if let Some(t) = &self.self_ty {
            path.push(t.clone());
        }
        path.push(name.to_string());
        let start = attrs
            .iter()
            .map(|a| a.span().start().line)
            .chain([span.start().line, name_line])
            .min()
            .unwrap_or(name_line);
        self.out.push(RItem {
            krate: self.krate.to_string(),
            path: path.join("::"),
            kind,
            file: self.file.to_string(),
            line: name_line,
            start,
            end: span.end().line.max(name_line),
            doc: docs(attrs),
            test: self.test,
        });
    }

    fn fields(&mut self, owner: &str, fields: &syn::Fields) {
        let saved = self.self_ty.replace(owner.to_string());
        for (i, f) in fields.iter().enumerate() {
            let name = f
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), |id| id.to_string());
            let line = f
                .ident
                .as_ref()
                .map_or(f.span().start().line, |id| id.span().start().line);
            self.push(&name, "field", line, &f.attrs, f.span());
        }
        self.self_ty = saved;
    }
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => "_".to_string(),
    }
}

/// The name of a macro invocation item: the first identifier of `module_param*!(NAME, ...)`,
/// else `macro!`.
fn macro_item_name(m: &syn::ItemMacro) -> (String, &'static str) {
    let mac_name = m
        .mac
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    if mac_name.starts_with("module_param") {
        if let Some(proc_macro2::TokenTree::Ident(id)) = m.mac.tokens.clone().into_iter().next() {
            return (id.to_string(), "module parameter");
        }
    }
    (format!("{mac_name}!"), "macro")
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.push(
            &i.sig.ident.to_string(),
            "fn",
            i.sig.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
    }

    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        let name = i.ident.to_string();
        self.push(
            &name,
            "struct",
            i.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
        self.fields(&name, &i.fields);
    }

    fn visit_item_union(&mut self, i: &'ast syn::ItemUnion) {
        let name = i.ident.to_string();
        self.push(
            &name,
            "union",
            i.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
        self.fields(&name, &syn::Fields::Named(i.fields.clone()));
    }

    fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
        let name = i.ident.to_string();
        self.push(
            &name,
            "enum",
            i.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
        let saved = self.self_ty.replace(name);
        for v in &i.variants {
            self.push(
                &v.ident.to_string(),
                "variant",
                v.ident.span().start().line,
                &v.attrs,
                v.span(),
            );
        }
        self.self_ty = saved;
    }

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.push(
            &i.ident.to_string(),
            "const",
            i.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.push(
            &i.ident.to_string(),
            "static",
            i.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
    }

    fn visit_item_type(&mut self, i: &'ast syn::ItemType) {
        self.push(
            &i.ident.to_string(),
            "type",
            i.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
    }

    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        let name = i.ident.to_string();
        self.push(
            &name,
            "trait",
            i.ident.span().start().line,
            &i.attrs,
            i.span(),
        );
        let saved = self.self_ty.replace(name);
        for item in &i.items {
            match item {
                syn::TraitItem::Fn(f) => self.push(
                    &f.sig.ident.to_string(),
                    "fn",
                    f.sig.ident.span().start().line,
                    &f.attrs,
                    f.span(),
                ),
                syn::TraitItem::Const(c) => self.push(
                    &c.ident.to_string(),
                    "const",
                    c.ident.span().start().line,
                    &c.attrs,
                    c.span(),
                ),
                syn::TraitItem::Type(t) => self.push(
                    &t.ident.to_string(),
                    "type",
                    t.ident.span().start().line,
                    &t.attrs,
                    t.span(),
                ),
                _ => {}
            }
        }
        self.self_ty = saved;
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self.self_ty.replace(type_name(&i.self_ty));
        for item in &i.items {
            match item {
                syn::ImplItem::Fn(f) => self.push(
                    &f.sig.ident.to_string(),
                    "fn",
                    f.sig.ident.span().start().line,
                    &f.attrs,
                    f.span(),
                ),
                syn::ImplItem::Const(c) => self.push(
                    &c.ident.to_string(),
                    "const",
                    c.ident.span().start().line,
                    &c.attrs,
                    c.span(),
                ),
                _ => {}
            }
        }
        self.self_ty = saved;
    }

    fn visit_item_macro(&mut self, i: &'ast syn::ItemMacro) {
        let (name, kind) = match &i.ident {
            Some(id) => (format!("{id}!"), "macro_rules"),
            None => macro_item_name(i),
        };
        self.push(&name, kind, i.span().start().line, &i.attrs, i.span());
    }

    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        // `mod x;` is walked through its file; an inline module here.
        if let Some((_, items)) = &i.content {
            let name = i.ident.to_string();
            self.push(
                &name,
                "mod",
                i.ident.span().start().line,
                &i.attrs,
                i.span(),
            );
            let saved_test = self.test;
            self.test = self.test || is_test_cfg(&i.attrs) || i.ident == "tests";
            self.module.push(name);
            for item in items {
                self.visit_item(item);
            }
            self.module.pop();
            self.test = saved_test;
        }
    }

    fn visit_item(&mut self, i: &'ast syn::Item) {
        visit::visit_item(self, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_paths_lines_and_docs() {
        let dir = std::env::temp_dir().join(format!("snd-review-rsrc-{}", std::process::id()));
        let krate = dir.join("k");
        fs::create_dir_all(krate.join("sub")).unwrap();
        fs::write(
            krate.join("k.rs"),
            "//! The crate.\n//! C: `k.c`.\npub mod a;\npub mod sub;\nsnd::module_param_int!(SIZE, size, 1, 0o644, \"x\");\n",
        )
        .unwrap();
        fs::write(
            krate.join("a.rs"),
            "/// One.\n/// C: `one()`.\npub fn one() {}\n\npub struct S {\n    /// C: `s->x`.\n    pub x: u32,\n}\n\nimpl Tr for S {\n    /// C: `two()`.\n    fn two(&self) {}\n}\n#[cfg(CONFIG_SND_RS_KUNIT_TEST)]\nmod tests {\n    /// C: `three()`.\n    fn t() {}\n}\n",
        )
        .unwrap();
        fs::write(krate.join("sub.rs"), "pub mod inner;\n").unwrap();
        fs::write(krate.join("sub/inner.rs"), "pub const C: u32 = 1;\n").unwrap();
        let (items, errors) = parse_crate(&dir, "k", false).unwrap();
        assert!(errors.is_empty());
        let got: Vec<String> = items
            .iter()
            .map(|i| format!("{} {} {}:{}-{}", i.full(), i.kind, i.file, i.start, i.end))
            .collect();
        assert_eq!(
            got,
            [
                "k mod k/k.rs:1-5",
                "k::SIZE module parameter k/k.rs:5-5",
                "k::a mod k/a.rs:1-18",
                "k::a::one fn k/a.rs:1-3",
                "k::a::S struct k/a.rs:5-8",
                "k::a::S::x field k/a.rs:6-7",
                "k::a::S::two fn k/a.rs:11-12",
                "k::a::tests mod k/a.rs:14-18",
                "k::a::tests::t fn k/a.rs:16-17",
                "k::sub mod k/sub.rs:1-1",
                "k::sub::inner mod k/sub/inner.rs:1-1",
                "k::sub::inner::C const k/sub/inner.rs:1-1",
            ]
        );
        let one = items.iter().find(|i| i.path == "a::one").unwrap();
        assert_eq!(
            one.doc,
            [(1, "One.".to_string()), (2, "C: `one()`.".to_string())]
        );
        assert!(items.iter().find(|i| i.path == "a::tests::t").unwrap().test);
        assert!(!one.test);
        fs::remove_dir_all(&dir).unwrap();
    }
}
