//! Dependency sources, read on demand as `--python-path` is for Python: the
//! library of every crate that holds a Rust role's trait (its defaults, its
//! blanket and forwarding impls). Their facts are marked `library`: they
//! decide verdicts, they get none and no finding.

use std::collections::{BTreeSet, HashMap};
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

/// At most this many rounds of following supertraits into further crates.
const MAX_ROUNDS: usize = 8;

/// Facts for every `.rs` file under the directory of each wanted library's
/// root, and the path each was read from; then, round by round, of every
/// library that declares a supertrait of a role trait read so far (the
/// role's entries and their defaults may be declared there). Call on a
/// rayon pool.
pub fn load(packs: &Packs, libraries: &[Library], cwd: &Path) -> Vec<(FileFacts, PathBuf)> {
    let mut wanted = wanted(packs);
    // The traits whose supertraits are followed, by name: a path's last
    // segment is all that is known before the files are linked.
    let mut chased: BTreeSet<String> = packs
        .roles(Language::Rust)
        .flat_map(|r| std::iter::once(&r.root).chain(r.async_trait.as_ref()))
        .map(|path| path.rsplit("::").next().unwrap_or(path).to_owned())
        .collect();
    let mut loaded: Vec<(FileFacts, PathBuf, usize)> = Vec::new();
    let mut read: BTreeSet<usize> = BTreeSet::new();
    let mut renames: HashMap<usize, HashMap<String, String>> = HashMap::new();
    for _ in 0..MAX_ROUNDS {
        let fresh: Vec<usize> = libraries
            .iter()
            .enumerate()
            .filter(|(i, l)| !read.contains(i) && wanted.contains(&l.crate_name))
            .map(|(i, _)| i)
            .collect();
        if fresh.is_empty() {
            break;
        }
        read.extend(&fresh);
        for &i in &fresh {
            renames.insert(i, renamed(&libraries[i]));
        }
        loaded.extend(read_libraries(libraries, &fresh, cwd));
        // Grows `chased` until no trait adds a name, then asks for the
        // crates the chased traits' supertraits live in.
        loop {
            let before = chased.len();
            let mut crates = Vec::new();
            for (facts, _, library) in &loaded {
                let renames = renames.get(library);
                supertrait_crates(facts, renames, &mut chased, &mut crates);
            }
            for name in crates {
                if !wanted.contains(&name) {
                    wanted.push(name);
                }
            }
            if chased.len() == before {
                break;
            }
        }
    }
    loaded
        .into_iter()
        .map(|(facts, path, _)| (facts, path))
        .collect()
}

/// Facts of every `.rs` file of these libraries, each with its library.
fn read_libraries(
    libraries: &[Library],
    which: &[usize],
    cwd: &Path,
) -> Vec<(FileFacts, PathBuf, usize)> {
    let mut paths: Vec<(PathBuf, usize)> = Vec::new();
    for &i in which {
        if let Some(dir) = libraries[i].root.parent() {
            let mut found = Vec::new();
            rust_files(dir, &mut found);
            paths.extend(found.into_iter().map(|p| (p, i)));
        }
    }
    paths.sort();
    paths.dedup_by(|a, b| a.0 == b.0);
    paths
        .into_par_iter()
        .map(|(path, library)| {
            let display = crate::discover::display_path(cwd, &path);
            let mut facts = super::extract(&display, &path);
            facts.library = true;
            (facts, path, library)
        })
        .collect()
}

/// For each trait of `facts` named in `chased`: adds its supertraits' names
/// to `chased` and the crates they are written in to `crates` (a `use`
/// followed one step, a dependency renamed in the library's manifest
/// undone).
fn supertrait_crates(
    facts: &FileFacts,
    renames: Option<&HashMap<String, String>>,
    chased: &mut BTreeSet<String>,
    crates: &mut Vec<String>,
) {
    let Some(rust) = facts.rust.as_deref() else {
        return;
    };
    let mut names = Vec::new();
    for t in rust.traits.iter().filter(|t| chased.contains(&t.name)) {
        let Some(module) = rust.modules.get(t.module) else {
            continue;
        };
        for path in &t.supertraits {
            let Some(last) = path.last() else {
                continue;
            };
            names.push(last.clone());
            let first = &path[0];
            let mut heads: Vec<&str> = Vec::new();
            match module.uses.get(first) {
                Some(bound) => {
                    // `use base::Runnable as Run;`: the trait is `Runnable` there.
                    if path.len() == 1 {
                        names.extend(bound.iter().filter_map(|u| u.path.last()).cloned());
                    }
                    heads.extend(
                        bound
                            .iter()
                            .filter_map(|u| u.path.first())
                            .map(String::as_str),
                    )
                }
                // A name no `use` binds: written from a crate's root, or
                // brought by a glob.
                None if path.len() > 1 => heads.push(first),
                None => heads.extend(
                    module
                        .globs
                        .iter()
                        .filter_map(|u| u.path.first())
                        .map(String::as_str),
                ),
            }
            for head in heads {
                if matches!(head, "crate" | "self" | "super" | "std" | "core" | "alloc") {
                    continue;
                }
                let head = head.trim_start_matches("r#");
                let real = renames.and_then(|r| r.get(head));
                crates.push(real.cloned().unwrap_or_else(|| head.to_owned()));
            }
        }
    }
    chased.extend(names);
}

/// The dependencies a library's manifest renames (`base = { package =
/// "basefw" }`): key -> crate name.
fn renamed(library: &Library) -> HashMap<String, String> {
    let manifests = super::crates::discover(std::slice::from_ref(&library.root));
    manifests
        .owner(&library.root)
        .and_then(|dir| manifests.renames.get(dir))
        .cloned()
        .unwrap_or_default()
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
