//! DL104 wrapper-drops-async: an impl of a role for a wrapper (`Box<T>`,
//! `Arc<T>`, `&T`, a newtype, a decorator struct) forwards some methods to
//! the wrapped value but leaves others to the trait's defaults: the async
//! entry (or, for the runtime's traits, `as_async`), so a native agent loses
//! its native path once wrapped, and, when the trait's source is read, every
//! other defaulted method, each named.

use std::collections::BTreeSet;

use crate::model::rust::SelfTy;

use super::{Context, Finding, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL104",
    name: "wrapper-drops-async",
    summary:
        "a forwarding impl that leaves a defaulted method, such as the async entry, to the trait",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL104.md"),
    check: Some(check),
};

pub fn check(context: &Context<'_>) -> Vec<Finding> {
    let analysis = context.analysis;
    let model = &context.rust;
    let mut findings = Vec::new();
    for (r, imp, class) in &model.forwarding {
        let rust_role = &model.roles[*r];
        let role = rust_role.role;
        let forwarded: Vec<&String> = imp
            .fact
            .methods
            .iter()
            .filter(|(_, m)| m.body.forwards)
            .map(|(name, _)| name)
            .collect();
        let Some(first) = forwarded.first() else {
            continue;
        };
        let by_macro = imp
            .fact
            .resolved
            .attr_macros
            .iter()
            .any(|m| role.macros.contains(m));
        let has = |name: &str| {
            imp.fact.methods.contains_key(name)
                || (by_macro
                    && role.accessor.as_deref() == Some(name)
                    && imp.fact.methods.contains_key(&role.async_))
        };
        // Where the async path goes: the accessor, else the async entry.
        let path = role.accessor.as_deref().unwrap_or(&role.async_);
        // Every defaulted method of the role's traits, when their source is
        // read; else only the async path, which the pack says is defaulted.
        let defaulted: BTreeSet<&str> = rust_role
            .closure
            .iter()
            .filter_map(|t| model.traits.get(t))
            .flat_map(|(_, t)| t.methods.iter())
            .filter(|(_, m)| m.has_default || m.variants.iter().any(|v| v.has_default))
            .map(|(name, _)| name.as_str())
            .collect();
        let mut dropped: Vec<&str> = if defaulted.is_empty() {
            vec![path]
        } else {
            defaulted.into_iter().collect()
        };
        dropped.retain(|name| !has(name));
        if dropped.is_empty() {
            continue;
        }
        // The async path first: it is what a native agent loses.
        dropped.sort_by_key(|name| *name != path && *name != role.async_);
        let wrapper = match (&imp.fact.self_ty, class) {
            (SelfTy::Wrapper { kind, param }, _) if kind.starts_with('&') => {
                format!("{kind}{param}")
            }
            (SelfTy::Wrapper { kind, param }, _) => format!("{kind}<{param}>"),
            (_, Some((file, class))) => analysis.files[*file].classes[*class].name.clone(),
            _ => "the wrapper".into(),
        };
        let list = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let forwarded_names: Vec<&str> = forwarded.iter().map(|s| s.as_str()).collect();
        let loses_async = dropped.contains(&path) || dropped.contains(&role.async_.as_str());
        let consequence = if loses_async {
            "a native agent wrapped in it runs the default, which is sync-only".to_owned()
        } else {
            format!(
                "the wrapped value's own {} {} replaced by the trait's default",
                list(&dropped),
                if dropped.len() == 1 { "is" } else { "are" }
            )
        };
        // On the sync entry when it is forwarded, else on the first forwarded method.
        let at = imp
            .fact
            .methods
            .get(&role.sync)
            .filter(|m| m.body.forwards)
            .unwrap_or(&imp.fact.methods[*first]);
        findings.push(Finding {
            code: RULE.code,
            file: imp.file,
            location: at.location,
            message: format!(
                "`impl {} for {wrapper}` forwards {} but not {}: {consequence}",
                super::dl101_unreachable_native_async::last(&role.root),
                list(&forwarded_names),
                list(&dropped),
            ),
            help: format!("forward {} to the wrapped value as well", list(&dropped)),
            labels: Vec::new(),
        });
    }
    findings
}
