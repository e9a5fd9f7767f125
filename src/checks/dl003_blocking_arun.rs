//! DL003 blocking-arun: a role's async entry awaited on a value whose class
//! only inherits the root's `inline` default, which runs the sync entry on
//! the event loop (a conversation's `arun`, a LlamaIndex `acomplete`):
//! `route()` sends such a driver to the sync path whatever it drives.

use crate::hierarchy::RoleSpec;
use crate::model::{Driver, Language, Value};
use crate::packs::DefaultKind;

use super::{made_here, Context, Finding, Rule, Severity};
use crate::semantic::dispatch::{awaited_off_route, SyncOnly};
use crate::semantic::values::{functions, role_pairs, root_name, At, Values};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL003",
    name: "blocking-arun",
    summary: "an inherited inline async default awaited, blocking the event loop",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL003.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let pairs = role_pairs(cx);
    let roles: Vec<&RoleSpec> = cx
        .hierarchy
        .roles
        .iter()
        .filter(|role| role.language == Language::Python && runs_inline(role))
        .collect();
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
            for role in roles.iter().filter(|role| call.method == role.async_) {
                let Some(value) = values.typed(&call.receiver, At::call(call)) else {
                    continue;
                };
                let off_route = awaited_off_route(values.verdict(&value.key, role), None);
                if off_route != Some(SyncOnly::Conversation) {
                    continue;
                }
                let name = values.name(&value.key);
                let root = root_name(cx, role);
                let (arun, run) = (&role.async_, &role.sync);
                let receiver = match &call.receiver {
                    Value::Path(path) => path.join("."),
                    _ => role.name.clone(),
                };
                let labels = made_here(&value, &name);
                findings.push(Finding {
                    fix: None,
                    code: RULE.code,
                    file,
                    location: call.location,
                    message: format!(
                        "`{name}` does not override `{arun}`: `{root}.{arun}` calls the sync `{run}()` inline, which blocks the event loop until it returns"
                    ),
                    help: format!(
                        "call `await asyncio.to_thread({receiver}.{run})` (or `loop.run_in_executor(None, {receiver}.{run})`) for `{name}`"
                    ),
                    labels,
                });
            }
        }
    }
    findings
}

/// A role whose default calls the sync entry on the event loop; a pack
/// written before `default` says so of its drivers (the conversation).
fn runs_inline(role: &RoleSpec) -> bool {
    match role.default {
        Some(kind) => kind == DefaultKind::Inline,
        None => role.drives.iter().any(|d| d.attr != "self"),
    }
}
