//! Where a conversation is built with an agent, and the route the reference
//! dispatcher takes for the pair (`route()` of the runtime crate): what
//! `audit` reports as routes.

use std::collections::BTreeSet;

use dispatchlint_runtime::{route, Route};

use crate::model::{Assign, FunctionFact, Value};

use super::values::{functions, role_pairs, At, Values};
use super::Semantic;

/// A conversation built with an agent, somewhere in the analyzed code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usage {
    pub conversation: String,
    pub agent: String,
    /// `native-async`, `sync-in-executor`, or `decided at runtime`: what
    /// the reference dispatcher would do with the pair.
    pub route: String,
    /// What the code does with the value in the function that builds it.
    pub taken: Taken,
    pub path: String,
    pub line: u32,
}

/// What the function that builds a conversation does with it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Taken {
    /// Awaits (or schedules) its async entry outside any guard: the native
    /// path, whatever `route()` says.
    Awaits { method: String, line: u32 },
    /// Awaits it only where a capability guard chose to.
    Guarded { method: String, line: u32 },
    /// Does not call its async entry there (returns it, hands it on, runs
    /// it on the sync path).
    NotHere,
}

impl Taken {
    /// The route the code takes, when the place decides one.
    pub fn route(&self) -> Option<&'static str> {
        match self {
            Taken::Awaits { .. } => Some(Route::NativeAsync.as_str()),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Taken::Awaits { method, line } => format!("awaits `{method}()` (line {line})"),
            Taken::Guarded { method, line } => {
                format!("a guard chooses `{method}()` (line {line})")
            }
            Taken::NotHere => "not run where it is built".into(),
        }
    }
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
            for pair in pairs
                .iter()
                .filter(|p| !p.same_object() && !p.driven_inline())
            {
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
                    taken: taken(&values, function, assign, &pair.driver.async_),
                    path: analysis.files[file].path.display().to_string(),
                    line: assign.location.line,
                });
            }
        }
    }
    found.into_iter().collect()
}

/// The first call of `method` on the value `assign` made, after it in the
/// same function, and whether a capability guard protects it.
fn taken(values: &Values<'_>, function: &FunctionFact, assign: &Assign, method: &str) -> Taken {
    let found = function.entry_calls.iter().enumerate().find(|(_, call)| {
        let Value::Path(receiver) = &call.receiver else {
            return false;
        };
        call.method == method
            && call.location.start >= assign.location.end
            && values.expand(receiver, At::call(call)) == assign.target
    });
    let Some((index, call)) = found else {
        return Taken::NotHere;
    };
    let method = method.to_owned();
    let line = call.location.line;
    match function.guards.iter().any(|g| g.protected.contains(&index)) {
        true => Taken::Guarded { method, line },
        false => Taken::Awaits { method, line },
    }
}
