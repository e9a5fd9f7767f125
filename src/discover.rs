//! Which files to analyze: a parallel, `.gitignore`-aware walk (the `ignore`
//! crate). Files named on the command line are analyzed even when ignored.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::model::Language;
use crate::untrusted::{kind_of, ReadError, Tree};

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

/// A path the walk could not enter or would not read, and why.
pub type WalkProblem = (PathBuf, String);

/// How to walk.
pub struct Options<'a> {
    pub excludes: &'a GlobSet,
    pub threads: usize,
    /// Honour `.gitignore`, `.ignore` and `.git/info/exclude` (an audit may
    /// want to see what they hide).
    pub respect_ignore_files: bool,
    /// Files named on the command line that are symlinks are followed only
    /// inside the tree.
    pub tree: &'a Tree,
}

/// Files under `paths`, sorted by path so that output is stable.
pub fn discover(
    paths: &[PathBuf],
    options: &Options<'_>,
) -> Result<(Vec<Discovered>, Vec<WalkProblem>), DiscoverError> {
    let cwd = std::env::current_dir().map_err(|e| DiscoverError(e.to_string()))?;
    let found = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    let excludes = options.excludes;
    // Ignore files the walker would read but must not (a FIFO, a device, a
    // symlink out of the tree, a huge file): their directories are not
    // entered, and the walk is done again without any ignore file.
    let unsafe_ignore_files: Arc<Mutex<Vec<WalkProblem>>> = Arc::default();
    if options.respect_ignore_files {
        for given in paths {
            let absolute = absolutize(&cwd, given);
            for dir in absolute.ancestors().filter(|d| d.is_dir()) {
                if let Some(problem) = unsafe_ignore_file(dir, options.tree) {
                    lock(&unsafe_ignore_files).push(problem);
                }
            }
        }
    }
    for given in paths {
        let absolute = absolutize(&cwd, given);
        let link = std::fs::symlink_metadata(&absolute)
            .map_err(|e| DiscoverError(format!("{}: {e}", given.display())))?;
        if link.file_type().is_symlink() && !options.tree.contains(&absolute) {
            problems.lock().unwrap_or_else(|e| e.into_inner()).push((
                display_path(&cwd, &absolute),
                format!("skipped: {}", ReadError::OutsideTree),
            ));
            continue;
        }
        let metadata = std::fs::metadata(&absolute)
            .map_err(|e| DiscoverError(format!("{}: {e}", given.display())))?;
        if !metadata.is_file() && !metadata.is_dir() {
            // A FIFO would block the read, a device would never end.
            problems.lock().unwrap_or_else(|e| e.into_inner()).push((
                display_path(&cwd, &absolute),
                format!(
                    "skipped: {}",
                    ReadError::NotRegular(kind_of(&metadata.file_type()))
                ),
            ));
            continue;
        }
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
            .threads(options.threads)
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .git_ignore(options.respect_ignore_files)
            .git_exclude(options.respect_ignore_files)
            .git_global(options.respect_ignore_files)
            .ignore(options.respect_ignore_files)
            .parents(options.respect_ignore_files);
        let respect = options.respect_ignore_files;
        let tree = options.tree.clone();
        let refused = unsafe_ignore_files.clone();
        builder.filter_entry(move |entry| {
            if !entry.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            if DEFAULT_EXCLUDES.contains(&name.as_ref()) {
                return false;
            }
            match respect.then(|| unsafe_ignore_file(entry.path(), &tree)) {
                Some(Some(problem)) => {
                    lock(&refused).push(problem);
                    false
                }
                _ => true,
            }
        });
        if !lock(&unsafe_ignore_files).is_empty() {
            break;
        }
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
                            .push((display_path(cwd, &path), walk_error_message(&error)));
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
                let Some(file_type) = entry.file_type() else {
                    return WalkState::Continue;
                };
                if !file_type.is_file() {
                    // Symlinks are not followed, directories are walked; a
                    // FIFO or a device named like a source is said, not read.
                    if !file_type.is_symlink() && !file_type.is_dir() && language_of(path).is_some()
                    {
                        problems.lock().unwrap_or_else(|e| e.into_inner()).push((
                            display_path(cwd, path),
                            format!("skipped: {}", ReadError::NotRegular(kind_of(&file_type))),
                        ));
                    }
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
    let refused = std::mem::take(&mut *lock(&unsafe_ignore_files));
    if !refused.is_empty() {
        let without = Options {
            respect_ignore_files: false,
            ..*options
        };
        let (found, mut problems) = discover(paths, &without)?;
        problems.extend(refused.into_iter().map(|(path, why)| {
            (
                display_path(&cwd, &path),
                format!("ignore file not read: {why}; no ignore file was applied to this run"),
            )
        }));
        problems.sort();
        problems.dedup();
        return Ok((found, problems));
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The ignore files the walker reads in a directory.
fn ignore_files_in(dir: &Path) -> [PathBuf; 3] {
    [
        dir.join(".gitignore"),
        dir.join(".ignore"),
        dir.join(".git/info/exclude"),
    ]
}

/// An ignore file in `dir` that must not be read, and why. Those the tree
/// holds must also resolve inside it; the user's own, above the tree, need
/// only be regular files under the cap.
fn unsafe_ignore_file(dir: &Path, tree: &Tree) -> Option<WalkProblem> {
    for file in ignore_files_in(dir) {
        let Ok(link) = std::fs::symlink_metadata(&file) else {
            continue;
        };
        if link.file_type().is_symlink() && tree.holds(&file) && !tree.contains(&file) {
            return Some((file, ReadError::OutsideTree.to_string()));
        }
        // A dangling symlink: the walker cannot open it either.
        let Ok(metadata) = std::fs::metadata(&file) else {
            continue;
        };
        let why = if !metadata.is_file() {
            ReadError::NotRegular(kind_of(&metadata.file_type()))
        } else if metadata.len() > crate::untrusted::CONFIG_LIMIT {
            ReadError::TooLarge {
                size: metadata.len(),
                limit: crate::untrusted::CONFIG_LIMIT,
            }
        } else {
            continue;
        };
        return Some((file, why.to_string()));
    }
    None
}

/// What went wrong, without the path (the finding names it).
fn walk_error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Io(io) => format!("cannot read: {io}"),
        ignore::Error::Loop { .. } => "skipped: a symlink loop".into(),
        other => format!("cannot read: {other}"),
    }
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

/// What marks a directory as a project's root, besides a git repository.
const PROJECT_MARKERS: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "dispatchlint.toml",
    "Cargo.toml",
];

/// The project an absolute file belongs to: the git repository around it,
/// else the nearest directory with a project marker; `None` when neither
/// is found below the home directory or the filesystem root, which are
/// never a project (a file given from `/` must not make the run walk `/`).
pub fn project_root_of(file: &Path) -> Option<PathBuf> {
    let home = dirs::home_dir();
    let mut nearest_marker = None;
    for dir in file.ancestors().skip(1) {
        if dir.parent().is_none() || home.as_deref() == Some(dir) {
            break;
        }
        if dir.join(".git").exists() {
            return Some(dir.to_path_buf());
        }
        if nearest_marker.is_none() && PROJECT_MARKERS.iter().any(|m| dir.join(m).is_file()) {
            nearest_marker = Some(dir.to_path_buf());
        }
    }
    nearest_marker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_root_is_never_the_filesystem_root_or_home() {
        assert_eq!(project_root_of(Path::new("/x.py")), None);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pkg/mod.py");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        // No marker anywhere below /tmp: no project.
        assert_eq!(project_root_of(&file), None);
        std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
        assert_eq!(project_root_of(&file).as_deref(), Some(dir.path()));
        std::fs::create_dir(dir.path().join("pkg/.git")).unwrap();
        assert_eq!(
            project_root_of(&file).as_deref(),
            Some(dir.path().join("pkg").as_path())
        );
    }
}
