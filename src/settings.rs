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

pub fn load_file(path: &Path) -> Result<Located, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    let mut located = from_text(path, &text)?;
    // Paths in a configuration are relative to its directory, wherever we run from.
    let cwd = std::env::current_dir().unwrap_or_default();
    located.path = Some(crate::discover::absolutize(&cwd, path));
    Ok(located)
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
    };
    validate(&located)?;
    Ok(located)
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
        })?;
        Ok(Resolver {
            fixed,
            isolated,
            cache: Mutex::new(HashMap::new()),
            rules: Mutex::default(),
            cwd: std::env::current_dir().unwrap_or_default(),
            overrides,
        })
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
        let mut current = Some(dir);
        while let Some(d) = current {
            let own = d.join("dispatchlint.toml");
            if own.is_file() {
                return load_file(&own).map(Some);
            }
            let pyproject = d.join("pyproject.toml");
            if pyproject.is_file() {
                let located = load_file(&pyproject)?;
                if pyproject_has_section(&pyproject) {
                    return Ok(Some(located));
                }
            }
            current = d.parent();
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

fn pyproject_has_section(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| toml::from_str::<PyProject>(&t).ok())
        .and_then(|p| p.tool)
        .and_then(|t| t.dispatchlint)
        .is_some()
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

/// Paths in a configuration file are relative to it.
pub fn anchored(located: &Located, paths: &[PathBuf]) -> Vec<PathBuf> {
    let dir = located.dir();
    paths.iter().map(|p| dir.join(p)).collect()
}
