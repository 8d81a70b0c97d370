// SPDX-License-Identifier: GPL-2.0
//! snd-review: the backport review tool of snd-rs (`make review-map`, `make review`).

use snd_review::project::{default_cache, Project, MAP_DOC, MAP_FILE};
use snd_review::{cdiff_report, mapdoc, review};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: snd-review [--root DIR] [--tree DIR] [--cache DIR] COMMAND

  map [--write]            print the map (C definition -> Rust items); --write also
                           updates docs/review-map.md
  check                    fail (exit 1) when the map is incomplete, a tag names a C
                           function that does not exist, a map entry or verdict names
                           nothing, or docs/review-map.md is stale
  patch FILE [--report OUT.md] [--summary] [--width N]
                           review a C patch (a diff, or a mail with one): the C
                           functions each hunk touches, their Rust, side by side, the
                           recorded verdict, a checklist
  cdiff OLD.c NEW.c        the definitions that changed between two versions of a C
                           original, and the Rust items to revisit

--root: the snd-rs clone (default: the directory holding tools/review/map.toml, from
the current one up); --cache: SND_RS_CACHE, else $XDG_CACHE_HOME/snd-rs or
~/.cache/snd-rs; --tree: the prepared kernel tree (default: CACHE/linux-src).
";

fn find_root() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        if dir.join(MAP_FILE).exists() {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("snd-review: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut take = |flag: &str| -> Option<String> {
        let i = args.iter().position(|a| a == flag)?;
        args.remove(i);
        (i < args.len()).then(|| args.remove(i))
    };
    let root = take("--root").map(PathBuf::from);
    let tree = take("--tree").map(PathBuf::from);
    let cache = take("--cache")
        .map(PathBuf::from)
        .unwrap_or_else(default_cache);
    let report = take("--report").map(PathBuf::from);
    let width = take("--width").and_then(|w| w.parse().ok());
    let flag = |args: &mut Vec<String>, f: &str| -> bool {
        let before = args.len();
        args.retain(|a| a != f);
        args.len() != before
    };
    let write = flag(&mut args, "--write");
    let summary = flag(&mut args, "--summary");
    let Some(cmd) = args.first().cloned() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    if cmd == "-h" || cmd == "--help" || cmd == "help" {
        print!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    let root = match root {
        Some(r) => r,
        None => find_root().ok_or("no tools/review/map.toml here or above: give --root")?,
    };
    let tree = tree.unwrap_or_else(|| cache.join("linux-src"));
    let load = || Project::load(&root, &tree, Some(&cache));
    match (cmd.as_str(), &args[1..]) {
        ("map", []) => {
            let p = load()?;
            print!("{}", mapdoc::terminal(&p));
            if write {
                let doc = mapdoc::markdown(&p);
                let path = root.join(MAP_DOC);
                let old = std::fs::read_to_string(&path).unwrap_or_default();
                if old == doc {
                    println!("{MAP_DOC}: up to date");
                } else {
                    std::fs::write(&path, doc).map_err(|e| format!("{MAP_DOC}: {e}"))?;
                    println!("{MAP_DOC}: updated");
                }
            }
            let problems = mapdoc::check(&p);
            let (stale, other): (Vec<_>, Vec<_>) = problems.iter().partition(|pr| pr.at == MAP_DOC);
            if !other.is_empty() || (!write && !stale.is_empty()) {
                for pr in &problems {
                    eprintln!("{}: {}", pr.at, pr.what);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ("check", []) => {
            let p = load()?;
            let problems = mapdoc::check(&p);
            if problems.is_empty() {
                let rows = p.rows.len();
                let tags: usize = p.tags.iter().map(Vec::len).sum();
                println!(
                    "review map: {rows} C definitions of {} files mapped, {tags} tags checked, {MAP_DOC} current",
                    p.units.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            for pr in &problems {
                eprintln!("{}: {}", pr.at, pr.what);
            }
            eprintln!(
                "review map: {} problem{} ({MAP_FILE}, the `/// C:` tags, {MAP_DOC}; see docs/review.md)",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::from(1))
        }
        ("patch", [file]) => {
            let p = load()?;
            let text = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
            let text = String::from_utf8_lossy(&text);
            let name = Path::new(file)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let r = review::review(&p, &name, &text);
            if summary {
                print!("{}", review::summary(&p, &r));
                return Ok(ExitCode::SUCCESS);
            }
            let width = width
                .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
                .unwrap_or(160);
            print!("{}", review::terminal(&p, &r, width));
            let out = report.unwrap_or_else(|| {
                cache
                    .join("review")
                    .join(format!("{}.md", review::slug(&r)))
            });
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            std::fs::write(&out, review::markdown(&p, &r))
                .map_err(|e| format!("{}: {e}", out.display()))?;
            println!("markdown report: {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        ("cdiff", [old, new]) => {
            let p = load()?;
            let read = |f: &String| -> Result<String, String> {
                std::fs::read(f)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .map_err(|e| format!("{f}: {e}"))
            };
            print!(
                "{}",
                cdiff_report::report(&p, old, &read(old)?, new, &read(new)?)
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprint!("{USAGE}");
            Ok(ExitCode::from(2))
        }
    }
}
