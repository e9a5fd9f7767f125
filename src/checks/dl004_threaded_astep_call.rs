//! DL004 threaded-astep-call: the async step awaited directly on an agent that
//! only inherits it, outside a conversation's own implementation.

use crate::hierarchy::Verdict;

use super::{made_here, Context, Finding, Rule, Severity};
use crate::semantic::values::{functions, role_pairs, root_name, At, Values};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL004",
    name: "threaded-astep-call",
    summary: "the async step awaited on a sync-only agent outside a conversation",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL004.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let pairs = role_pairs(cx);
    let mut findings = Vec::new();
    for (file, function) in functions(cx) {
        let values = Values {
            cx,
            file,
            function,
            pairs: &pairs,
        };
        // Inside a conversation, awaiting its agent's astep is the sink the
        // dispatch decision leads to, not a decision of its own.
        if function.entry_calls.is_empty() || values.in_conversation() {
            continue;
        }
        for call in &function.entry_calls {
            let Some(pair) = pairs.iter().find(|p| call.method == p.agent.async_) else {
                continue;
            };
            let role = pair.agent;
            let Some(agent) = values.typed(&call.receiver, At::call(call)) else {
                continue;
            };
            if values.verdict(&agent.key, role) != Some(Verdict::Inherited) {
                continue;
            }
            let name = values.name(&agent.key);
            let root = root_name(cx, role);
            let (astep, step) = (&role.async_, &role.sync);
            let labels = made_here(&agent, &name);
            findings.push(Finding {
                code: RULE.code,
                file,
                location: call.location,
                message: format!(
                    "`{name}` only inherits `{root}.{astep}`, which runs the sync `{step}()` on a worker thread: its callbacks fire off the event loop's thread"
                ),
                help: format!(
                    "call `{step}()` on the sync path for `{name}`, or implement `{astep}` natively on it"
                ),
                labels,
            });
        }
    }
    findings
}
