//! DL009 wrapper-drops-async: a class that holds another object of its
//! role and forwards the sync entry to it, but inherits the root's async
//! entry: on the async path the root's default runs the wrapper's sync
//! entry (in a thread, inline, or not at all), so the wrapped object's own
//! async entry is never reached. The Python form of DL104.

use crate::hierarchy::{TypeKey, Verdict};
use crate::model::Language;
use crate::packs::DefaultKind;
use crate::semantic::overrides::sync_side;
use crate::semantic::values::{is_receiver, python_files, root_name, Values};

use super::{Context, Finding, Label, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL009",
    name: "wrapper-drops-async",
    summary: "a wrapper that forwards the sync entry to the object it holds but not the async one",
    severity: Severity::Warning,
    docs: include_str!("../../rules/docs/DL009.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let hierarchy = &cx.hierarchy;
    for (file_id, file) in python_files(cx) {
        for function in &file.functions {
            let (Some(class), Some(forward), false) =
                (function.class, &function.forwards, function.is_async)
            else {
                continue;
            };
            let [object, attr] = &forward.object[..] else {
                continue;
            };
            if !is_receiver(function, object) || forward.awaited {
                continue;
            }
            let key = TypeKey::Source(file_id, class);
            let roles = hierarchy
                .roles
                .iter()
                .filter(|r| r.language == Language::Python && r.sync == function.name);
            for role in roles {
                if key == role.root {
                    continue;
                }
                // Only a wrapper that leaves the async entry to the root
                // loses anything; one that defines it forwards it or
                // decides otherwise on purpose.
                let inherits = hierarchy
                    .capability(&key, role)
                    .is_some_and(|c| c.verdict == Verdict::Inherited);
                if !inherits {
                    continue;
                }
                let values = Values {
                    cx,
                    file: file_id,
                    function,
                    pairs: &[],
                };
                let Some(held) = values.attribute_typed(object, attr, 0) else {
                    continue;
                };
                // The root itself may hold any implementation, native ones
                // too; a known subclass loses something only when it is
                // native.
                let loses = held.key == role.root
                    || hierarchy
                        .capability(&held.key, role)
                        .is_some_and(|c| c.verdict == Verdict::Native);
                if !loses || !sync_side(cx, &held.key, role, &forward.method) {
                    continue;
                }
                let class_name = &file.classes[class].name;
                let held_name = values.name(&held.key);
                let (step, astep) = (&role.sync, &role.async_);
                let root = root_name(cx, role);
                let instead = match role.default {
                    Some(DefaultKind::Executor) => {
                        format!("runs `{class_name}.{step}` in a worker thread")
                    }
                    Some(DefaultKind::Inline) => {
                        format!("calls `{class_name}.{step}` on the event loop")
                    }
                    Some(DefaultKind::Raises) => "raises".to_owned(),
                    None => format!("is the root's default, not `{attr}.{astep}`"),
                };
                let mut labels = vec![Label {
                    location: forward.location,
                    message: format!("`{step}` forwards to `{attr}.{}` here", forward.method),
                }];
                let declared = file.classes[class]
                    .annotated_at
                    .get(attr.as_str())
                    .copied()
                    .or(held.origin);
                if let Some(location) = declared {
                    labels.push(Label {
                        location,
                        message: format!("`{attr}` holds a `{held_name}`"),
                    });
                }
                findings.push(Finding {
                    fix: None,
                    code: RULE.code,
                    file: file_id,
                    location: file.classes[class].location,
                    message: format!(
                        "`{class_name}` forwards `{step}` to the `{held_name}` in `{attr}` but not `{astep}`: the inherited `{root}.{astep}` {instead}, and `{attr}.{astep}` is never reached"
                    ),
                    help: format!(
                        "define `async def {astep}` forwarding to `{object}.{attr}`'s async entry as well"
                    ),
                    labels,
                });
            }
        }
    }
    findings
}
