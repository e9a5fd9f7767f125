//! The dispatch checks. One file per check, each a function over the facts
//! and the hierarchy; none of them sees a syntax tree.

use serde::Serialize;

use crate::analysis::Analysis;
use crate::model::{FileId, Location};
use crate::python::resolve::Resolver;

pub mod dl001_guard_ignores_agent;
pub mod dl002_sync_agent_async_path;
pub mod dl003_blocking_arun;
pub mod dl004_threaded_astep_call;
pub mod dl005_pseudo_native_astep;
pub mod values;

pub mod dl101_unreachable_native_async;
pub mod dl102_capability_mismatch;
pub mod dl103_guard_ignores_agent;
pub mod dl104_wrapper_drops_async;

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

/// Everything a check may consult.
pub struct Context<'a> {
    pub analysis: &'a Analysis,
    pub resolver: Resolver<'a>,
}

impl<'a> Context<'a> {
    pub fn new(analysis: &'a Analysis) -> Self {
        Context {
            analysis,
            resolver: Resolver::new(&analysis.files, &analysis.packs),
        }
    }
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

/// Every rule, in code order. Rules without a `check` are produced elsewhere
/// (DL000 by the front ends, DL900 by the suppression pass).
pub fn rules() -> Vec<Rule> {
    let mut rules = vec![
        Rule {
            code: "DL000",
            name: "syntax-error",
            summary: "a file that cannot be read, decoded or parsed",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL000.md"),
            check: None,
        },
        Rule {
            code: "DL001",
            name: "guard-ignores-agent",
            summary:
                "a condition that chooses the conversation's async entry without testing its agent",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL001.md"),
            check: Some(dl001_guard_ignores_agent::check),
        },
        Rule {
            code: "DL002",
            name: "sync-agent-async-path",
            summary: "a conversation with a sync-only agent run on the async path",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL002.md"),
            check: Some(dl002_sync_agent_async_path::check),
        },
        Rule {
            code: "DL003",
            name: "blocking-arun",
            summary:
                "the async entry of a conversation that only inherits it, blocking the event loop",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL003.md"),
            check: Some(dl003_blocking_arun::check),
        },
        Rule {
            code: "DL004",
            name: "threaded-astep-call",
            summary: "the async step awaited on a sync-only agent outside a conversation",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL004.md"),
            check: Some(dl004_threaded_astep_call::check),
        },
        Rule {
            code: "DL005",
            name: "pseudo-native-astep",
            summary: "an async override that only runs the sync entry in a thread",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL005.md"),
            check: Some(dl005_pseudo_native_astep::check),
        },
    ]
    .into_iter()
    .chain(std::iter::once(Rule {
        code: "DL900",
        name: "unused-suppression",
        summary: "a suppression comment that suppresses nothing",
        severity: Severity::Warning,
        docs: include_str!("../../rules/docs/DL900.md"),
        check: None,
    }))
    .chain(rust_rules())
    .collect::<Vec<_>>();
    // In code order, whatever order they are declared in.
    rules.sort_by_key(|rule| rule.code);
    rules
}

/// The Rust checks (DL1xx), over the Rust front end's impl facts.
fn rust_rules() -> Vec<Rule> {
    vec![
        Rule {
            code: "DL101",
            name: "unreachable-native-async",
            summary: "an async entry implemented where no dispatcher can reach it",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL101.md"),
            check: Some(dl101_unreachable_native_async::check),
        },
        Rule {
            code: "DL102",
            name: "capability-mismatch",
            summary: "a hand-written capability that disagrees with the impls",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL102.md"),
            check: Some(dl102_capability_mismatch::check),
        },
        Rule {
            code: "DL103",
            name: "guard-ignores-agent",
            summary:
                "a condition that chooses a conversation's async entry without testing its agent",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL103.md"),
            check: Some(dl103_guard_ignores_agent::check),
        },
        Rule {
            code: "DL104",
            name: "wrapper-drops-async",
            summary: "a forwarding impl that forwards the sync entry but not the async one",
            severity: Severity::Error,
            docs: include_str!("../../rules/docs/DL104.md"),
            check: Some(dl104_wrapper_drops_async::check),
        },
    ]
}

pub fn rule(code: &str) -> Option<Rule> {
    rules().into_iter().find(|r| r.code == code)
}

/// Runs the selected checks; an unselected check does not run at all.
pub fn run(analysis: &Analysis, selected: &dyn Fn(&str) -> bool) -> Vec<Finding> {
    let context = Context::new(analysis);
    let mut findings: Vec<Finding> = rules()
        .iter()
        .filter(|rule| selected(rule.code))
        .filter_map(|rule| rule.check)
        .flat_map(|check| check(&context))
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
