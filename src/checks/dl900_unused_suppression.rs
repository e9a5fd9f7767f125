//! DL900 unused-suppression: a suppression comment that suppresses nothing.
//! The suppression pass (`lint.rs`) produces it; no check runs for it.

use super::{Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL900",
    name: "unused-suppression",
    summary: "a suppression comment that suppresses nothing",
    severity: Severity::Warning,
    docs: include_str!("../../rules/docs/DL900.md"),
    check: None,
};
