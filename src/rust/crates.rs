//! Crates from `Cargo.toml`: each manifest above an analyzed `.rs` file,
//! its targets (lib, bins, examples, tests, benches; declared or found by
//! Cargo's own layout rules), crate names (`[lib] name`, else the package
//! name with dashes as underscores) and renamed dependencies
//! (`rt = { package = "dispatchlint-runtime" }`). A virtual workspace
//! manifest has no targets; its members are found from their own files.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One crate: a root file and the name paths in it start with.
#[derive(Clone, Debug)]
pub struct CrateRoot {
    pub name: String,
    pub root: PathBuf,
    pub manifest_dir: PathBuf,
}

/// What the manifests say.
#[derive(Debug, Default)]
pub struct Crates {
    pub roots: Vec<CrateRoot>,
    /// Manifest directory -> the package's library crate name.
    pub libs: BTreeMap<PathBuf, String>,
    /// Manifest directory -> dependency key -> crate name, for renamed dependencies.
    pub renames: HashMap<PathBuf, HashMap<String, String>>,
}

impl Crates {
    /// The manifest directory that owns `file`: the nearest one above it.
    pub fn owner<'p>(&self, file: &'p Path) -> Option<&'p Path> {
        file.ancestors()
            .skip(1)
            .find(|dir| self.libs.contains_key(*dir))
    }
}

/// The manifests above each file (cached per directory), read once each.
pub fn discover(files: &[PathBuf]) -> Crates {
    let mut crates = Crates::default();
    let mut looked: HashMap<PathBuf, bool> = HashMap::new();
    for file in files {
        for dir in file.ancestors().skip(1) {
            if let Some(&has) = looked.get(dir) {
                if has {
                    break;
                }
                continue;
            }
            let manifest = dir.join("Cargo.toml");
            let has = manifest.is_file();
            looked.insert(dir.to_path_buf(), has);
            if has {
                read_manifest(dir, &manifest, &mut crates);
            }
        }
    }
    crates
}

fn crate_name(name: &str) -> String {
    name.replace('-', "_")
}

fn read_manifest(dir: &Path, manifest: &Path, crates: &mut Crates) {
    let Ok(text) = crate::untrusted::read_text(manifest, crate::untrusted::CONFIG_LIMIT) else {
        return;
    };
    let Ok(value) = text.parse::<toml::Table>() else {
        return;
    };
    let Some(package) = value.get("package").and_then(|p| p.get("name")) else {
        // A virtual workspace manifest: members have manifests of their own.
        return;
    };
    let package = package.as_str().unwrap_or_default().to_owned();
    let lib = value.get("lib");
    let lib_name = lib
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .map(crate_name)
        .unwrap_or_else(|| crate_name(&package));
    let mut add = |name: String, root: PathBuf| {
        if root.is_file() && !crates.roots.iter().any(|r| r.root == root) {
            crates.roots.push(CrateRoot {
                name,
                root,
                manifest_dir: dir.to_path_buf(),
            });
        }
    };
    let lib_path = lib
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
        .map(|p| dir.join(p))
        .unwrap_or_else(|| dir.join("src/lib.rs"));
    add(lib_name.clone(), lib_path);
    for kind in ["bin", "example", "test", "bench"] {
        if let Some(targets) = value.get(kind).and_then(|t| t.as_array()) {
            for target in targets {
                let name = target.get("name").and_then(|n| n.as_str());
                let path = target.get("path").and_then(|p| p.as_str());
                let (name, path) = match (name, path) {
                    (Some(n), Some(p)) => (n.to_owned(), dir.join(p)),
                    (Some(n), None) if kind == "bin" => {
                        (n.to_owned(), dir.join(format!("src/bin/{n}.rs")))
                    }
                    (Some(n), None) => (n.to_owned(), dir.join(format!("{kind}s/{n}.rs"))),
                    (None, Some(p)) => (stem(Path::new(p)), dir.join(p)),
                    (None, None) => continue,
                };
                add(crate_name(&name), path);
            }
        }
    }
    // Cargo's automatic targets.
    add(crate_name(&package), dir.join("src/main.rs"));
    for sub in ["src/bin", "examples", "tests", "benches"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for entry in entries {
            if entry.extension().is_some_and(|e| e == "rs") {
                add(crate_name(&stem(&entry)), entry);
            } else if entry.join("main.rs").is_file() {
                add(crate_name(&stem(&entry)), entry.join("main.rs"));
            }
        }
    }
    let mut renames = HashMap::new();
    let mut tables: Vec<&toml::Value> = ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|k| value.get(*k))
        .collect();
    if let Some(targets) = value.get("target").and_then(|t| t.as_table()) {
        for target in targets.values() {
            for k in ["dependencies", "dev-dependencies"] {
                tables.extend(target.get(k));
            }
        }
    }
    for table in tables.into_iter().filter_map(|t| t.as_table()) {
        for (key, spec) in table {
            if let Some(real) = spec.get("package").and_then(|p| p.as_str()) {
                renames.insert(crate_name(key), crate_name(real));
            }
        }
    }
    crates.renames.insert(dir.to_path_buf(), renames);
    crates.libs.insert(dir.to_path_buf(), lib_name);
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
