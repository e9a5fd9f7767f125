//! DL101 unreachable-native-async: a Rust type implements the async entry,
//! but the dispatcher can never reach it.
//!
//! Two shapes: an `AsyncAgent` impl (a role's async trait) while the root's
//! impl neither overrides `as_async` nor carries `#[agent]`, so `as_async()`
//! stays `None`; and an inherent `async fn astep` on a type whose trait impl
//! lacks it, so calls through the trait run the default.

use crate::hierarchy::{TypeKey, Verdict};

use super::{Context, Finding, Label, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL101",
    name: "unreachable-native-async",
    summary: "an async entry implemented where no dispatcher can reach it",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL101.md"),
    check: Some(check),
};

pub fn check(context: &Context<'_>) -> Vec<Finding> {
    let analysis = context.analysis;
    let model = &context.rust;
    let mut findings = Vec::new();
    for play in &model.plays {
        let role = model.roles[play.role].role;
        let key = TypeKey::Source(play.class.0, play.class.1);
        let Some(spec) = context
            .hierarchy
            .roles
            .iter()
            .find(|r| r.root == TypeKey::Known(role.root.clone()))
        else {
            continue;
        };
        let Some(capability) = context.hierarchy.capability(&key, spec) else {
            continue;
        };
        if capability.verdict != Verdict::Inherited {
            continue;
        }
        let type_name = analysis.qualname(&key);
        let short = &analysis.files[play.class.0].classes[play.class.1].name;
        if let (Some(async_trait), Some(accessor)) = (&role.async_trait, &role.accessor) {
            let overridden = play
                .root_impls
                .iter()
                .any(|i| i.fact.methods.contains_key(accessor));
            // An explicit `None` is a hand-written capability: DL102's business.
            if overridden {
                continue;
            }
            for imp in &play.async_impls {
                let location = imp
                    .fact
                    .methods
                    .get(&role.async_)
                    .map_or(imp.fact.location, |m| m.location);
                let root_impl = play.root_impls.first();
                findings.push(Finding {
                    code: RULE.code,
                    file: imp.file,
                    location,
                    message: format!(
                        "`{type_name}` implements `{async_trait}::{}`, but its `{}` impl never overrides `{accessor}`, so no dispatcher can reach it",
                        role.async_, role.root
                    ),
                    help: format!(
                        "write `#[{}]` on `impl {} for {short}` and move `{}` into it, or override `fn {accessor}` to return `Some(self)`",
                        macro_name(&role.macros),
                        last(&role.root),
                        role.async_
                    ),
                    labels: root_impl
                        .filter(|r| r.file == imp.file)
                        .map(|r| Label {
                            location: r.fact.location,
                            message: format!("`{accessor}` keeps its default `None` here"),
                        })
                        .into_iter()
                        .collect(),
                });
            }
            continue;
        }
        // An inherent method of the same name shadows nothing the trait sees.
        for (file, facts) in analysis.files.iter().enumerate() {
            let Some(rust) = facts.rust.as_deref() else {
                continue;
            };
            for imp in rust.impls.iter().filter(|i| i.trait_path.is_none()) {
                if imp.resolved.self_class != Some(play.class) {
                    continue;
                }
                if let Some(method) = imp.methods.get(&role.async_) {
                    findings.push(Finding {
                        code: RULE.code,
                        file,
                        location: method.location,
                        message: format!(
                            "`{type_name}` defines `{}` in an inherent impl, but its `{}` impl does not: calls through the trait run the default, which runs `{}`",
                            role.async_, role.root, role.sync
                        ),
                        help: format!(
                            "move `{}` into `impl {} for {short}`",
                            role.async_,
                            last(&role.root)
                        ),
                        labels: Vec::new(),
                    });
                }
            }
        }
    }
    findings
}

pub(crate) fn last(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

fn macro_name(macros: &[String]) -> &str {
    macros.first().map_or("agent", |m| last(m))
}
