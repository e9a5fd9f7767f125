//! Runs a sync-only and a native agent through a native and a sync-only
//! conversation, and prints where each step ran. Runtime workers are named
//! `rt-worker`, the sync route's threads `dispatch-blocking`; only the
//! native/native pair may step on a worker.
//!
//! ```text
//! cargo run --example dispatch_demo -p dispatchlint-runtime
//! ```

use std::error::Error;
use std::sync::Arc;
use std::thread;

use dispatchlint_runtime::{
    agent, arun_steps, conversation, native_agent, run_steps, Agent, BoxError, CancellationToken,
    Conversation, ConversationState, Dispatcher, Session,
};

fn current_thread_name() -> String {
    thread::current().name().unwrap_or("unnamed").to_owned()
}

struct SyncOnlyAgent;

#[agent]
impl Agent for SyncOnlyAgent {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.record(current_thread_name());
        state.finished = true;
        Ok(())
    }
}

struct NativeAgent;

#[agent]
impl Agent for NativeAgent {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.record(current_thread_name());
        state.finished = true;
        Ok(())
    }

    async fn astep(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.record(current_thread_name());
        state.finished = true;
        Ok(())
    }
}

struct NativeConversation {
    agent: Arc<dyn Agent>,
}

#[conversation]
impl Conversation for NativeConversation {
    fn agent(&self) -> &dyn Agent {
        &*self.agent
    }

    fn run(
        &self,
        state: &mut ConversationState,
        cancel: &CancellationToken,
    ) -> Result<(), BoxError> {
        run_steps(&*self.agent, state, cancel)
    }

    async fn arun(
        &self,
        state: &mut ConversationState,
        cancel: &CancellationToken,
    ) -> Result<(), BoxError> {
        arun_steps(native_agent(&*self.agent)?, state, cancel).await
    }
}

struct SyncOnlyConversation {
    agent: Arc<dyn Agent>,
}

#[conversation]
impl Conversation for SyncOnlyConversation {
    fn agent(&self) -> &dyn Agent {
        &*self.agent
    }

    fn run(
        &self,
        state: &mut ConversationState,
        cancel: &CancellationToken,
    ) -> Result<(), BoxError> {
        run_steps(&*self.agent, state, cancel)
    }
}

async fn demo() -> Result<(), Box<dyn Error>> {
    let dispatcher = Dispatcher::builder()
        .executor_pool(2, "dispatch-blocking")
        .build()?;
    let agents: [Arc<dyn Agent>; 2] = [Arc::new(SyncOnlyAgent), Arc::new(NativeAgent)];
    let conversations: Vec<Arc<dyn Conversation>> = agents
        .iter()
        .flat_map(|agent| -> [Arc<dyn Conversation>; 2] {
            [
                Arc::new(NativeConversation {
                    agent: Arc::clone(agent),
                }),
                Arc::new(SyncOnlyConversation {
                    agent: Arc::clone(agent),
                }),
            ]
        })
        .collect();
    for conversation in conversations {
        let session = Session::new(conversation);
        let decision = dispatcher.dispatch(&session).await?;
        let state = session.state().lock().await;
        let step_thread = state.events.last().map_or("none", String::as_str);
        println!(
            "conversation={} agent={} route={} step_thread={}",
            decision.conversation, decision.agent, decision.route, step_thread
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("rt-worker")
        .enable_all()
        .build()?
        .block_on(demo())
}
