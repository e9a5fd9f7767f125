//! Where a conversation is built with an agent, and the route the reference
//! dispatcher takes for the pair (`route()` of the runtime crate): what
//! `audit` reports as routes.

use std::collections::BTreeSet;

use dispatchlint_runtime::route;

use super::values::{functions, role_pairs, At, Values};
use super::Semantic;

/// A conversation built with an agent, somewhere in the analyzed code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usage {
    pub conversation: String,
    pub agent: String,
    /// `native-async`, `sync-in-executor`, or `decided at runtime`.
    pub route: String,
    pub path: String,
    pub line: u32,
}

/// Every `conv = SomeConversation(agent=...)` (or factory call) whose
/// conversation and agent types are known.
pub fn usages(cx: &Semantic<'_>) -> Vec<Usage> {
    let analysis = cx.analysis;
    let pairs = role_pairs(cx);
    let mut found = BTreeSet::new();
    for (file, function) in functions(cx) {
        let values = Values {
            cx,
            file,
            function,
            pairs: &pairs,
        };
        for assign in &function.assigns {
            let at = At {
                offset: assign.location.end,
                block: &assign.block,
            };
            let Some(typed) = values.typed(&assign.value, at) else {
                continue;
            };
            for pair in pairs.iter().filter(|p| !p.same_object()) {
                let Some(agent) = typed.held(pair.attr) else {
                    continue;
                };
                let (Some(conversation), Some(agent_capability)) = (
                    cx.hierarchy.capability(&typed.key, pair.driver),
                    cx.hierarchy.capability(&agent.key, pair.driven),
                ) else {
                    continue;
                };
                let route = match (
                    conversation.verdict.capability(),
                    agent_capability.verdict.capability(),
                ) {
                    (Some(c), Some(a)) => route(c, a).as_str().to_owned(),
                    _ => "decided at runtime".to_owned(),
                };
                found.insert(Usage {
                    conversation: analysis.qualname(&typed.key),
                    agent: analysis.qualname(&agent.key),
                    route,
                    path: analysis.files[file].path.display().to_string(),
                    line: assign.location.line,
                });
            }
        }
    }
    found.into_iter().collect()
}
