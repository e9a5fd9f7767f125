//! The dispatch checks. One file per check, each a function over the facts
//! and the hierarchy; none of them sees a syntax tree.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::model::{FileId, Location};

// One module per check, `dlNNN_name.rs`, each declaring its `RULE`: the
// build script lists them, and `RULES` below, so that a new check is only
// its own file (with its docs and fixtures). DL000 and DL900 are rules whose
// findings come from outside the checks (the front ends and the walk, the
// suppression pass): their `check` is `None`.
include!(concat!(env!("OUT_DIR"), "/checks.rs"));

/// What a check reports.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub file: FileId,
    /// The primary span.
    pub location: Location,
    pub message: String,
    /// The fix, in one line.
    pub help: String,
    /// Secondary spans that matter (in the same file), with what they are.
    pub labels: Vec<Label>,
    /// The edits that fix it, when the check knows them.
    pub fix: Option<crate::fix::Fix>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Everything a check may consult: the semantic layer, never a front end.
pub type Context<'a> = crate::semantic::Semantic<'a>;

/// A secondary label on the assignment that made a value, when there is one.
pub fn made_here(typed: &crate::semantic::values::Typed, name: &str) -> Vec<Label> {
    typed
        .origin
        .map(|origin| Label {
            location: origin,
            message: format!("a `{name}` is made here"),
        })
        .into_iter()
        .collect()
}

/// A finding as the run reports it, after selection, suppressions and the
/// baseline (`crate::lint` makes them; reporters print them).
/// A finding as reported: with its rule, severity, path and fingerprint.
#[derive(Clone, Debug, Serialize)]
pub struct Reported {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub path: PathBuf,
    pub location: Location,
    pub message: String,
    pub help: String,
    pub labels: Vec<Label>,
    pub fingerprint: String,
    pub fix: Option<crate::fix::Fix>,
}

#[derive(Debug, Default)]
pub struct LintResult {
    pub findings: Vec<Reported>,
    pub files: usize,
    /// Findings hidden by suppression comments (all of the below).
    pub suppressed: usize,
    /// ... by a comment on or above their line.
    pub suppressed_by_line: usize,
    /// ... by a file-wide `# dispatchlint: ignore-file[...]`.
    pub suppressed_by_file: usize,
    /// Findings of checks that ran whose rule the file's configuration
    /// turns off (`ignore`, `per-file-ignores`).
    pub disabled_by_config: usize,
    /// Findings hidden because the baseline holds them.
    pub baselined: usize,
    /// Baseline entries whose findings are gone.
    pub baseline_gone: usize,
    /// Findings `--fix` fixed before these were found.
    pub fixed: usize,
    /// The text of every file a finding is in, read once, as its language
    /// decodes it: what code frames show (reports read no file).
    pub sources: HashMap<PathBuf, Arc<str>>,
}

/// A rule, declared once with its docs (clippy-style).
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
    /// `rules/docs/CODE.md`, embedded.
    pub docs: &'static str,
    pub check: Option<fn(&Context<'_>) -> Vec<Finding>>,
}

pub fn rules() -> &'static [&'static Rule] {
    RULES
}

pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.code == code)
}

/// Runs the selected checks; an unselected check does not run at all.
pub fn run(context: &Context<'_>, selected: &dyn Fn(&str) -> bool) -> Vec<Finding> {
    use rayon::prelude::*;
    let analysis = context.analysis;
    let checks: Vec<_> = RULES
        .iter()
        .filter(|rule| selected(rule.code))
        .filter_map(|rule| rule.check)
        .collect();
    // The checks share nothing but the semantic model they read: each runs
    // on its own (the slowest, which follow calls, beside the rest).
    let per_check: Vec<Vec<Finding>> = match &analysis.pool {
        Some(pool) => pool.install(|| checks.par_iter().map(|check| check(context)).collect()),
        None => checks.iter().map(|check| check(context)).collect(),
    };
    let mut findings: Vec<Finding> = per_check
        .into_iter()
        .flatten()
        .filter(|f| !analysis.files[f.file].library)
        .collect();
    findings.sort_by(|a, b| {
        (&analysis.files[a.file].path, a.location.start, a.code).cmp(&(
            &analysis.files[b.file].path,
            b.location.start,
            b.code,
        ))
    });
    findings
}
