//! DL005 pseudo-native-astep: an override of an async entry that only hands
//! the sync entry to a thread (or calls it inline, or defers to the root
//! through `super()`): the identity check calls it native, yet it behaves
//! like the default.

use crate::hierarchy::{TypeKey, Verdict};
use crate::model::Via;

use crate::fix::{Edit, Fix};

use super::{Context, Finding, Label, Rule, Severity};
use crate::semantic::values::{next_provider, python_files, root_name};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL005",
    name: "pseudo-native-astep",
    summary: "an async override that only runs the sync entry in a thread",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL005.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let hierarchy = &cx.hierarchy;
    for (file_id, file) in python_files(cx) {
        for function in &file.functions {
            let (Some(class), Some(delegation)) = (function.class, &function.delegation) else {
                continue;
            };
            let key = TypeKey::Source(file_id, class);
            for role in hierarchy.roles.iter().filter(|r| r.async_ == function.name) {
                if key == role.root || hierarchy.capability(&key, role).is_none() {
                    continue;
                }
                let (astep, step) = (&role.async_, &role.sync);
                let what = match delegation.via {
                    Via::Executor if &delegation.target == step => {
                        format!("hands the sync `{step}` to an executor")
                    }
                    Via::ToThread if &delegation.target == step => {
                        format!("hands the sync `{step}` to `asyncio.to_thread`")
                    }
                    Via::Inline if &delegation.target == step => {
                        format!("calls the sync `{step}()` inline, on the event loop")
                    }
                    Via::Super
                        if &delegation.target == astep
                            && next_provider(cx, &key, role) == Some(Verdict::Inherited) =>
                    {
                        format!("defers to `super().{astep}`, which is the root's default")
                    }
                    _ => continue,
                };
                let class_name = &file.classes[class].name;
                let root = root_name(cx, role);
                // Unsafe: the root's default runs instead, and a dispatcher
                // that tests identity now sees the class as sync-only.
                let fix = Fix::unsafe_(
                    format!("remove the `{astep}` override"),
                    vec![Edit {
                        location: function.span,
                        content: String::new(),
                    }],
                );
                findings.push(Finding {
                    fix: Some(fix),
                    code: RULE.code,
                    file: file_id,
                    location: function.location,
                    message: format!(
                        "`{class_name}.{astep}` only {what}: `type(x).{astep} is not {root}.{astep}` calls it native, yet it behaves like the inherited default"
                    ),
                    help: format!(
                        "remove this `{astep}` override so that dispatchers see the class as sync-only, or make `{astep}` really asynchronous"
                    ),
                    labels: vec![Label {
                        location: delegation.location,
                        message: "the whole body delegates here".into(),
                    }],
                });
            }
        }
    }
    findings
}
