//! Dependency sources, read on demand as `--python-path` is for Python: the
//! library of every crate that holds a Rust role's trait (its defaults, its
//! blanket and forwarding impls). Their facts are marked `library`: they
//! decide verdicts, they get none and no finding.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::model::{FileFacts, Language};
use crate::packs::Packs;

/// A dependency's library: its crate name and root file (from `cargo
/// metadata`, `crate::cargo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Library {
    pub crate_name: String,
    pub root: PathBuf,
}

/// At most this many files are read from one dependency.
const MAX_FILES: usize = 5000;

/// The crates the Rust roles' traits live in.
pub fn wanted(packs: &Packs) -> Vec<String> {
    let mut crates: Vec<String> = packs
        .roles(Language::Rust)
        .flat_map(|r| std::iter::once(&r.root).chain(r.async_trait.as_ref()))
        .map(|path| super::resolve::crate_of(path).to_owned())
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

/// Facts for every `.rs` file under the directory of each wanted library's
/// root, and the path each was read from. Call on a rayon pool.
pub fn load(packs: &Packs, libraries: &[Library], cwd: &Path) -> Vec<(FileFacts, PathBuf)> {
    let wanted = wanted(packs);
    let mut paths = Vec::new();
    for library in libraries {
        if !wanted.contains(&library.crate_name) {
            continue;
        }
        if let Some(dir) = library.root.parent() {
            let mut found = Vec::new();
            rust_files(dir, &mut found);
            paths.extend(found);
        }
    }
    paths.sort();
    paths.dedup();
    paths
        .into_par_iter()
        .map(|path| {
            let display = crate::discover::display_path(cwd, &path);
            let mut facts = super::extract(&display, &path);
            facts.library = true;
            (facts, path)
        })
        .collect()
}

/// `.rs` files under `dir`, symlinks not followed.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut work = vec![dir.to_path_buf()];
    while let Some(dir) = work.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if out.len() >= MAX_FILES {
                return;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                work.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
}
