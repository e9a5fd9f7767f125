//! DL102 capability-mismatch: a hand-written capability disagrees with the
//! impls. `as_async` returning `None` next to an `AsyncAgent` impl, or a
//! `supports_async()` / `NATIVE_ASYNC` flag whose literal value says the
//! opposite of the verdict. When the pack names the role's
//! `capability-method`, that method is the flag (and a native type that
//! leaves it to a `false` default is flagged too); otherwise names with
//! `async` or `native` in them are.

use crate::hierarchy::{TypeKey, Verdict};
use crate::model::Location;

use super::{Context, Finding, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL102",
    name: "capability-mismatch",
    summary: "a hand-written capability that disagrees with the impls",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL102.md"),
    check: Some(check),
};

pub fn check(context: &Context<'_>) -> Vec<Finding> {
    let analysis = context.analysis;
    let model = &context.rust;
    let mut findings = Vec::new();
    for play in &model.plays {
        let role = model.roles[play.role].role;
        let key = TypeKey::Source(play.class.0, play.class.1);
        let type_name = analysis.qualname(&key);
        if let (Some(accessor), Some(async_trait)) = (&role.accessor, &role.async_trait) {
            for imp in &play.root_impls {
                let Some(method) = imp.fact.methods.get(accessor) else {
                    continue;
                };
                if method.body.returns_none && !play.async_impls.is_empty() {
                    findings.push(Finding {
                        code: RULE.code,
                        file: imp.file,
                        location: method.location,
                        message: format!(
                            "`{type_name}::{accessor}` returns `None`, but `{type_name}` implements `{async_trait}`: the dispatcher will treat it as sync-only"
                        ),
                        help: format!("return `Some(self)` from `{accessor}`, or use `#[{}]`", super::dl101_unreachable_native_async::last(role.macros.first().map_or("agent", String::as_str))),
                        labels: Vec::new(),
                    });
                }
            }
        }
        let Some(spec) = context
            .hierarchy
            .roles
            .iter()
            .find(|r| r.root == TypeKey::Known(role.root.clone()))
        else {
            continue;
        };
        let native = match context.hierarchy.capability(&key, spec).map(|c| c.verdict) {
            Some(Verdict::Native) => true,
            Some(Verdict::Inherited) => false,
            _ => continue,
        };
        for (file, facts) in analysis.files.iter().enumerate() {
            let Some(rust) = facts.rust.as_deref() else {
                continue;
            };
            for imp in &rust.impls {
                let ours = imp.resolved.self_class == Some(play.class)
                    && (imp.trait_path.is_none()
                        || imp.resolved.trait_.as_deref() == Some(role.root.as_str()));
                if !ours {
                    continue;
                }
                let flags = imp
                    .methods
                    .iter()
                    .filter_map(|(name, m)| m.body.literal_bool.map(|v| (name, v, m.location)))
                    .chain(imp.bool_consts.iter().map(|(name, (v, l))| (name, *v, *l)));
                for (name, value, location) in flags {
                    let flag = match &role.capability_method {
                        Some(method) => name == method,
                        None => is_capability_flag(name),
                    };
                    if flag && value != native {
                        findings.push(flag_finding(
                            file,
                            location,
                            &type_name,
                            name,
                            value,
                            native,
                            &role.async_,
                        ));
                    }
                }
            }
        }
        // The pack's capability method left to the trait's default, which says the opposite.
        if let Some(method) = &role.capability_method {
            let overridden = play
                .root_impls
                .iter()
                .any(|imp| imp.fact.methods.contains_key(method));
            let default = model
                .traits
                .get(&role.root)
                .and_then(|(_, t)| t.methods.get(method))
                // Under an undecided cfg the default may not be compiled.
                .filter(|m| m.cfgs().is_empty())
                .and_then(|m| m.literal_bool);
            // A wrapper that forwards is DL104's: its flag is the inner value's.
            let own = play
                .root_impls
                .iter()
                .find(|imp| imp.fact.resolved.self_class == Some(play.class))
                .filter(|imp| !imp.fact.methods.values().any(|m| m.body.forwards));
            if let (false, Some(value), Some(imp)) = (overridden, default, own) {
                if value != native {
                    let mut finding = flag_finding(
                        imp.file,
                        imp.fact.location,
                        &type_name,
                        method,
                        value,
                        native,
                        &role.async_,
                    );
                    finding.message = format!(
                        "`{type_name}` leaves `{method}` to the trait's default, which says `{value}`, but {}",
                        if native {
                            format!("its impls define `{}`", role.async_)
                        } else {
                            format!("none of its impls defines `{}`", role.async_)
                        }
                    );
                    finding.help = format!("override `{method}` to return `{native}`");
                    findings.push(finding);
                }
            }
        }
    }
    findings
}

/// `supports_async`, `is_async`, `NATIVE_ASYNC`, `has_native_astep`...
fn is_capability_flag(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("async") || lower.contains("native")
}

fn flag_finding(
    file: usize,
    location: Location,
    type_name: &str,
    name: &str,
    value: bool,
    native: bool,
    async_: &str,
) -> Finding {
    let actual = if native {
        format!("its impls define `{async_}`")
    } else {
        format!("none of its impls defines `{async_}`")
    };
    Finding {
        code: RULE.code,
        file,
        location,
        message: format!("`{type_name}::{name}` says `{value}`, but {actual}"),
        help: format!(
            "make `{name}` `{native}`, or derive it from the impls instead of writing it by hand"
        ),
        labels: Vec::new(),
    }
}
