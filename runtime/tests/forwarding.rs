//! The runtime's forwarding impls: a boxed, shared or borrowed agent or
//! conversation keeps its capability, its name and its native path, and the
//! dispatcher routes it as it routes the value inside.
#![cfg(feature = "dispatcher")]

use std::sync::Arc;

use dispatchlint_runtime::{
    agent, conversation, route, Agent, AsyncAgent, BoxError, CancellationToken, Capability,
    Conversation, ConversationState, Route,
};

struct SyncOnly;

impl Agent for SyncOnly {
    fn step(&self, _state: &mut ConversationState) -> Result<(), BoxError> {
        Ok(())
    }
}

struct Native;

#[agent]
impl Agent for Native {
    fn step(&self, _state: &mut ConversationState) -> Result<(), BoxError> {
        Err("the sync step ran".into())
    }

    async fn astep(&self, _state: &mut ConversationState) -> Result<(), BoxError> {
        Ok(())
    }
}

struct Chat<A: Agent> {
    agent: A,
}

#[conversation]
impl<A: Agent + 'static> Conversation for Chat<A> {
    fn agent(&self) -> &dyn Agent {
        &self.agent
    }

    fn run(
        &self,
        _state: &mut ConversationState,
        _cancel: &CancellationToken,
    ) -> Result<(), BoxError> {
        Ok(())
    }

    async fn arun(
        &self,
        _state: &mut ConversationState,
        _cancel: &CancellationToken,
    ) -> Result<(), BoxError> {
        Ok(())
    }
}

fn capability<A: Agent + ?Sized>(agent: &A) -> Capability {
    Capability::from_native(agent.as_async().is_some())
}

#[test]
fn wrapped_agents_keep_their_capability() {
    assert_eq!(capability(&Box::new(Native)), Capability::Native);
    assert_eq!(capability(&Arc::new(Native)), Capability::Native);
    assert_eq!(capability(&&Native), Capability::Native);
    let boxed: Box<dyn Agent> = Box::new(Native);
    assert_eq!(capability(&boxed), Capability::Native);
    assert_eq!(capability(&Box::new(SyncOnly)), Capability::Inherited);
    assert_eq!(capability(&Arc::new(SyncOnly)), Capability::Inherited);
    assert_eq!(Box::new(Native).name(), "Native");
    assert_eq!(Arc::new(SyncOnly).name(), "SyncOnly");
}

#[tokio::test]
async fn a_boxed_native_agent_steps_natively() {
    let mut state = ConversationState::default();
    let boxed = Box::new(Native);
    // Through the wrapper's own `AsyncAgent` impl: `astep`, never `step`.
    AsyncAgent::astep(&boxed, &mut state).await.unwrap();
    assert!(Agent::step(&boxed, &mut state).is_err());
}

#[test]
fn a_conversation_over_a_wrapped_agent_routes_as_the_agent() {
    let native = Chat {
        agent: Arc::new(Native),
    };
    let sync = Chat {
        agent: Box::new(SyncOnly),
    };
    let route_of = |c: &dyn Conversation| {
        route(
            Capability::of_conversation(c),
            Capability::of_agent(c.agent()),
        )
    };
    assert_eq!(route_of(&native), Route::NativeAsync);
    assert_eq!(route_of(&sync), Route::SyncInExecutor);
    // The conversation itself, boxed, keeps its own capability.
    let boxed: Box<dyn Conversation> = Box::new(native);
    assert_eq!(route_of(&boxed), Route::NativeAsync);
    assert_eq!(route_of(&Arc::new(sync)), Route::SyncInExecutor);
}
