//! DL103 guard-ignores-agent: the Rust form of DL001. A condition chooses a
//! conversation's async entry by testing only the conversation's
//! `as_async()` (or the capability method its pack names, such as
//! `has_async_path()`), never its agent's, so a sync-only agent goes down
//! the async path.

use crate::fix::{Edit, Fix};
use crate::model::rust::GuardFact;
use crate::packs::{Packs, Role};

use super::{Context, Finding, Label, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL103",
    name: "guard-ignores-agent",
    summary: "a condition that chooses a conversation's async entry without testing its agent",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL103.md"),
    check: Some(check),
};

pub fn check(context: &Context<'_>) -> Vec<Finding> {
    let analysis = context.analysis;
    let rust_roles: Vec<&Role> = analysis.packs.roles(crate::model::Language::Rust).collect();
    // Every method a pack says tests a capability (`as_async`, `is_streaming`).
    let capability_methods: Vec<&str> = rust_roles
        .iter()
        .flat_map(|r| capability_tests(r))
        .collect();
    let conversations: Vec<&Role> = rust_roles
        .iter()
        .copied()
        .filter(|r| r.agent_attr.is_some())
        .collect();
    let mut findings = Vec::new();
    // Nested guards around the same call (`if native { if let Some(c) = ... }`)
    // are one mistake: the outermost is reported.
    let mut reported = std::collections::HashSet::new();
    for (file, facts) in analysis.files.iter().enumerate() {
        let Some(rust) = facts.rust.as_deref() else {
            continue;
        };
        for guard in &rust.guards {
            for role in &conversations {
                let agent = role.agent_attr.as_deref().unwrap_or("agent");
                let Some((_, call)) = guard.calls.iter().find(|(m, _)| *m == role.async_) else {
                    continue;
                };
                let own = capability_tests(role);
                let Some((method, subject)) =
                    guard.tests.iter().find(|(m, _)| own.contains(&m.as_str()))
                else {
                    continue;
                };
                let tests_agent = guard
                    .tests
                    .iter()
                    .filter(|(m, _)| capability_methods.contains(&m.as_str()))
                    .any(|(_, s)| s.split(['.', '(', ')']).any(|part| part == agent));
                if tests_agent || !reported.insert((file, call.start)) {
                    continue;
                }
                let via = guard
                    .via
                    .as_ref()
                    .map(|v| format!(" (through `{v}`)"))
                    .unwrap_or_default();
                let also = if method == "as_async" {
                    format!("{subject}.{agent}().as_async().is_some()")
                } else {
                    format!("{subject}.{agent}().{method}()")
                };
                let fix = agent_conjunct(&analysis.packs, guard, role, agent, method, subject);
                findings.push(Finding {
                    fix,
                    code: RULE.code,
                    file,
                    location: guard.location,
                    message: format!(
                        "this condition{via} chooses `{}` by `{subject}.{method}()` alone; a sync-only agent behind it runs on the async path",
                        role.async_
                    ),
                    help: format!(
                        "also require `{also}`, or let `dispatchlint_runtime::route` choose"
                    ),
                    labels: vec![Label {
                        location: *call,
                        message: format!("`{}` runs here whatever the agent", role.async_),
                    }],
                });
            }
        }
    }
    findings
}

/// `&& conv.agent().as_async().is_some()` right after the operand of the
/// condition (or of the helper variable it reads) that tests the driver,
/// written as that operand is when the driven role is tested by the same
/// method (`executor.is_streaming()` gives `executor.chain().is_streaming()`),
/// else with the driven role's own capability method or accessor. None when
/// no operand can take it (`if let`, `||`, `!`, a `match`). Safe only when
/// the subject is a parameter whose type the driver's trait bounds: the
/// pack's accessor (`agent()`) is then surely there.
fn agent_conjunct(
    packs: &Packs,
    guard: &GuardFact,
    role: &Role,
    agent: &str,
    method: &str,
    subject: &str,
) -> Option<Fix> {
    let conjunct = guard
        .conjuncts
        .iter()
        .find(|c| c.method == method && c.receiver == subject)?;
    let receiver = &conjunct.receiver_text;
    let driven = packs
        .packs
        .iter()
        .find(|p| p.roles.iter().any(|r| std::ptr::eq(r, role)))
        .and_then(|pack| {
            let drive = role.drives.iter().find(|d| d.attr == agent)?;
            pack.roles.iter().find(|r| r.name == drive.role)
        });
    // The operand's own words only when it is the test and nothing else
    // (`conv.as_async().is_some()`, not `ready == conv.is_streaming()`).
    let own_words = conjunct.before.trim().is_empty() && is_call_chain(&conjunct.after);
    let same_method = driven.is_none_or(|d| capability_tests(d).contains(&method));
    let test = if own_words && same_method {
        format!("{receiver}.{agent}(){}", conjunct.after)
    } else {
        let driven = driven.unwrap_or(role);
        match (&driven.capability_method, &driven.accessor) {
            (Some(capability), _) => format!("{receiver}.{agent}().{capability}()"),
            (None, Some(accessor)) => format!("{receiver}.{agent}().{accessor}().is_some()"),
            (None, None) => format!("{receiver}.{agent}().as_async().is_some()"),
        }
    };
    let bounded = guard
        .param_traits_resolved
        .get(subject)
        .is_some_and(|traits| {
            traits.iter().any(|t| {
                *t == role.root
                    || role.aliases.contains(t)
                    || role.async_trait.as_ref() == Some(t)
                    || role.async_trait_aliases.contains(t)
            })
        });
    let edits = vec![Edit {
        location: conjunct.location.end_point(),
        content: format!(" && {test}"),
    }];
    let message = format!("add `&& {test}`");
    Some(if bounded {
        Fix::safe(message, edits)
    } else {
        Fix::unsafe_(message, edits)
    })
}

/// `.as_async().is_some()`: argument-less method calls and nothing else.
fn is_call_chain(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(calls) = compact.strip_prefix('.') else {
        return false;
    };
    calls.split('.').all(|call| {
        call.strip_suffix("()").is_some_and(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

/// The methods whose call tests a role's capability: its accessor and its
/// capability method (`as_async` when the pack names neither).
fn capability_tests(role: &Role) -> Vec<&str> {
    let named: Vec<&str> = role
        .accessor
        .iter()
        .chain(&role.capability_method)
        .map(String::as_str)
        .collect();
    if named.is_empty() {
        vec!["as_async"]
    } else {
        named
    }
}

#[cfg(test)]
mod tests {
    use super::is_call_chain;

    #[test]
    fn only_a_chain_of_plain_calls_is_the_operand_s_own_words() {
        assert!(is_call_chain(".as_async().is_some()"));
        assert!(is_call_chain(".is_streaming()"));
        assert!(is_call_chain("\n        .as_async()\n        .is_some()"));
        assert!(!is_call_chain(".is_streaming() == ready"));
        assert!(!is_call_chain(".as_async().map(|a| a.ok())"));
        assert!(!is_call_chain(""));
    }
}
