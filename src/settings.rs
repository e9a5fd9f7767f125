//! Configuration: `dispatchlint.toml`, or `[tool.dispatchlint]` in
//! `pyproject.toml`. The file closest to an analyzed file wins for that file
//! (rule selection, per-file ignores, severities); the one closest to the
//! working directory (or `--config`) gives the run-wide keys (packs, exclude,
//! python-path).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

use crate::checks::{rules, Severity};
use crate::untrusted::Tree;

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extend_select: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packs: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub python_path: Vec<PathBuf>,
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            other => Err(serde::de::Error::custom(format!(
                "unknown severity `{other}` (expected `error` or `warning`)"
            ))),
        }
    }
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    dispatchlint: Option<toml::Value>,
}

/// A configuration file and where it was found.
#[derive(Clone, Debug, Serialize)]
pub struct Located {
    pub path: Option<PathBuf>,
    pub config: Config,
    /// Found inside the analyzed tree: the paths it names must stay inside it.
    #[serde(skip)]
    pub confined: bool,
}

impl Located {
    fn dir(&self) -> PathBuf {
        self.path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

/// The configuration file named by `--config`: the user's own, read only if
/// it is a regular file under the size cap.
pub fn load_file(path: &Path) -> Result<Located, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = crate::discover::absolutize(&cwd, path);
    let text = read_config(&absolute, None)?;
    let mut located = from_text(path, &text)?;
    // Paths in a configuration are relative to its directory, wherever we run from.
    located.path = Some(absolute);
    Ok(located)
}

/// A configuration file's text, capped; through `tree` when the tree holds it.
/// The error names the file and why, and never quotes what it refused.
fn read_config(absolute: &Path, tree: Option<&Tree>) -> Result<String, ConfigError> {
    let limit = crate::untrusted::CONFIG_LIMIT;
    let bytes = match tree {
        Some(tree) => tree.read_held(absolute, limit),
        None => crate::untrusted::read(absolute, limit),
    }
    .map_err(|e| ConfigError(format!("cannot read {}: {e}", absolute.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| ConfigError(format!("{}: not valid UTF-8", absolute.display())))
}

/// A configuration from its text; `path` names it in errors and tells
/// `pyproject.toml` (whose `[tool.dispatchlint]` table is read) from the rest.
pub fn from_text(path: &Path, text: &str) -> Result<Located, ConfigError> {
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let config = if is_pyproject {
        let project: PyProject =
            toml::from_str(text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        match project.tool.and_then(|t| t.dispatchlint) {
            Some(value) => value
                .try_into()
                .map_err(|e| ConfigError(format!("{} [tool.dispatchlint]: {e}", path.display())))?,
            None => Config::default(),
        }
    } else {
        toml::from_str(text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
    };
    let located = Located {
        path: Some(path.to_path_buf()),
        config,
        confined: false,
    };
    validate(&located)?;
    Ok(located)
}

/// Whether a `pyproject.toml`'s text has a `[tool.dispatchlint]` table.
fn has_section(text: &str) -> bool {
    toml::from_str::<PyProject>(text)
        .ok()
        .and_then(|p| p.tool)
        .and_then(|t| t.dispatchlint)
        .is_some()
}

/// Every code named in a configuration must select at least one rule.
fn validate(located: &Located) -> Result<(), ConfigError> {
    let config = &located.config;
    let origin = located
        .path
        .as_ref()
        .map_or("command line".to_owned(), |p| p.display().to_string());
    let named = config
        .select
        .iter()
        .flatten()
        .chain(&config.extend_select)
        .chain(&config.ignore)
        .chain(config.per_file_ignores.values().flatten())
        .chain(config.severity.keys());
    for selector in named {
        check_selector(selector).map_err(|e| ConfigError(format!("{origin}: {e}")))?;
    }
    for pattern in config.per_file_ignores.keys() {
        Glob::new(pattern).map_err(|e| {
            ConfigError(format!(
                "{origin}: invalid per-file-ignores pattern `{pattern}`: {e}"
            ))
        })?;
    }
    Ok(())
}

pub fn check_selector(selector: &str) -> Result<(), String> {
    if selector == "ALL" || rules().iter().any(|r| r.code.starts_with(selector)) {
        Ok(())
    } else {
        Err(format!(
            "unknown rule code `{selector}` (see `dispatchlint rule --all`)"
        ))
    }
}

fn matches(selector: &str, code: &str) -> bool {
    selector == "ALL" || code.starts_with(selector)
}

/// Finds the configuration that applies to files in a directory.
pub struct Resolver {
    /// `--config`: one file for everything.
    fixed: Option<Located>,
    isolated: bool,
    cache: Mutex<HashMap<PathBuf, Option<Located>>>,
    /// Per directory: its configuration and the rules it gives every file.
    rules: Mutex<DirRules>,
    cwd: PathBuf,
    /// The analyzed tree: configuration found inside it is confined to it.
    tree: Tree,
    /// Command-line selection, applied on top of every file's configuration.
    pub overrides: Config,
}

type DirRules = rustc_hash::FxHashMap<PathBuf, (Option<Arc<Located>>, Arc<FileRules>)>;

impl Resolver {
    pub fn new(
        fixed: Option<&Path>,
        isolated: bool,
        overrides: Config,
    ) -> Result<Self, ConfigError> {
        let fixed = fixed.map(load_file).transpose()?;
        validate(&Located {
            path: None,
            config: overrides.clone(),
            confined: false,
        })?;
        Ok(Resolver {
            fixed,
            isolated,
            cache: Mutex::new(HashMap::new()),
            rules: Mutex::default(),
            cwd: std::env::current_dir().unwrap_or_default(),
            tree: Tree::default(),
            overrides,
        })
    }

    /// Confines configuration found inside `tree` (and what it names) to it.
    pub fn with_tree(mut self, tree: Tree) -> Self {
        self.tree = tree;
        self
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The configuration closest to `dir`, if any.
    pub fn for_dir(&self, dir: &Path) -> Result<Option<Located>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(Some(fixed.clone()));
        }
        if self.isolated {
            return Ok(None);
        }
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(dir)
        {
            return Ok(hit.clone());
        }
        let found = self.search(dir)?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir.to_path_buf(), found.clone());
        Ok(found)
    }

    fn search(&self, dir: &Path) -> Result<Option<Located>, ConfigError> {
        let dir = crate::discover::absolutize(&self.cwd, dir);
        for d in dir.ancestors() {
            for name in ["dispatchlint.toml", "pyproject.toml"] {
                let candidate = d.join(name);
                // Present in any form (a FIFO, a dangling symlink): read or refused.
                if std::fs::symlink_metadata(&candidate).is_err() {
                    continue;
                }
                let text = read_config(&candidate, Some(&self.tree))?;
                let mut located = from_text(&candidate, &text)?;
                if name == "pyproject.toml" && !has_section(&text) {
                    continue;
                }
                located.confined = self.tree.holds(&candidate);
                return Ok(Some(located));
            }
        }
        Ok(None)
    }

    /// The rules in effect for one file.
    pub fn rules_for(&self, file: &Path) -> Result<Arc<FileRules>, ConfigError> {
        // Reported paths are relative to the working directory; the search
        // must still reach the directories above it.
        let file = crate::discover::absolutize(&self.cwd, file);
        let dir = file.parent().unwrap_or(Path::new("/"));
        let cached = self
            .rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(dir)
            .cloned();
        let (located, shared) = match cached {
            Some(hit) => hit,
            None => {
                let located = self.for_dir(dir)?.map(Arc::new);
                // Everything but per-file-ignores is the same for every file
                // under one configuration: computed once per directory.
                let shared = Arc::new(FileRules::new(located.as_deref(), &self.overrides));
                self.rules
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(dir.to_path_buf(), (located.clone(), shared.clone()));
                (located, shared)
            }
        };
        match located {
            Some(located) if !located.config.per_file_ignores.is_empty() => {
                Ok(Arc::new(shared.without_per_file_ignores(&located, &file)))
            }
            _ => Ok(shared),
        }
    }
}

/// Selection and severities for one file.
#[derive(Clone, Debug)]
pub struct FileRules {
    enabled: Vec<&'static str>,
    severity: HashMap<&'static str, Severity>,
}

impl FileRules {
    fn new(located: Option<&Located>, overrides: &Config) -> Self {
        let all = rules();
        let empty = Config::default();
        let config = located.map_or(&empty, |l| &l.config);
        let mut enabled: Vec<&'static str> =
            match overrides.select.as_ref().or(config.select.as_ref()) {
                Some(select) => all
                    .iter()
                    .filter(|r| select.iter().any(|s| matches(s, r.code)))
                    .map(|r| r.code)
                    .collect(),
                None => all.iter().map(|r| r.code).collect(),
            };
        for extra in config.extend_select.iter().chain(&overrides.extend_select) {
            for rule in all.iter().filter(|r| matches(extra, r.code)) {
                if !enabled.contains(&rule.code) {
                    enabled.push(rule.code);
                }
            }
        }
        let ignored: Vec<&String> = config.ignore.iter().chain(&overrides.ignore).collect();
        enabled.retain(|code| !ignored.iter().any(|s| matches(s, code)));
        let mut severity: HashMap<&'static str, Severity> =
            all.iter().map(|r| (r.code, r.severity)).collect();
        for (selector, level) in config.severity.iter().chain(&overrides.severity) {
            for rule in all.iter().filter(|r| matches(selector, r.code)) {
                severity.insert(rule.code, *level);
            }
        }
        FileRules { enabled, severity }
    }

    /// These rules less what `located`'s per-file-ignores take from `file`.
    fn without_per_file_ignores(&self, located: &Located, file: &Path) -> Self {
        let base = located.dir();
        let relative = file.strip_prefix(&base).unwrap_or(file);
        let mut rules = self.clone();
        for (pattern, codes) in &located.config.per_file_ignores {
            let matcher: Option<GlobMatcher> = Glob::new(pattern).ok().map(|g| g.compile_matcher());
            if matcher.is_some_and(|m| m.is_match(relative) || m.is_match(file)) {
                rules
                    .enabled
                    .retain(|code| !codes.iter().any(|s| matches(s, code)));
            }
        }
        rules
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(&code)
    }

    pub fn severity(&self, code: &str) -> Severity {
        self.severity.get(code).copied().unwrap_or(Severity::Error)
    }

    pub fn enabled(&self) -> &[&'static str] {
        &self.enabled
    }
}

/// Paths in a configuration file, relative to it. A configuration inside the
/// analyzed tree may name only paths inside it (`key` names the entry in
/// the error).
pub fn anchored(
    located: &Located,
    paths: &[PathBuf],
    tree: &Tree,
    key: &str,
) -> Result<Vec<PathBuf>, ConfigError> {
    let dir = located.dir();
    let mut anchored = Vec::with_capacity(paths.len());
    for path in paths {
        let joined = crate::discover::absolutize(&dir, path);
        if located.confined {
            let inside = tree.holds(&joined)
                && (std::fs::symlink_metadata(&joined).is_err() || tree.contains(&joined));
            if !inside {
                return Err(ConfigError(format!(
                    "{}: {key} entry `{}` is outside the analyzed tree; a configuration inside the tree may only name paths inside it",
                    located
                        .path
                        .as_ref()
                        .map_or(String::new(), |p| p.display().to_string()),
                    path.display()
                )));
            }
        }
        anchored.push(joined);
    }
    Ok(anchored)
}

/// What the command line adds to the configuration for an analysis run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub exclude: Vec<String>,
    pub python_path: Vec<PathBuf>,
    /// `--pack`: the user's own files.
    pub packs: Vec<PathBuf>,
    pub threads: usize,
    pub progress: bool,
    pub cache: bool,
    pub respect_ignore_files: bool,
}

/// The analysis settings: the command line's, then the run-wide keys
/// (packs, exclude, python-path) of the configuration that applies to `dir`.
/// A configuration inside the analyzed tree names only paths inside it, and
/// its packs are read through the tree.
pub fn analysis_settings(
    options: &RunOptions,
    config: &Resolver,
    dir: &Path,
) -> Result<crate::analysis::Settings, ConfigError> {
    let tree = config.tree();
    let mut settings = crate::analysis::Settings {
        excludes: options.exclude.clone(),
        python_path: options.python_path.clone(),
        threads: options.threads,
        progress: options.progress,
        cache: options.cache,
        respect_ignore_files: options.respect_ignore_files,
        tree: tree.clone(),
        ..crate::analysis::Settings::default()
    };
    let pack_error = |e: crate::packs::PackError| ConfigError(e.to_string());
    if let Some(located) = config.for_dir(dir)? {
        settings
            .excludes
            .extend(located.config.exclude.iter().cloned());
        settings.python_path.extend(anchored(
            &located,
            &located.config.python_path,
            tree,
            "python-path",
        )?);
        for pack in anchored(&located, &located.config.packs, tree, "packs")? {
            if located.confined {
                settings
                    .packs
                    .load_with(&pack, |p, limit| tree.read(p, limit))
                    .map_err(pack_error)?;
            } else {
                settings.packs.load_file(&pack).map_err(pack_error)?;
            }
        }
    }
    for pack in &options.packs {
        settings.packs.load_file(pack).map_err(pack_error)?;
    }
    Ok(settings)
}
