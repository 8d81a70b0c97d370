// SPDX-License-Identifier: GPL-2.0
//! The project as the review tool sees it: the C originals (from the prepared kernel tree),
//! the Rust crates (from the clone), and the map between them — `C:` tags in Rust docs plus
//! `tools/review/map.toml` for the C that has no tagged item.

use crate::csrc::{CFile, Kind};
use crate::locate::{self, Located};
use crate::patch;
use crate::rsrc::{self, RItem};
use crate::tags::{self, Ref};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The map file, relative to the repository.
pub const MAP_FILE: &str = "tools/review/map.toml";
/// The generated map document, relative to the repository.
pub const MAP_DOC: &str = "docs/review-map.md";
/// The recorded verdicts, relative to the repository.
pub const VERDICT_DIR: &str = "docs/backports";

/// `tools/review/map.toml`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The C files snd-rs reimplements.
    pub original: Vec<OriginalCfg>,
    /// The C callers a patch of the series changes.
    pub callers: Option<CallersCfg>,
    /// Where the Rust is.
    pub rust: RustCfg,
    /// What a tag may name besides the originals.
    pub kernel: KernelCfg,
    /// Entries for C without a tagged Rust item: file → key → entry.
    #[serde(default)]
    pub map: BTreeMap<String, BTreeMap<String, MapEntry>>,
}

/// One C original.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct OriginalCfg {
    /// Its path in the kernel tree.
    pub c: String,
    /// The Rust crate's directory in the repository.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The C module and the Rust module.
    pub modules: Vec<String>,
}

/// The callers a patch changes: the functions its hunks touch are in the map.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct CallersCfg {
    /// The patch, a glob of one `*` (`patches/0006-*.patch`).
    pub patch: String,
    /// The Rust crate they reach.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The C module and the Rust module.
    pub modules: Vec<String>,
}

/// Where the Rust is.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RustCfg {
    /// Crates whose items enter the map.
    pub crates: Vec<String>,
    /// Directories of test crates: their tags are checked, their items never mapped.
    #[serde(default)]
    pub tests: Vec<String>,
}

/// The kernel directories (of the prepared tree) whose functions a tag may name.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct KernelCfg {
    /// Directories, relative to the tree.
    pub index: Vec<String>,
    /// Directories of this repository placed in the tree (`rust/helpers`): read from the
    /// clone, since the tree holds whatever clone ran `make tree` last.
    #[serde(default)]
    pub ours: Vec<String>,
}

/// A map file entry.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct MapEntry {
    /// Rust items (`crate::path`, the shortest unique suffix).
    #[serde(default)]
    pub rust: Vec<String>,
    /// How they cover it ("merged into ...").
    pub note: Option<String>,
    /// No counterpart, and why.
    pub none: Option<String>,
}

/// Why a C file is in the map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// A C original.
    Original,
    /// A caller the patch changes; only the definitions it touches are in scope.
    Caller {
        /// The patch, relative to the repository.
        patch: String,
    },
}

/// One C file of the map.
pub struct Unit {
    /// Its path in the kernel tree.
    pub c: String,
    /// The Rust crate's directory.
    pub crate_dir: String,
    /// The crate's name.
    pub krate: String,
    /// The C module and the Rust module.
    pub modules: Vec<String>,
    /// The parsed C.
    pub file: CFile,
    /// Why it is here.
    pub role: Role,
    /// Indices into `file.defs` of the definitions in the map.
    pub scope: Vec<usize>,
}

/// How an entry came about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A `C:` tag on the item, at this doc line.
    Tag(usize),
    /// The map file, with its note.
    Map(Option<String>),
    /// No counterpart (map file), with the reason.
    None(String),
}

/// One Rust item (or none) for one C definition.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Index into `Project::items`.
    pub item: Option<usize>,
    /// How.
    pub via: Via,
}

/// One C definition and its entries.
pub struct Row {
    /// Index into `Project::units`.
    pub unit: usize,
    /// Index into the unit's `file.defs`.
    pub def: usize,
    /// Its entries.
    pub entries: Vec<Entry>,
}

/// Something `make test` fails on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// `file:line` or `file`.
    pub at: String,
    /// What is wrong, and what to do.
    pub what: String,
}

/// Everything loaded.
pub struct Project {
    /// The repository.
    pub root: PathBuf,
    /// The prepared kernel tree.
    pub tree: PathBuf,
    /// The cache directory (for the kernel index), if any.
    pub cache: Option<PathBuf>,
    /// The map file.
    pub config: Config,
    /// The C files of the map.
    pub units: Vec<Unit>,
    /// Every Rust item of the configured crates (test crates included).
    pub items: Vec<RItem>,
    /// The tags of each item.
    pub tags: Vec<Vec<tags::Tag>>,
    /// The map.
    pub rows: Vec<Row>,
    /// Problems found while loading and mapping (the kernel index is checked by `check`).
    pub problems: Vec<Problem>,
    /// Functions named by tags that are in no C file of the map: (item, tag line, name).
    pub foreign_refs: Vec<(usize, usize, String)>,
    /// The tree's linux-source version, if recorded.
    pub tree_version: Option<String>,
}

/// The definitions a located hunk touches: those covering a changed line, or both lines a
/// change lies between (a change between two definitions touches neither).
pub fn touched(file: &CFile, loc: &Located) -> Vec<usize> {
    let mut out = BTreeSet::new();
    for (i, d) in file.defs.iter().enumerate() {
        let hit = loc.changed.iter().any(|&l| d.covers(l))
            || loc.between.iter().any(|&(b, a)| match (b, a) {
                (Some(b), Some(a)) => d.covers(b) && d.covers(a),
                (Some(x), None) | (None, Some(x)) => d.covers(x),
                (None, None) => false,
            });
        if hit {
            out.insert(i);
        }
    }
    out.into_iter().collect()
}

/// The cache directory as scripts/common.sh finds it: `SND_RS_CACHE`, else
/// `$XDG_CACHE_HOME/snd-rs`, else `~/.cache/snd-rs`.
pub fn default_cache() -> PathBuf {
    if let Some(c) = std::env::var_os("SND_RS_CACHE").filter(|c| !c.is_empty()) {
        return PathBuf::from(c);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
        });
    base.join("snd-rs")
}

/// Expands one `*` in `pattern` (relative to `root`).
pub fn glob_one(root: &Path, pattern: &str) -> Result<String, String> {
    let (dir, name) = pattern.rsplit_once('/').unwrap_or((".", pattern));
    let (pre, post) = name.split_once('*').unwrap_or((name, ""));
    let mut found: Vec<String> = fs::read_dir(root.join(dir))
        .map_err(|e| format!("{dir}: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(pre)
                && n.ends_with(post)
                && n.len() >= pre.len() + post.len()
                && (name.contains('*') || n == name)
        })
        .collect();
    found.sort();
    match found.as_slice() {
        [one] => Ok(format!("{dir}/{one}")),
        [] => Err(format!("{pattern}: no such file")),
        _ => Err(format!("{pattern}: matches {}", found.join(", "))),
    }
}

impl Project {
    /// Loads the map file, the C of the tree, the Rust of the clone, and maps them.
    pub fn load(root: &Path, tree: &Path, cache: Option<&Path>) -> Result<Project, String> {
        let map_path = root.join(MAP_FILE);
        let text =
            fs::read_to_string(&map_path).map_err(|e| format!("{}: {e}", map_path.display()))?;
        let config: Config = toml::from_str(&text).map_err(|e| format!("{MAP_FILE}: {e}"))?;
        if !tree.join("Makefile").exists() {
            return Err(format!(
                "no prepared kernel tree at {} (run `make tree`, or set SND_RS_CACHE)",
                tree.display()
            ));
        }
        let tree_version = fs::read_to_string(tree.join(".snd-rs/deb-version"))
            .ok()
            .map(|s| s.trim().to_string());
        let mut problems = Vec::new();
        let mut units = Vec::new();
        for o in &config.original {
            let file = read_c(tree, &o.c)?;
            let scope = (0..file.defs.len()).collect();
            units.push(Unit {
                c: o.c.clone(),
                crate_dir: o.krate.clone(),
                krate: crate_name(&o.krate),
                modules: o.modules.clone(),
                file,
                role: Role::Original,
                scope,
            });
        }
        if let Some(callers) = &config.callers {
            let patch_path = glob_one(root, &callers.patch)?;
            let text = fs::read_to_string(root.join(&patch_path))
                .map_err(|e| format!("{patch_path}: {e}"))?;
            let p = patch::parse(&text);
            for fp in &p.files {
                let path = fp.path();
                if !path.ends_with(".c") || config.original.iter().any(|o| o.c == path) {
                    continue;
                }
                let file = read_c(tree, path)?;
                let lines: Vec<&str> = file.text.lines().collect();
                let mut scope = BTreeSet::new();
                for h in &fp.hunks {
                    // The tree has the series applied: each hunk's new side is there.
                    let loc = locate::locate(h, &lines, 0);
                    if loc.status == locate::Status::NotFound {
                        problems.push(Problem {
                            at: format!("{patch_path}: {path} {}", h.header()),
                            what: "hunk not found in the prepared tree".into(),
                        });
                    }
                    scope.extend(touched(&file, &loc));
                }
                units.push(Unit {
                    c: path.to_string(),
                    crate_dir: callers.krate.clone(),
                    krate: crate_name(&callers.krate),
                    modules: callers.modules.clone(),
                    file,
                    role: Role::Caller {
                        patch: patch_path.clone(),
                    },
                    scope: scope.into_iter().collect(),
                });
            }
        }
        let mut items = Vec::new();
        for (dir, test) in config
            .rust
            .crates
            .iter()
            .map(|d| (d, false))
            .chain(config.rust.tests.iter().map(|d| (d, true)))
        {
            let (mut it, errs) = rsrc::parse_crate(root, dir, test)?;
            for e in errs {
                problems.push(Problem {
                    at: e.file,
                    what: format!("does not parse: {}", e.message),
                });
            }
            items.append(&mut it);
        }
        let tags: Vec<Vec<tags::Tag>> = items.iter().map(|i| tags::tags(&i.doc)).collect();
        let mut project = Project {
            root: root.to_path_buf(),
            tree: tree.to_path_buf(),
            cache: cache.map(Path::to_path_buf),
            config,
            units,
            items,
            tags,
            rows: Vec::new(),
            problems,
            foreign_refs: Vec::new(),
            tree_version,
        };
        project.map();
        Ok(project)
    }

    /// The units of the crate in `dir`.
    fn units_of_crate(&self, dir: &str) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&u| self.units[u].crate_dir == dir)
            .collect()
    }

    /// The crate directory an item belongs to.
    fn crate_dir_of(&self, item: &RItem) -> Option<&str> {
        self.config
            .rust
            .crates
            .iter()
            .chain(&self.config.rust.tests)
            .find(|d| item.file.starts_with(&format!("{d}/")))
            .map(String::as_str)
    }

    fn map(&mut self) {
        // unit, def -> entries
        let mut entries: BTreeMap<(usize, usize), Vec<Entry>> = BTreeMap::new();
        let mut foreign = Vec::new();
        for (ii, item) in self.items.iter().enumerate() {
            let own = self
                .crate_dir_of(item)
                .map(|d| self.units_of_crate(d))
                .unwrap_or_default();
            for tag in &self.tags[ii] {
                for r in &tag.refs {
                    let found: Vec<(usize, usize)> = match r {
                        Ref::Function(name) => {
                            let is_fn = |k: Kind| matches!(k, Kind::Function | Kind::Macro);
                            let search = |units: &mut dyn Iterator<Item = usize>| {
                                units
                                    .flat_map(|u| {
                                        self.units[u]
                                            .file
                                            .defs
                                            .iter()
                                            .enumerate()
                                            .filter(|(_, d)| &d.name == name && is_fn(d.kind))
                                            .map(move |(di, _)| (u, di))
                                    })
                                    .collect::<Vec<_>>()
                            };
                            let mine = search(&mut own.iter().copied());
                            if mine.is_empty() {
                                search(&mut (0..self.units.len()))
                            } else {
                                mine
                            }
                        }
                        Ref::Def(key) => own
                            .iter()
                            .filter_map(|&u| {
                                self.units[u]
                                    .file
                                    .defs
                                    .iter()
                                    .position(|d| d.key() == *key && d.kind != Kind::Function)
                                    .map(|di| (u, di))
                            })
                            .collect(),
                    };
                    if found.is_empty() {
                        if let Ref::Function(name) = r {
                            foreign.push((ii, tag.line, name.clone()));
                        }
                        continue;
                    }
                    if item.test {
                        continue;
                    }
                    for (u, di) in found {
                        if !self.units[u].scope.contains(&di) {
                            continue;
                        }
                        let list = entries.entry((u, di)).or_default();
                        if !list.iter().any(|e| e.item == Some(ii)) {
                            list.push(Entry {
                                item: Some(ii),
                                via: Via::Tag(tag.line),
                            });
                        }
                    }
                }
            }
        }
        self.foreign_refs = foreign;
        // The map file.
        let mut problems = Vec::new();
        for (file, table) in &self.config.map {
            let Some(u) = self.units.iter().position(|x| &x.c == file) else {
                problems.push(Problem {
                    at: MAP_FILE.into(),
                    what: format!("[map.\"{file}\"]: not a C file of the map"),
                });
                continue;
            };
            for (key, e) in table {
                let unit = &self.units[u];
                let Some(di) = unit.file.defs.iter().position(|d| d.key() == *key) else {
                    problems.push(Problem {
                        at: MAP_FILE.into(),
                        what: format!("{file}: `{key}` is not defined there (renamed or gone?)"),
                    });
                    continue;
                };
                if !unit.scope.contains(&di) {
                    problems.push(Problem {
                        at: MAP_FILE.into(),
                        what: format!(
                            "{file}: `{key}` is not in the map's scope (untouched by the patch)"
                        ),
                    });
                    continue;
                }
                let list = entries.entry((u, di)).or_default();
                match (&e.none, e.rust.is_empty()) {
                    (Some(reason), true) => {
                        if let Some(tagged) = list.iter().find(|x| matches!(x.via, Via::Tag(_))) {
                            let it = tagged
                                .item
                                .map(|i| self.items[i].location())
                                .unwrap_or_default();
                            problems.push(Problem {
                                at: MAP_FILE.into(),
                                what: format!(
                                    "{file}: `{key}` is marked \"no counterpart\" but {it} has a tag naming it"
                                ),
                            });
                        }
                        list.push(Entry {
                            item: None,
                            via: Via::None(reason.clone()),
                        });
                    }
                    (None, false) => {
                        for r in &e.rust {
                            match resolve(&self.items, r) {
                                Ok(ii) => {
                                    if !list.iter().any(|x| x.item == Some(ii)) {
                                        list.push(Entry {
                                            item: Some(ii),
                                            via: Via::Map(e.note.clone()),
                                        });
                                    }
                                }
                                Err(what) => problems.push(Problem {
                                    at: MAP_FILE.into(),
                                    what: format!("{file}: `{key}`: {what}"),
                                }),
                            }
                        }
                    }
                    _ => problems.push(Problem {
                        at: MAP_FILE.into(),
                        what: format!(
                            "{file}: `{key}`: give either `rust = [...]` or `none = \"reason\"`"
                        ),
                    }),
                }
            }
        }
        let mut rows = Vec::new();
        for (u, unit) in self.units.iter().enumerate() {
            for &di in &unit.scope {
                let list = entries.remove(&(u, di)).unwrap_or_default();
                if list.is_empty() {
                    let d = &unit.file.defs[di];
                    problems.push(Problem {
                        at: format!("{}:{}", unit.c, d.start()),
                        what: format!(
                            "{} `{}` has no Rust item and no map entry: tag the Rust item that does it (`/// C: {}`) or add it to {MAP_FILE} (`rust = [...]` or `none = \"why\"`)",
                            d.kind.word(),
                            d.key(),
                            tag_form(d.kind, &d.name)
                        ),
                    });
                }
                rows.push(Row {
                    unit: u,
                    def: di,
                    entries: list,
                });
            }
        }
        self.problems.extend(problems);
        self.rows = rows;
    }

    /// The rows of unit `u`.
    pub fn rows_of(&self, u: usize) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.unit == u)
    }

    /// The row of definition `key` of the unit for C file `c`.
    pub fn row(&self, c: &str, key: &str) -> Option<&Row> {
        let u = self.units.iter().position(|x| x.c == c)?;
        self.rows
            .iter()
            .find(|r| r.unit == u && self.units[u].file.defs[r.def].key() == key)
    }

    /// The unit of C file `c`.
    pub fn unit(&self, c: &str) -> Option<&Unit> {
        self.units.iter().find(|x| x.c == c)
    }

    /// Rust items (not tests) whose tags name function `name`, wherever it is defined (the
    /// `snd` layer's wrappers of the ALSA core).
    pub fn items_naming(&self, name: &str) -> Vec<usize> {
        (0..self.items.len())
            .filter(|&i| {
                !self.items[i].test
                    && self.tags[i]
                        .iter()
                        .any(|t| t.refs.contains(&Ref::Function(name.to_string())))
            })
            .collect()
    }
}

/// How a tag names a definition of `kind`.
pub fn tag_form(kind: Kind, name: &str) -> String {
    match kind {
        Kind::Function => format!("`{name}()`"),
        Kind::Struct => format!("`struct {name}`"),
        _ => format!("`{name}`"),
    }
}

fn crate_name(dir: &str) -> String {
    Path::new(dir)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_c(tree: &Path, rel: &str) -> Result<CFile, String> {
    let path = tree.join(rel);
    let text = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(CFile::parse(rel, &String::from_utf8_lossy(&text)))
}

/// The item `reference` names: `crate::path`, where the path may be any suffix of the item's
/// path in the crate (`aloop::check_format` finds `aloop::pcm_ops::check_format`), so items
/// may move between modules. Test items never match.
pub fn resolve(items: &[RItem], reference: &str) -> Result<usize, String> {
    let (krate, rest) = reference.split_once("::").unwrap_or((reference, ""));
    let found: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            !i.test
                && i.krate == krate
                && (i.path == rest || i.path.ends_with(&format!("::{rest}")))
        })
        .map(|(n, _)| n)
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "`{reference}` names no Rust item (renamed or gone?)"
        )),
        many => {
            // An exact path wins over suffixes.
            if let Some(&exact) = many.iter().find(|&&n| items[n].path == rest) {
                return Ok(exact);
            }
            Err(format!(
                "`{reference}` is ambiguous: {}",
                many.iter()
                    .map(|&n| format!("{} ({})", items[n].full(), items[n].location()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}
