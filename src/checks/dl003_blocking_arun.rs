//! DL003 blocking-arun: the async entry awaited on a conversation whose class
//! only inherits the root's, which runs the sync entry on the event loop:
//! `route()` sends such a conversation to the sync path whatever its agent.

use crate::model::Driver;

use super::{made_here, Context, Finding, Rule, Severity};
use crate::semantic::dispatch::{awaited_off_route, SyncOnly};
use crate::semantic::values::{functions, role_pairs, root_name, At, Values};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL003",
    name: "blocking-arun",
    summary: "the async entry of a conversation that only inherits it, blocking the event loop",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL003.md"),
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
            // `asyncio.run` makes a loop of its own that nothing else shares:
            // blocking it only makes the call synchronous.
            if call.driver == Driver::AsyncioRun {
                continue;
            }
            for pair in &pairs {
                let role = pair.conversation;
                if call.method != role.async_ {
                    continue;
                }
                let Some(conversation) = values.typed(&call.receiver, At::call(call)) else {
                    continue;
                };
                let agent = conversation
                    .agent
                    .as_ref()
                    .and_then(|agent| values.verdict(&agent.key, pair.agent));
                let off_route = awaited_off_route(values.verdict(&conversation.key, role), agent);
                if off_route != Some(SyncOnly::Conversation) {
                    continue;
                }
                let name = values.name(&conversation.key);
                let root = root_name(cx, role);
                let (arun, run) = (&role.async_, &role.sync);
                let labels = made_here(&conversation, &name);
                findings.push(Finding {
                    code: RULE.code,
                    file,
                    location: call.location,
                    message: format!(
                        "`{name}` does not override `{arun}`: `{root}.{arun}` calls the sync `{run}()` inline, which blocks the event loop until the whole run ends"
                    ),
                    help: format!(
                        "call `await asyncio.to_thread(conversation.{run})` (or `loop.run_in_executor(None, conversation.{run})`) for `{name}`"
                    ),
                    labels,
                });
            }
        }
    }
    findings
}
