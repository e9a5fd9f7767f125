//! DL004 threaded-astep-call: the async entry of a driven role (an agent's
//! `astep`) awaited directly on a value that only inherits its `executor`
//! default, outside the driver's own implementation.

use crate::hierarchy::{RoleSpec, Verdict};
use crate::model::Language;
use crate::packs::DefaultKind;

use super::{made_here, Context, Finding, Rule, Severity};
use crate::semantic::values::{
    driven_through_attribute, functions, role_pairs, root_name, At, Values,
};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL004",
    name: "threaded-astep-call",
    summary: "an inherited executor default awaited outside the role's driver",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL004.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let pairs = role_pairs(cx);
    // The roles a driver awaits through an attribute, whose default hands
    // the sync entry to a thread: awaited outside their driver, that thread
    // is not the one the driver's state expects.
    let roles: Vec<&RoleSpec> = cx
        .hierarchy
        .roles
        .iter()
        .filter(|role| role.language == Language::Python)
        .filter(|role| matches!(role.default, Some(DefaultKind::Executor) | None))
        .filter(|role| driven_through_attribute(&pairs, role))
        .collect();
    let mut findings = Vec::new();
    for (file, function) in functions(cx) {
        if function.entry_calls.is_empty() {
            continue;
        }
        let values = Values {
            cx,
            file,
            function,
            pairs: &pairs,
        };
        for call in &function.entry_calls {
            let Some(role) = roles.iter().find(|role| call.method == role.async_) else {
                continue;
            };
            // Inside its driver, awaiting the driven entry is the sink the
            // dispatch decision leads to, not a decision of its own.
            if values.in_driver_of(role) {
                continue;
            }
            let Some(value) = values.typed(&call.receiver, At::call(call)) else {
                continue;
            };
            if values.verdict(&value.key, role) != Some(Verdict::Inherited) {
                continue;
            }
            let name = values.name(&value.key);
            let root = root_name(cx, role);
            let (astep, step) = (&role.async_, &role.sync);
            let labels = made_here(&value, &name);
            findings.push(Finding {
                fix: None,
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
