//! DL000 syntax-error: input that cannot be read, decoded or parsed. The front ends
//! and the walk produce it (`model::InputDiagnostic`); no check runs for it.

use super::{Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL000",
    name: "syntax-error",
    summary: "a file that cannot be read, decoded or parsed",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL000.md"),
    check: None,
};
