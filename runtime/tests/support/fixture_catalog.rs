//! What the runtime says about each type of the runtime_agents fixture. Used
//! by the fixture test and by the fixture_capabilities example, which must
//! declare `mod runtime_agents` (the fixture) at their crate root.

use std::sync::Arc;

use dispatchlint_runtime::{Agent, Conversation};

use crate::runtime_agents::{
    EchoAgent, GenericAgent, HandAsyncAgent, LocalConversation, PlainAgent, PseudoNativeAgent,
    RemoteConversation, StreamingAgent,
};

/// One type's facts, in the shape the analyzer's verdicts are compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The type's name as written in the source, without generic arguments.
    pub name: &'static str,
    pub role: &'static str,
    /// The methods its role impls define: the macro's record where the macro
    /// was used, written out here for the impls written without it.
    pub methods: Vec<&'static str>,
    /// `as_async().is_some()` on an instance.
    pub native: bool,
}

impl Entry {
    fn agent(name: &'static str, methods: &[&'static str], agent: &dyn Agent) -> Entry {
        Entry {
            name,
            role: "agent",
            methods: methods.to_vec(),
            native: agent.as_async().is_some(),
        }
    }

    fn conversation(
        name: &'static str,
        methods: &[&'static str],
        conversation: &dyn Conversation,
    ) -> Entry {
        Entry {
            name,
            role: "conversation",
            methods: methods.to_vec(),
            native: conversation.as_async().is_some(),
        }
    }

    /// One JSON object on one line. The names are Rust identifiers, so no
    /// escaping is needed beyond what `{:?}` gives a plain string.
    pub fn json_line(&self) -> String {
        let methods: Vec<String> = self.methods.iter().map(|m| format!("{m:?}")).collect();
        format!(
            r#"{{"name":{:?},"role":{:?},"methods":[{}],"native":{}}}"#,
            self.name,
            self.role,
            methods.join(","),
            self.native
        )
    }
}

pub fn catalog() -> Vec<Entry> {
    let sync_agent: Arc<dyn Agent> = Arc::new(EchoAgent);
    vec![
        Entry::agent(
            "EchoAgent",
            EchoAgent::__DISPATCHLINT_AGENT_METHODS,
            &EchoAgent,
        ),
        Entry::agent(
            "StreamingAgent",
            StreamingAgent::__DISPATCHLINT_AGENT_METHODS,
            &StreamingAgent,
        ),
        Entry::agent(
            "HandAsyncAgent",
            &["step", "as_async", "astep"],
            &HandAsyncAgent,
        ),
        Entry::agent("PlainAgent", &["name", "step"], &PlainAgent),
        Entry::agent(
            "GenericAgent",
            GenericAgent::<String>::__DISPATCHLINT_AGENT_METHODS,
            &GenericAgent::<String>::default(),
        ),
        Entry::agent(
            "PseudoNativeAgent",
            PseudoNativeAgent::__DISPATCHLINT_AGENT_METHODS,
            &PseudoNativeAgent,
        ),
        Entry::conversation(
            "LocalConversation",
            LocalConversation::__DISPATCHLINT_CONVERSATION_METHODS,
            &LocalConversation {
                agent: Arc::clone(&sync_agent),
            },
        ),
        Entry::conversation(
            "RemoteConversation",
            RemoteConversation::__DISPATCHLINT_CONVERSATION_METHODS,
            &RemoteConversation { agent: sync_agent },
        ),
    ]
}
