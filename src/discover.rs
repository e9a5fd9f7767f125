//! Which files to analyze: a parallel, `.gitignore`-aware walk (the `ignore`
//! crate). Files named on the command line are analyzed even when ignored.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::model::Language;

/// Directories never worth walking into.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".venv",
    "venv",
    "site-packages",
    "target",
    "node_modules",
    "__pycache__",
    ".tox",
    ".mypy_cache",
];

#[derive(Clone, Debug)]
pub struct Discovered {
    /// As it is shown: relative to the working directory when under it.
    pub display: PathBuf,
    pub path: PathBuf,
    /// The analyzed root it was found under (for module names).
    pub root: PathBuf,
    pub language: Language,
    /// Named on the command line rather than found by a walk.
    pub explicit: bool,
    /// Python: the module name and whether it is a package, once known.
    pub module: Option<(String, bool)>,
}

#[derive(Debug)]
pub struct DiscoverError(pub String);

pub fn language_of(path: &Path) -> Option<Language> {
    match path.extension()?.to_str()? {
        "py" | "pyi" => Some(Language::Python),
        "rs" => Some(Language::Rust),
        _ => None,
    }
}

pub fn build_excludes(patterns: &[String]) -> Result<GlobSet, DiscoverError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern)
            .map_err(|e| DiscoverError(format!("invalid exclude pattern `{pattern}`: {e}")))?;
        builder.add(glob);
        // `tests/` and `tests` both mean the directory and what is inside it.
        if !pattern.contains('*') {
            let inside = format!("{}/**", pattern.trim_end_matches('/'));
            builder.add(Glob::new(&inside).map_err(|e| DiscoverError(e.to_string()))?);
        }
    }
    builder.build().map_err(|e| DiscoverError(e.to_string()))
}

/// A path the walk could not enter, and why.
pub type WalkProblem = (PathBuf, String);

/// Files under `paths`, sorted by path so that output is stable.
pub fn discover(
    paths: &[PathBuf],
    excludes: &GlobSet,
    threads: usize,
) -> Result<(Vec<Discovered>, Vec<WalkProblem>), DiscoverError> {
    let cwd = std::env::current_dir().map_err(|e| DiscoverError(e.to_string()))?;
    let found = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    for given in paths {
        let absolute = absolutize(&cwd, given);
        let metadata = std::fs::metadata(&absolute)
            .map_err(|e| DiscoverError(format!("{}: {e}", given.display())))?;
        if metadata.is_file() {
            // Named explicitly: analyzed whatever the ignore rules say.
            if let Some(language) = language_of(&absolute) {
                let root = absolute.parent().unwrap_or(&absolute).to_path_buf();
                found
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Discovered {
                        display: display_path(&cwd, &absolute),
                        path: absolute,
                        root,
                        language,
                        explicit: true,
                        module: None,
                    });
            }
            continue;
        }
        let root = absolute.clone();
        let mut builder = WalkBuilder::new(&absolute);
        builder
            .threads(threads)
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .filter_entry(|entry| {
                let name = entry.file_name().to_string_lossy();
                !(entry.file_type().is_some_and(|t| t.is_dir())
                    && DEFAULT_EXCLUDES.contains(&name.as_ref()))
            });
        builder.build_parallel().run(|| {
            let found = &found;
            let problems = &problems;
            let root = &root;
            let cwd = &cwd;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        let path = error_path(&error).unwrap_or_else(|| root.clone());
                        problems
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((display_path(cwd, &path), error.to_string()));
                        return WalkState::Continue;
                    }
                };
                let path = entry.path();
                let relative = path.strip_prefix(root).unwrap_or(path);
                if !relative.as_os_str().is_empty() && excludes.is_match(relative) {
                    return if entry.file_type().is_some_and(|t| t.is_dir()) {
                        WalkState::Skip
                    } else {
                        WalkState::Continue
                    };
                }
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                if let Some(language) = language_of(path) {
                    found
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(Discovered {
                            display: display_path(cwd, path),
                            path: path.to_path_buf(),
                            root: root.clone(),
                            language,
                            explicit: false,
                            module: None,
                        });
                }
                WalkState::Continue
            })
        });
    }
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // A file both named and found by a walk keeps the walk's root, which
    // names its module as the project sees it.
    found.sort_by(|a, b| (&a.path, a.explicit).cmp(&(&b.path, b.explicit)));
    found.dedup_by(|later, first| later.path == first.path);
    let mut problems = problems.into_inner().unwrap_or_else(|e| e.into_inner());
    problems.sort();
    Ok((found, problems))
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

pub fn absolutize(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    // Lexical clean-up only: symlinks are not resolved, so paths stay as the user wrote them.
    let mut clean = PathBuf::new();
    for component in joined.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// Relative to the working directory when under it, as ruff prints paths.
pub fn display_path(cwd: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
