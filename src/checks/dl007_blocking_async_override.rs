//! DL007 blocking-async-override: an override of a role's async entry that
//! calls something blocking on the event loop: its own sync entry, another
//! role's sync entry, `time.sleep`, blocking I/O, directly or through the
//! analyzed functions it calls.

use crate::hierarchy::TypeKey;
use crate::model::{CallMode, Callee, Language, Via};

use super::{Context, Finding, Label, Rule, Severity};
use crate::semantic::blocking::Blocking;
use crate::semantic::values::{python_files, root_name};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL007",
    name: "blocking-async-override",
    summary: "an async override that calls a blocking function on the event loop",
    // Every await of the override stalls the loop: no caller can avoid it.
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL007.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let blocking = Blocking::new(cx);
    let mut findings = Vec::new();
    let hierarchy = &cx.hierarchy;
    for (file_id, file) in python_files(cx) {
        for body in file.bodies.iter().filter(|b| b.is_async) {
            let Some(class) = body.class else { continue };
            let key = TypeKey::Source(file_id, class);
            // One finding per override, for the first role it overrides.
            let Some(role) = hierarchy.roles.iter().find(|role| {
                role.language == Language::Python
                    && role.async_ == body.name
                    && key != role.root
                    && hierarchy.capability(&key, role).is_some()
            }) else {
                continue;
            };
            let (sync, async_) = (&role.sync, &role.async_);
            // A body that is only `return self.<sync>(...)` is DL005's.
            let delegates = file.functions.iter().any(|f| {
                f.class == Some(class)
                    && f.qualname == body.qualname
                    && f.delegation
                        .as_ref()
                        .is_some_and(|d| d.via == Via::Inline && &d.target == sync)
            });
            let skip = |call: &crate::model::Call| {
                delegates
                    && call.mode == CallMode::Inline
                    && call.callee == Callee::Receiver(vec![sync.clone()])
            };
            let class_name = &file.classes[class].name;
            let root = root_name(cx, role);
            for blocked in blocking.blocking_calls(file_id, body, &skip) {
                let first = blocked.first();
                let last = blocked.last();
                let mut labels = Vec::new();
                if blocked.steps.len() > 1 && last.file == file_id {
                    labels.push(Label {
                        location: last.location,
                        message: format!("{} blocks here, in `{}`", blocked.cause, last.caller),
                    });
                }
                findings.push(Finding {
                    fix: None,
                    code: RULE.code,
                    file: file_id,
                    location: first.location,
                    message: format!(
                        "`{class_name}.{async_}` overrides `{root}.{async_}` but calls {} on the event loop{}: every await of it blocks the loop for as long as that call takes",
                        blocked.cause,
                        blocked.through(),
                    ),
                    help: format!(
                        "make `{async_}` await async work instead of calling `{}()` (an async client, `asyncio.sleep`, the other object's async entry), or run that call in a thread with `asyncio.to_thread`",
                        first.text
                    ),
                    labels,
                });
            }
        }
    }
    findings
}
