//! `dispatchlint route`: the route the dispatcher takes for a (conversation,
//! agent) pair, decided by the runtime crate's own `route()`.

use std::fmt::Write;

use dispatchlint_runtime::{reason, route};

use crate::escape;
use crate::hierarchy::{Capability, TypeKey};
use crate::model::Language;
use crate::semantic::{Analysis, Semantic};

/// A type named on the command line, with its capability in one role.
struct Named {
    qualname: String,
    language: Language,
    capability: Capability,
}

/// The test a dispatcher has to make at run time, in the language of the types.
fn runtime_test(analysis: &Analysis, language: Language) -> String {
    let role = |name: &str| {
        analysis
            .packs
            .roles(language)
            .find(|r| r.name == name)
            .cloned()
    };
    match (language, role("conversation"), role("agent")) {
        (Language::Python, Some(c), Some(a)) => {
            let short = |path: &str| path.rsplit('.').next().unwrap_or(path).to_owned();
            format!(
                "`type(conversation).{ca} is not {cr}.{ca} and type(conversation.{attr}).{aa} is not {ar}.{aa}`",
                ca = c.async_,
                cr = short(&c.root),
                attr = c.agent_attr.as_deref().unwrap_or("agent"),
                aa = a.async_,
                ar = short(&a.root),
            )
        }
        _ => "`conversation.as_async().is_some() && conversation.agent().as_async().is_some()` \
              (what `dispatchlint_runtime::Dispatcher` does)"
            .to_owned(),
    }
}

fn find(semantic: &Semantic<'_>, name: &str, role: &str) -> Result<Named, String> {
    let analysis = semantic.analysis;
    let matches_name = |qualname: &str| {
        qualname == name
            || qualname.ends_with(&format!(".{name}"))
            || qualname.ends_with(&format!("::{name}"))
    };
    let mut found: Vec<Named> = semantic
        .verdicts
        .iter()
        .filter(|v| v.role == role)
        .filter_map(|v| {
            let qualname = analysis.qualname(&TypeKey::Source(v.file, v.class));
            matches_name(&qualname).then(|| Named {
                qualname,
                language: analysis.files[v.file].language,
                capability: v.capability.clone(),
            })
        })
        .collect();
    if found.is_empty() {
        // A framework type known only from a pack (`LocalConversation`).
        for spec in semantic.hierarchy.roles.iter().filter(|r| r.name == role) {
            for pack_type in analysis.packs.packs.iter().flat_map(|p| p.types.iter()) {
                let names = std::iter::once(&pack_type.qualname).chain(&pack_type.aliases);
                if names.clone().any(|n| matches_name(n)) {
                    let key = TypeKey::Known(pack_type.qualname.clone());
                    if let Some(capability) = semantic.hierarchy.capability(&key, spec) {
                        found.push(Named {
                            qualname: pack_type.qualname.clone(),
                            language: spec.language,
                            capability,
                        });
                    }
                }
            }
        }
    }
    match found.len() {
        0 => Err(format!(
            "no {role} type named `{name}` in the analyzed code or the rule packs"
        )),
        1 => Ok(found.remove(0)),
        _ => {
            let names: Vec<String> = found
                .into_iter()
                .map(|n| escape::text(&n.qualname).into_owned())
                .collect();
            Err(format!(
                "`{name}` names several {role} types; use a qualified name: {}",
                names.join(", ")
            ))
        }
    }
}

/// One side of the route, escaped (names and reasons come from the tree).
fn describe(analysis: &Analysis, named: &Named, entry: &str) -> String {
    let c = &named.capability;
    let text = match &c.provider {
        Some(provider) => format!(
            "{} ({}): `{entry}` provided by {}",
            named.qualname,
            c.verdict.as_str(),
            analysis.qualname(provider)
        ),
        None => format!(
            "{} (unknown): {}",
            named.qualname,
            c.reason
                .as_deref()
                .unwrap_or("cannot be decided statically")
        ),
    };
    escape::text(&text).into_owned()
}

pub fn explain(semantic: &Semantic<'_>, conversation: &str, agent: &str) -> Result<String, String> {
    let analysis = semantic.analysis;
    let conv = find(semantic, conversation, "conversation")?;
    let agent = find(semantic, agent, "agent")?;
    let entry = |role: &str| {
        semantic
            .hierarchy
            .roles
            .iter()
            .find(|r| r.name == role)
            .map_or(String::new(), |r| r.async_.clone())
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "conversation: {}",
        describe(analysis, &conv, &entry("conversation"))
    );
    let _ = writeln!(
        text,
        "agent:        {}",
        describe(analysis, &agent, &entry("agent"))
    );
    match (
        conv.capability.verdict.capability(),
        agent.capability.verdict.capability(),
    ) {
        (Some(c), Some(a)) => {
            let chosen = route(c, a);
            let _ = writeln!(text, "route: {chosen}");
            let _ = writeln!(text, "because: {}", reason(c, a));
        }
        _ => {
            let _ = writeln!(text, "route: decided at runtime");
            let _ = writeln!(
                text,
                "because: a capability cannot be known statically; the dispatcher must test both \
                 when it runs: {}",
                runtime_test(analysis, conv.language)
            );
        }
    }
    Ok(text)
}
