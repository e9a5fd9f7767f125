//! The module tree: from each crate root, follow `mod name;` declarations
//! to files the way rustc does (`name.rs` or `name/mod.rs` next to a mod-rs
//! file, under `stem/` next to any other file, `#[path]` relative to the
//! declaring file's directory, inline modules adding a directory level).
//! A file no crate reaches gets a module from its place under `src/`, or
//! from its own name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::model::FileId;

use super::crates::Crates;
use super::items::{ItemFact, RustFacts};

/// Where a file sits: its module path and whether it is a mod-rs file.
#[derive(Clone, Debug)]
pub struct Placement {
    pub module: String,
    pub is_package: bool,
    /// Whether a crate root reached it (otherwise the module is a guess from the layout).
    pub reached: bool,
    /// The `#[cfg]`s on the `mod` declarations (and enclosing inline
    /// modules) that lead to it from the crate root, outermost first.
    pub cfg: Vec<String>,
}

/// Places every file in `facts` (only those with Rust facts).
pub fn place(
    files: &[(FileId, PathBuf, &RustFacts)],
    crates: &Crates,
) -> HashMap<FileId, Placement> {
    let by_path: HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (_, path, _))| (path.as_path(), i))
        .collect();
    let mut placed: HashMap<usize, Placement> = HashMap::new();
    for root in &crates.roots {
        let Some(&index) = by_path.get(root.root.as_path()) else {
            continue;
        };
        if placed.contains_key(&index) {
            continue;
        }
        placed.insert(
            index,
            Placement {
                module: root.name.clone(),
                is_package: true,
                reached: true,
                cfg: Vec::new(),
            },
        );
        let mut work = vec![(index, root.name.clone(), true, Vec::new())];
        while let Some((index, module, mod_rs, cfg)) = work.pop() {
            let (_, path, facts) = &files[index];
            let dir = path.parent().unwrap_or(Path::new(""));
            // Where `mod x;` in this file's own module looks.
            let children_dir = if mod_rs {
                dir.to_path_buf()
            } else {
                dir.join(stem(path))
            };
            for module_facts in &facts.modules {
                for decl in &module_facts.mod_decls {
                    // Inline modules carry their own items; nothing to load.
                    if matches!(
                        facts.modules[decl.module].items.get(&decl.name),
                        Some(ItemFact::Module(_))
                    ) {
                        continue;
                    }
                    let rel = &facts.modules[decl.module].rel;
                    let mut base = children_dir.clone();
                    base.extend(rel);
                    let candidates: Vec<(PathBuf, bool)> = match &decl.path_attr {
                        Some(p) if rel.is_empty() => vec![(dir.join(p), true)],
                        Some(p) => vec![(base.join(p), true)],
                        None => vec![
                            (base.join(format!("{}.rs", decl.name)), false),
                            (base.join(&decl.name).join("mod.rs"), true),
                        ],
                    };
                    for (candidate, child_mod_rs) in candidates {
                        let Some(&child) = by_path.get(candidate.as_path()) else {
                            continue;
                        };
                        if placed.contains_key(&child) {
                            break;
                        }
                        let mut name = module.clone();
                        for part in rel.iter().chain(std::iter::once(&decl.name)) {
                            name.push_str("::");
                            name.push_str(part);
                        }
                        let is_mod_rs = child_mod_rs || candidate.ends_with("mod.rs");
                        let mut child_cfg = cfg.clone();
                        child_cfg.extend(module_cfgs(facts, decl.module));
                        child_cfg.extend(decl.cfg.clone());
                        placed.insert(
                            child,
                            Placement {
                                module: name.clone(),
                                is_package: is_mod_rs,
                                reached: true,
                                cfg: child_cfg.clone(),
                            },
                        );
                        work.push((child, name, is_mod_rs, child_cfg));
                        break;
                    }
                }
            }
        }
    }
    files
        .iter()
        .enumerate()
        .map(|(i, (id, path, _))| {
            let placement = placed.remove(&i).unwrap_or_else(|| guess(path, crates));
            (*id, placement)
        })
        .collect()
}

/// A module for a file no crate root reaches.
fn guess(path: &Path, crates: &Crates) -> Placement {
    let is_package = path.ends_with("mod.rs") || path.ends_with("lib.rs");
    if let Some(dir) = crates.owner(path) {
        if let Ok(rel) = path.strip_prefix(dir.join("src")) {
            let mut module = crates.libs[dir].clone();
            let parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            for (i, part) in parts.iter().enumerate() {
                let last = i + 1 == parts.len();
                if last && matches!(part.as_str(), "lib.rs" | "main.rs" | "mod.rs") {
                    break;
                }
                module.push_str("::");
                module.push_str(&identifier(part.strip_suffix(".rs").unwrap_or(part)));
            }
            return Placement {
                module,
                is_package,
                reached: false,
                cfg: Vec::new(),
            };
        }
    }
    let own = if path.ends_with("mod.rs") {
        path.parent().map(stem).unwrap_or_default()
    } else {
        stem(path)
    };
    Placement {
        module: identifier(&own),
        is_package,
        reached: false,
        cfg: Vec::new(),
    }
}

/// The `#[cfg]`s of an inline module and the inline modules around it, outermost first.
pub fn module_cfgs(facts: &RustFacts, module: usize) -> Vec<String> {
    let mut cfgs = Vec::new();
    let mut at = Some(module);
    while let Some(m) = at {
        cfgs.extend(facts.modules[m].cfg.clone());
        at = facts.modules[m].parent;
    }
    cfgs.reverse();
    cfgs
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn identifier(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if cleaned.is_empty() {
        "_".into()
    } else {
        cleaned
    }
}
