//! DL103 guard-ignores-agent: the Rust form of DL001. A condition chooses a
//! conversation's async entry by testing only the conversation's
//! `as_async()` (or the capability method its pack names, such as
//! `has_async_path()`), never its agent's, so a sync-only agent goes down
//! the async path.

use crate::packs::Role;

use super::{Context, Finding, Label, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL103",
    name: "guard-ignores-agent",
    summary: "a condition that chooses a conversation's async entry without testing its agent",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL103.md"),
    check: Some(check),
};

pub fn check(context: &Context<'_>) -> Vec<Finding> {
    let analysis = context.analysis;
    let rust_roles: Vec<&Role> = analysis.packs.roles(crate::model::Language::Rust).collect();
    // Every method a pack says tests a capability (`as_async`, `is_streaming`).
    let capability_methods: Vec<&str> = rust_roles
        .iter()
        .flat_map(|r| capability_tests(r))
        .collect();
    let conversations: Vec<&Role> = rust_roles
        .iter()
        .copied()
        .filter(|r| r.agent_attr.is_some())
        .collect();
    let mut findings = Vec::new();
    // Nested guards around the same call (`if native { if let Some(c) = ... }`)
    // are one mistake: the outermost is reported.
    let mut reported = std::collections::HashSet::new();
    for (file, facts) in analysis.files.iter().enumerate() {
        let Some(rust) = facts.rust.as_deref() else {
            continue;
        };
        for guard in &rust.guards {
            for role in &conversations {
                let agent = role.agent_attr.as_deref().unwrap_or("agent");
                let Some((_, call)) = guard.calls.iter().find(|(m, _)| *m == role.async_) else {
                    continue;
                };
                let own = capability_tests(role);
                let Some((method, subject)) =
                    guard.tests.iter().find(|(m, _)| own.contains(&m.as_str()))
                else {
                    continue;
                };
                let tests_agent = guard
                    .tests
                    .iter()
                    .filter(|(m, _)| capability_methods.contains(&m.as_str()))
                    .any(|(_, s)| s.split(['.', '(', ')']).any(|part| part == agent));
                if tests_agent || !reported.insert((file, call.start)) {
                    continue;
                }
                let via = guard
                    .via
                    .as_ref()
                    .map(|v| format!(" (through `{v}`)"))
                    .unwrap_or_default();
                let also = if method == "as_async" {
                    format!("{subject}.{agent}().as_async().is_some()")
                } else {
                    format!("{subject}.{agent}().{method}()")
                };
                findings.push(Finding {
                    fix: None,
                    code: RULE.code,
                    file,
                    location: guard.location,
                    message: format!(
                        "this condition{via} chooses `{}` by `{subject}.{method}()` alone; a sync-only agent behind it runs on the async path",
                        role.async_
                    ),
                    help: format!(
                        "also require `{also}`, or let `dispatchlint_runtime::route` choose"
                    ),
                    labels: vec![Label {
                        location: *call,
                        message: format!("`{}` runs here whatever the agent", role.async_),
                    }],
                });
            }
        }
    }
    findings
}

/// The methods whose call tests a role's capability: its accessor and its
/// capability method (`as_async` when the pack names neither).
fn capability_tests(role: &Role) -> Vec<&str> {
    let named: Vec<&str> = role
        .accessor
        .iter()
        .chain(&role.capability_method)
        .map(String::as_str)
        .collect();
    if named.is_empty() {
        vec!["as_async"]
    } else {
        named
    }
}
