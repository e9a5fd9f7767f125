//! DL002 sync-agent-async-path: a conversation that overrides the async
//! entry, built with an agent that only inherits its async step, run on the
//! async path: `route()` sends the pair to the sync path because of its
//! agent, and the call awaits the conversation's async entry anyway.

use super::{Context, Finding, Label, Rule, Severity};
use crate::semantic::dispatch::{awaited_off_route, SyncOnly};
use crate::semantic::values::{functions, role_pairs, root_name, At, Values};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL002",
    name: "sync-agent-async-path",
    summary: "a conversation with a sync-only agent run on the async path",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL002.md"),
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
        for call in &function.entry_calls {
            for pair in &pairs {
                if call.method != pair.conversation.async_ {
                    continue;
                }
                let Some(conversation) = values.typed(&call.receiver, At::call(call)) else {
                    continue;
                };
                let Some(agent) = &conversation.agent else {
                    continue;
                };
                let off_route = awaited_off_route(
                    values.verdict(&conversation.key, pair.conversation),
                    values.verdict(&agent.key, pair.agent),
                );
                if off_route != Some(SyncOnly::Agent) {
                    continue;
                }
                let conversation_name = values.name(&conversation.key);
                let agent_name = values.name(&agent.key);
                let (arun, run) = (&pair.conversation.async_, &pair.conversation.sync);
                let (astep, step) = (&pair.agent.async_, &pair.agent.sync);
                let agent_root = root_name(cx, pair.agent);
                let mut labels = Vec::new();
                if let Some(origin) = conversation.origin {
                    labels.push(Label {
                        location: origin,
                        message: format!("`{conversation_name}` is built here with `{agent_name}`"),
                    });
                }
                if let Some(origin) = agent.origin {
                    labels.push(Label {
                        location: origin,
                        message: format!("`{agent_name}` only inherits `{agent_root}.{astep}`"),
                    });
                }
                findings.push(Finding {
                    code: RULE.code,
                    file,
                    location: call.location,
                    message: format!(
                        "`{conversation_name}.{arun}` awaits `{astep}` of its agent, but `{agent_name}` only inherits `{agent_root}.{astep}`: its sync `{step}()` and every callback it fires run on a worker thread while the conversation's async loop holds its state"
                    ),
                    help: format!(
                        "run this conversation on the sync path (`await loop.run_in_executor(None, conversation.{run})`), or implement `{astep}` natively on `{agent_name}`"
                    ),
                    labels,
                });
            }
        }
    }
    findings
}
