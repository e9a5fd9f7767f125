//! `check`: runs the selected checks over an analysis, turns input problems
//! into DL000 findings, applies suppression comments (reporting unused ones
//! as DL900), per-file configuration and the baseline.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::checks::{self, Finding};
use crate::model::{Language, Location};
use crate::semantic::Semantic;
use crate::settings::{ConfigError, FileRules, Resolver};

pub const UNUSED_SUPPRESSION: &str = checks::dl900_unused_suppression::RULE.code;
/// Input that could not be read, decoded or parsed.
const INPUT_ERROR: &str = checks::dl000_syntax_error::RULE.code;

pub use crate::checks::{LintResult, Reported};

/// Only report on these files (pre-commit passes the changed ones), while
/// the hierarchy still comes from everything analyzed.
pub type Only = Option<HashSet<PathBuf>>;

/// How findings are filtered.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Report what suppression comments would hide (`--ignore-noqa`): the
    /// analyzed tree's comments need not be trusted in an audit.
    pub ignore_noqa: bool,
}

pub fn lint(
    semantic: &Semantic<'_>,
    config: &Resolver,
    only: &Only,
) -> Result<LintResult, ConfigError> {
    lint_with(semantic, config, only, &Options::default())
}

pub fn lint_with(
    semantic: &Semantic<'_>,
    config: &Resolver,
    only: &Only,
    options: &Options,
) -> Result<LintResult, ConfigError> {
    let analysis = semantic.analysis;
    // On the pool: a lookup per file, about 1 ms on langchain-community.
    // Collected in order, so that the first error is the first file's.
    let rules_of = |file: &crate::model::FileFacts| config.rules_for(&file.path);
    let resolved: Vec<Result<std::sync::Arc<FileRules>, ConfigError>> = match &analysis.pool {
        Some(pool) => {
            use rayon::prelude::*;
            pool.install(|| analysis.files.par_iter().map(rules_of).collect())
        }
        None => analysis.files.iter().map(rules_of).collect(),
    };
    let per_file: Vec<std::sync::Arc<FileRules>> =
        resolved.into_iter().collect::<Result<_, _>>()?;
    let reported_file = |id: usize| {
        let file = &analysis.files[id];
        !file.library && only.as_ref().is_none_or(|set| set.contains(&file.path))
    };
    let wanted: HashSet<&str> = per_file
        .iter()
        .enumerate()
        .filter(|(id, _)| reported_file(*id))
        .flat_map(|(_, rules)| rules.enabled().iter().copied())
        .collect();
    let mut raw: Vec<Finding> = checks::run(semantic, &|code| wanted.contains(code));
    for (id, file) in analysis.files.iter().enumerate() {
        for diagnostic in &file.diagnostics {
            raw.push(Finding {
                fix: None,
                code: diagnostic.code,
                file: id,
                location: diagnostic.location.unwrap_or(Location {
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 1,
                    ..Default::default()
                }),
                message: diagnostic.message.clone(),
                help: match file.language {
                    Language::Python => {
                        "fix the file, declare its encoding (PEP 263), or exclude it"
                    }
                    Language::Rust => "fix the file (Rust source is UTF-8), or exclude it",
                }
                .into(),
                labels: Vec::new(),
            });
        }
    }
    let rules: HashMap<&str, &'static str> =
        checks::rules().iter().map(|r| (r.code, r.name)).collect();
    let mut result = LintResult {
        files: (0..analysis.files.len())
            .filter(|&id| reported_file(id))
            .count(),
        ..Default::default()
    };
    let mut sources = Sources {
        files: HashMap::new(),
        stdin: analysis.stdin.as_ref(),
    };
    // Suppressions used, per file and comment index.
    let mut used: HashSet<(usize, usize, String)> = HashSet::new();
    let mut occurrences: HashMap<(PathBuf, &'static str, String), usize> = HashMap::new();
    for finding in raw {
        if !reported_file(finding.file) {
            continue;
        }
        if !per_file[finding.file].is_enabled(finding.code) {
            result.disabled_by_config += 1;
            continue;
        }
        let file = &analysis.files[finding.file];
        let suppression = file.suppressions.iter().position(|s| {
            (s.all || s.codes.iter().any(|c| c == finding.code))
                && s.line.is_none_or(|line| line == finding.location.line)
        });
        if let Some(index) = suppression.filter(|_| !options.ignore_noqa) {
            used.insert((finding.file, index, finding.code.to_owned()));
            result.suppressed += 1;
            if file.suppressions[index].line.is_some() {
                result.suppressed_by_line += 1;
            } else {
                result.suppressed_by_file += 1;
            }
            continue;
        }
        let anchor = sources.anchor(&file.path, file.language, finding.location);
        let occurrence = occurrences
            .entry((file.path.clone(), finding.code, anchor.clone()))
            .or_insert(0);
        let fingerprint = fingerprint(finding.code, &file.path, &anchor, *occurrence);
        *occurrence += 1;
        result.findings.push(Reported {
            fix: finding.fix,
            code: finding.code,
            name: rules.get(finding.code).copied().unwrap_or("unknown"),
            severity: per_file[finding.file].severity(finding.code),
            path: file.path.clone(),
            location: finding.location,
            message: finding.message,
            help: finding.help,
            labels: finding.labels,
            fingerprint,
        });
    }
    for (path, problem) in &analysis.walk_problems {
        // What the walk could not read or would not: a finding of its own,
        // so that every format says it (the path may be a directory).
        if !config.rules_for(path)?.is_enabled(INPUT_ERROR) {
            continue;
        }
        let location = Location {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            ..Default::default()
        };
        result.findings.push(Reported {
            fix: None,
            code: INPUT_ERROR,
            name: rules.get(INPUT_ERROR).copied().unwrap_or("unknown"),
            severity: config.rules_for(path)?.severity(INPUT_ERROR),
            path: path.clone(),
            location,
            message: problem.clone(),
            help: "make it a readable regular file inside the project, or exclude it".into(),
            labels: Vec::new(),
            fingerprint: fingerprint(INPUT_ERROR, path, problem, 0),
        });
    }
    for (id, file) in analysis.files.iter().enumerate() {
        if options.ignore_noqa || !reported_file(id) || !per_file[id].is_enabled(UNUSED_SUPPRESSION)
        {
            continue;
        }
        for (index, suppression) in file.suppressions.iter().enumerate() {
            let unused: Vec<&String> = suppression
                .codes
                .iter()
                .filter(|code| !used.contains(&(id, index, (*code).clone())))
                .filter(|code| per_file[id].is_enabled(code))
                .collect();
            let bare_unused =
                suppression.all && !used.iter().any(|(f, i, _)| (*f, *i) == (id, index));
            let (message, help) = if let Some(why) = &suppression.malformed {
                (
                    format!("malformed suppression: {why}"),
                    "write the comment as `# noqa: DL001` or `# dispatchlint: ignore[DL001]` (`ignore-file[...]` for the whole file), or remove it",
                )
            } else if bare_unused {
                (
                    "unused suppression: this bare `noqa` suppresses no dispatchlint finding"
                        .to_owned(),
                    "name the codes it is for (`# noqa: E501`), or remove it",
                )
            } else if !unused.is_empty() {
                let codes: Vec<&str> = unused.iter().map(|c| c.as_str()).collect();
                (
                    format!(
                        "unused suppression: nothing here is flagged with {}",
                        codes.join(", ")
                    ),
                    "remove the suppression comment (or the codes it no longer needs)",
                )
            } else {
                continue;
            };
            let anchor = sources.anchor(&file.path, file.language, suppression.location);
            let fix = match (&suppression.malformed, sources.text(&file.path)) {
                (None, Some(text)) if !unused.is_empty() => {
                    let unused: Vec<&str> = unused.iter().map(|c| c.as_str()).collect();
                    checks::dl900_unused_suppression::fix(&text, suppression.location, &unused)
                }
                _ => None,
            };
            result.findings.push(Reported {
                fix,
                code: UNUSED_SUPPRESSION,
                name: checks::dl900_unused_suppression::RULE.name,
                severity: per_file[id].severity(UNUSED_SUPPRESSION),
                path: file.path.clone(),
                location: suppression.location,
                message,
                help: help.into(),
                labels: Vec::new(),
                fingerprint: fingerprint(UNUSED_SUPPRESSION, &file.path, &anchor, index),
            });
        }
    }
    result.findings.sort_by(|a, b| {
        (&a.path, a.location.line, a.location.column, a.code).cmp(&(
            &b.path,
            b.location.line,
            b.location.column,
            b.code,
        ))
    });
    result.sources = sources.texts();
    Ok(result)
}

/// The flagged files, each read once: the text of a primary span's first
/// line, trimmed, is what the fingerprint hangs on (so that moving code up
/// or down keeps it), and the decoded text is what code frames show.
struct Sources<'a> {
    files: HashMap<PathBuf, Source>,
    /// The source read from standard input, read in place of its file.
    stdin: Option<&'a crate::semantic::Stdin>,
}

struct Source {
    /// Whitespace-normalized lines of the bytes as read (lossy UTF-8).
    lines: Vec<String>,
    /// The text as the language decodes it, when it does.
    text: Option<Arc<str>>,
}

impl Sources<'_> {
    fn anchor(&mut self, path: &Path, language: Language, location: Location) -> String {
        let stdin = self.stdin.filter(|s| s.display == path);
        let source = self.files.entry(path.to_path_buf()).or_insert_with(|| {
            let bytes = match stdin {
                Some(stdin) => stdin.bytes.to_vec(),
                None => match crate::untrusted::read(path, crate::untrusted::SOURCE_LIMIT) {
                    Ok(bytes) => bytes,
                    Err(_) => {
                        return Source {
                            lines: Vec::new(),
                            text: None,
                        }
                    }
                },
            };
            Source {
                lines: String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                    .collect(),
                text: crate::analysis::decode(language, &bytes).map(Arc::from),
            }
        });
        source
            .lines
            .get(location.line.saturating_sub(1) as usize)
            .cloned()
            .unwrap_or_default()
    }

    /// The decoded text of a file `anchor` has read.
    fn text(&self, path: &Path) -> Option<Arc<str>> {
        self.files.get(path)?.text.clone()
    }

    fn texts(self) -> HashMap<PathBuf, Arc<str>> {
        self.files
            .into_iter()
            .filter_map(|(path, source)| Some((path, source.text?)))
            .collect()
    }
}

/// FNV-1a over the parts: stable across runs, platforms and versions.
fn fingerprint(code: &str, path: &Path, anchor: &str, occurrence: usize) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let normalized = path.to_string_lossy().replace('\\', "/");
    for part in [code, &normalized, anchor, &occurrence.to_string()] {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// `--write-baseline` / `--baseline`: today's findings, per file and code.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct Baseline {
    pub version: u32,
    /// path -> code -> entry
    pub files: BTreeMap<String, BTreeMap<String, BaselineEntry>>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct BaselineEntry {
    pub count: usize,
    pub fingerprints: Vec<String>,
}

impl Baseline {
    pub fn from_findings(findings: &[Reported]) -> Self {
        let mut baseline = Baseline {
            version: 1,
            ..Default::default()
        };
        for finding in findings {
            let entry = baseline
                .files
                .entry(finding.path.to_string_lossy().replace('\\', "/"))
                .or_default()
                .entry(finding.code.to_owned())
                .or_default();
            entry.count += 1;
            entry.fingerprints.push(finding.fingerprint.clone());
        }
        baseline
    }

    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = crate::untrusted::read_text(path, crate::untrusted::CONFIG_LIMIT)
            .map_err(|e| ConfigError(format!("cannot read baseline {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| ConfigError(format!("invalid baseline {}: {e}", path.display())))
    }

    /// Removes the findings the baseline holds; counts the ones it holds that are gone.
    pub fn apply(&self, result: &mut LintResult) {
        let mut known: HashSet<&str> = self
            .files
            .values()
            .flat_map(|codes| codes.values())
            .flat_map(|e| e.fingerprints.iter().map(String::as_str))
            .collect();
        let total = known.len();
        let before = result.findings.len();
        result
            .findings
            .retain(|f| !known.remove(f.fingerprint.as_str()));
        result.baselined = before - result.findings.len();
        result.baseline_gone = total - result.baselined;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_position_but_not_content() {
        let a = fingerprint("DL001", Path::new("a.py"), "if has_native_arun:", 0);
        assert_eq!(
            a,
            fingerprint("DL001", Path::new("a.py"), "if has_native_arun:", 0)
        );
        assert_ne!(
            a,
            fingerprint("DL001", Path::new("a.py"), "if has_native_arun:", 1)
        );
        assert_ne!(
            a,
            fingerprint("DL002", Path::new("a.py"), "if has_native_arun:", 0)
        );
    }
}
