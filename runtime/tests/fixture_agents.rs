//! The fixture crate compiled against the runtime and the macros: every
//! type's recorded methods and capability, and each agent dispatched through
//! each conversation.
#![cfg(feature = "dispatcher")]

#[path = "../../fixtures/rust/runtime_agents/src/lib.rs"]
mod runtime_agents;

#[path = "support/fixture_catalog.rs"]
mod fixture_catalog;

use std::sync::Arc;

use dispatchlint_runtime::{Agent, Capability, Conversation, Dispatcher, Route, Session};
use fixture_catalog::{catalog, Entry};
use runtime_agents::*;

fn entry(name: &'static str, role: &'static str, methods: &[&'static str], native: bool) -> Entry {
    Entry {
        name,
        role,
        methods: methods.to_vec(),
        native,
    }
}

#[test]
fn every_fixture_type_reports_its_methods_and_capability() {
    let expected = vec![
        entry("EchoAgent", "agent", &["step"], false),
        entry("StreamingAgent", "agent", &["step", "astep"], true),
        entry(
            "HandAsyncAgent",
            "agent",
            &["step", "as_async", "astep"],
            true,
        ),
        entry("PlainAgent", "agent", &["name", "step"], false),
        entry("GenericAgent", "agent", &["step", "astep"], true),
        entry("PseudoNativeAgent", "agent", &["step", "astep"], true),
        entry(
            "LocalConversation",
            "conversation",
            &["agent", "run", "arun"],
            true,
        ),
        entry(
            "RemoteConversation",
            "conversation",
            &["agent", "run"],
            false,
        ),
    ];
    assert_eq!(catalog(), expected);
}

#[test]
fn macro_records_are_the_written_methods() {
    assert_eq!(EchoAgent::__DISPATCHLINT_AGENT_METHODS, ["step"]);
    assert_eq!(
        StreamingAgent::__DISPATCHLINT_AGENT_METHODS,
        ["step", "astep"]
    );
    assert_eq!(
        GenericAgent::<u8>::__DISPATCHLINT_AGENT_METHODS,
        ["step", "astep"]
    );
    assert_eq!(
        PseudoNativeAgent::__DISPATCHLINT_AGENT_METHODS,
        ["step", "astep"]
    );
    assert_eq!(
        LocalConversation::__DISPATCHLINT_CONVERSATION_METHODS,
        ["agent", "run", "arun"]
    );
    assert_eq!(
        RemoteConversation::__DISPATCHLINT_CONVERSATION_METHODS,
        ["agent", "run"]
    );
}

#[test]
fn json_lines_have_the_agreed_shape() {
    let line = entry("StreamingAgent", "agent", &["step", "astep"], true).json_line();
    assert_eq!(
        line,
        r#"{"name":"StreamingAgent","role":"agent","methods":["step","astep"],"native":true}"#
    );
}

/// Each agent with the event its `step` records and, if native, the event
/// its `astep` records.
fn agents() -> Vec<(Arc<dyn Agent>, &'static str, Option<&'static str>)> {
    vec![
        (Arc::new(EchoAgent), "echo: step", None),
        (
            Arc::new(StreamingAgent),
            "streaming: step",
            Some("streaming: astep"),
        ),
        (Arc::new(HandAsyncAgent), "hand: step", Some("hand: astep")),
        (Arc::new(PlainAgent), "plain: step", None),
        (
            Arc::new(GenericAgent {
                greeting: "hi".to_owned(),
            }),
            "generic: step hi",
            Some("generic: astep hi"),
        ),
        // Its astep is step called inline, so both record the same event.
        (
            Arc::new(PseudoNativeAgent),
            "pseudo: step",
            Some("pseudo: step"),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_agent_runs_through_each_conversation_on_its_route() {
    let dispatcher = Dispatcher::new();
    for (agent, step_event, astep_event) in agents() {
        assert_eq!(
            Capability::of_agent(&*agent).is_native(),
            astep_event.is_some()
        );
        let local: Arc<dyn Conversation> = Arc::new(LocalConversation {
            agent: Arc::clone(&agent),
        });
        let remote: Arc<dyn Conversation> = Arc::new(RemoteConversation {
            agent: Arc::clone(&agent),
        });
        let expectations = [
            match astep_event {
                Some(astep_event) => (local, Route::NativeAsync, ["local: arun", astep_event]),
                None => (local, Route::SyncInExecutor, ["local: run", step_event]),
            },
            (remote, Route::SyncInExecutor, ["remote: run", step_event]),
        ];
        for (conversation, route, events) in expectations {
            let session = Session::new(conversation);
            let decision = dispatcher.dispatch(&session).await.expect("run succeeds");
            assert_eq!(decision.route, route, "{decision:?}");
            assert_eq!(session.state().lock().await.events, events, "{decision:?}");
        }
    }
}
