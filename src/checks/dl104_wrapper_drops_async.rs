//! DL104 wrapper-drops-async: an impl of a role for a wrapper (`Box<T>`,
//! `Arc<T>`, `&T`, a newtype) forwards the sync entry to the wrapped value
//! but not the async one (or, for the runtime's traits, not `as_async`), so
//! a native agent loses its native path once wrapped.

use crate::rust::items::SelfTy;
use crate::rust::nodes::Model;

use super::{Context, Finding, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL104",
    name: "wrapper-drops-async",
    summary: "a forwarding impl that forwards the sync entry but not the async one",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL104.md"),
    check: Some(check),
};

pub fn check(context: &Context<'_>) -> Vec<Finding> {
    let analysis = context.analysis;
    let model = Model::new(&analysis.files, &analysis.packs);
    let mut findings = Vec::new();
    for (r, imp, class) in &model.forwarding {
        let role = model.roles[*r].role;
        let Some(sync) = imp.fact.methods.get(&role.sync) else {
            continue;
        };
        if !sync.body.forwards {
            continue;
        }
        let by_macro = imp
            .fact
            .resolved
            .attr_macros
            .iter()
            .any(|m| role.macros.contains(m));
        let (forwarded, missing) = match &role.accessor {
            Some(accessor) => (
                imp.fact.methods.contains_key(accessor)
                    || (by_macro && imp.fact.methods.contains_key(&role.async_)),
                accessor.as_str(),
            ),
            None => (
                imp.fact.methods.contains_key(&role.async_),
                role.async_.as_str(),
            ),
        };
        if forwarded {
            continue;
        }
        let wrapper = match (&imp.fact.self_ty, class) {
            (SelfTy::Wrapper { kind, param }, _) if kind.starts_with('&') => {
                format!("{kind}{param}")
            }
            (SelfTy::Wrapper { kind, param }, _) => format!("{kind}<{param}>"),
            (_, Some((file, class))) => analysis.files[*file].classes[*class].name.clone(),
            _ => "the wrapper".into(),
        };
        findings.push(Finding {
            code: RULE.code,
            file: imp.file,
            location: sync.location,
            message: format!(
                "`impl {} for {wrapper}` forwards `{}` but not `{missing}`: a native agent wrapped in it runs the default, which is sync-only",
                super::dl101_unreachable_native_async::last(&role.root),
                role.sync
            ),
            help: format!("forward `{missing}` to the wrapped value as well"),
            labels: Vec::new(),
        });
    }
    findings
}
