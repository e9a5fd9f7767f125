//! Module names from file paths, without configuration.
//!
//! A file's name is its regular package chain (directories that hold an
//! `__init__.py`), extended upward through namespace-package directories
//! (no `__init__.py`, a valid identifier) while they stay inside the analyzed
//! root. The walk stops at a directory named `src` and at a project root
//! (`pyproject.toml`, `setup.py`, `setup.cfg`), since those are what
//! `sys.path` holds in src layouts and installed projects. So
//! `openhands-sdk/openhands/sdk/agent/base.py` is `openhands.sdk.agent.base`.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap as HashMap;

const PROJECT_MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg"];

/// The dotted module name of `file`, and whether it is a package (`__init__`).
/// `root` is the directory the analysis started from.
pub fn module_name(file: &Path, root: &Path) -> (String, bool) {
    Namer::default().name(file, root)
}

/// Names many files, asking the file system about each directory once, and
/// only what the name needs (most directories are regular packages, and
/// whether one is a `sys.path` root matters only above them).
#[derive(Default)]
pub struct Namer {
    /// directory -> holds an `__init__.py`
    packages: HashMap<PathBuf, bool>,
    /// directory -> is a `sys.path` root
    path_roots: HashMap<PathBuf, bool>,
    /// directory -> (the root it was named under, its package name)
    dir_packages: HashMap<PathBuf, (PathBuf, String)>,
}

impl Namer {
    fn is_package(&mut self, dir: &Path) -> bool {
        if let Some(&known) = self.packages.get(dir) {
            return known;
        }
        let found = dir.join("__init__.py").is_file();
        self.packages.insert(dir.to_path_buf(), found);
        found
    }

    fn is_path_root(&mut self, dir: &Path) -> bool {
        if let Some(&known) = self.path_roots.get(dir) {
            return known;
        }
        let found = is_path_root(dir);
        self.path_roots.insert(dir.to_path_buf(), found);
        found
    }

    /// The dotted module name of `file`, and whether it is a package.
    pub fn name(&mut self, file: &Path, root: &Path) -> (String, bool) {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let is_package = stem == "__init__";
        let package = match file.parent() {
            Some(dir) => self.package(dir, root),
            None => String::new(),
        };
        let module = if is_package {
            package
        } else if package.is_empty() {
            stem.to_owned()
        } else {
            format!("{package}.{stem}")
        };
        (module, is_package)
    }

    /// The dotted name of the package a directory is, under `root` (empty
    /// for a `sys.path` root): computed once per directory, since every
    /// file in it shares it.
    fn package(&mut self, dir: &Path, root: &Path) -> String {
        if let Some((known_root, name)) = self.dir_packages.get(dir) {
            if known_root == root {
                return name.clone();
            }
        }
        let mut parts: Vec<String> = Vec::new();
        let mut current = Some(dir);
        // Regular packages: always part of the name, wherever the root is.
        while let Some(d) = current {
            if !self.is_package(d) || !is_identifier_dir(d) {
                break;
            }
            parts.push(dir_name(d));
            current = d.parent();
        }
        // Namespace packages: only inside the analyzed root.
        while let Some(d) = current {
            if !is_strictly_inside(d, root) || !is_identifier_dir(d) || self.is_path_root(d) {
                break;
            }
            parts.push(dir_name(d));
            current = d.parent();
        }
        parts.reverse();
        let name = parts.join(".");
        self.dir_packages
            .insert(dir.to_path_buf(), (root.to_path_buf(), name.clone()));
        name
    }
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn is_identifier_dir(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|s| s.to_str())
        .is_some_and(is_identifier)
}

fn is_path_root(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| n == "src")
        || PROJECT_MARKERS.iter().any(|m| dir.join(m).is_file())
}

fn is_strictly_inside(dir: &Path, root: &Path) -> bool {
    dir != root && dir.starts_with(root)
}

pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The package that relative imports in `module` start from.
pub fn package_of(module: &str, is_package: bool) -> &str {
    if is_package {
        module
    } else {
        module.rsplit_once('.').map_or("", |(package, _)| package)
    }
}

/// Resolves `from {dots}{name} import ...` inside `module`.
pub fn resolve_relative(
    module: &str,
    is_package: bool,
    level: u32,
    name: Option<&str>,
) -> Option<String> {
    let mut base = package_of(module, is_package).to_owned();
    for _ in 1..level {
        if base.is_empty() {
            return None;
        }
        base = base
            .rsplit_once('.')
            .map_or(String::new(), |(p, _)| p.to_owned());
    }
    Some(match (base.is_empty(), name) {
        (_, None) => base,
        (true, Some(n)) => n.to_owned(),
        (false, Some(n)) => format!("{base}.{n}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn namespace_package_inside_root_extends_the_name() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let pkg = root.join("openhands-sdk/openhands/sdk/agent");
        fs::create_dir_all(&pkg).unwrap();
        fs::write(root.join("openhands-sdk/openhands/sdk/__init__.py"), "").unwrap();
        fs::write(pkg.join("__init__.py"), "").unwrap();
        fs::write(pkg.join("base.py"), "").unwrap();
        assert_eq!(
            module_name(&pkg.join("base.py"), root),
            ("openhands.sdk.agent.base".into(), false)
        );
        assert_eq!(
            module_name(&pkg.join("__init__.py"), root),
            ("openhands.sdk.agent".into(), true)
        );
    }

    #[test]
    fn src_layout_stops_at_src() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let pkg = root.join("proj/src/pkg");
        fs::create_dir_all(&pkg).unwrap();
        fs::write(pkg.join("__init__.py"), "").unwrap();
        fs::write(pkg.join("m.py"), "").unwrap();
        assert_eq!(module_name(&pkg.join("m.py"), root).0, "pkg.m");
    }

    #[test]
    fn relative_imports() {
        assert_eq!(
            resolve_relative("a.b.c", false, 1, Some("d")).as_deref(),
            Some("a.b.d")
        );
        assert_eq!(
            resolve_relative("a.b", true, 1, Some("d")).as_deref(),
            Some("a.b.d")
        );
        assert_eq!(
            resolve_relative("a.b.c", false, 2, None).as_deref(),
            Some("a")
        );
        assert_eq!(resolve_relative("a", false, 2, None), None);
    }
}
