//! Agents and conversations that record which entry ran on which thread, and
//! fail in chosen ways. Shared by the integration tests through `#[path]`.
#![allow(dead_code)]

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use dispatchlint_runtime::{
    agent, arun_steps, conversation, native_agent, run_steps, Agent, BoxError, CancellationToken,
    Conversation, ConversationState,
};

/// Records `entry@thread`, the fact every routing test is about.
pub fn record(state: &mut ConversationState, entry: &str) {
    let thread = thread::current();
    state.record(format!("{entry}@{}", thread.name().unwrap_or("unnamed")));
}

/// What a probe agent does in each step besides recording it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    Panic,
    Error,
    /// Sleeps this long in every step: `thread::sleep` in `step`,
    /// `tokio::time::sleep` in `astep`.
    Slow(Duration),
}

#[derive(Debug, Clone)]
pub struct Probe {
    /// The agent finishes after this many steps.
    pub steps: u32,
    pub fault: Fault,
}

impl Probe {
    pub fn quick() -> Probe {
        Probe {
            steps: 1,
            fault: Fault::None,
        }
    }

    fn after_step(&self, state: &mut ConversationState) {
        if state.steps + 1 >= self.steps {
            state.finished = true;
        }
    }
}

/// Only `step`.
#[derive(Debug, Clone)]
pub struct SyncProbe(pub Probe);

#[agent]
impl Agent for SyncProbe {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        record(state, "step");
        match self.0.fault {
            Fault::None => {}
            Fault::Panic => panic!("step exploded"),
            Fault::Error => return Err("step failed".into()),
            Fault::Slow(pause) => thread::sleep(pause),
        }
        self.0.after_step(state);
        Ok(())
    }
}

/// `step` and a native `astep`; the fault applies to both.
#[derive(Debug, Clone)]
pub struct NativeProbe(pub Probe);

#[agent]
impl Agent for NativeProbe {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        record(state, "step");
        match self.0.fault {
            Fault::None => {}
            Fault::Panic => panic!("step exploded"),
            Fault::Error => return Err("step failed".into()),
            Fault::Slow(pause) => thread::sleep(pause),
        }
        self.0.after_step(state);
        Ok(())
    }

    async fn astep(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        record(state, "astep");
        match self.0.fault {
            Fault::None => {}
            Fault::Panic => panic!("astep exploded"),
            Fault::Error => return Err("astep failed".into()),
            Fault::Slow(pause) => tokio::time::sleep(pause).await,
        }
        self.0.after_step(state);
        Ok(())
    }
}

/// `run` and a native `arun`.
pub struct NativeConversation {
    pub agent: Arc<dyn Agent>,
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
        record(state, "run");
        run_steps(&*self.agent, state, cancel)
    }

    async fn arun(
        &self,
        state: &mut ConversationState,
        cancel: &CancellationToken,
    ) -> Result<(), BoxError> {
        record(state, "arun");
        arun_steps(native_agent(&*self.agent)?, state, cancel).await
    }
}

/// Only `run`.
pub struct SyncConversation {
    pub agent: Arc<dyn Agent>,
}

#[conversation]
impl Conversation for SyncConversation {
    fn agent(&self) -> &dyn Agent {
        &*self.agent
    }

    fn run(
        &self,
        state: &mut ConversationState,
        cancel: &CancellationToken,
    ) -> Result<(), BoxError> {
        record(state, "run");
        run_steps(&*self.agent, state, cancel)
    }
}

pub fn sync_agent(probe: Probe) -> Arc<dyn Agent> {
    Arc::new(SyncProbe(probe))
}

pub fn native_agent_probe(probe: Probe) -> Arc<dyn Agent> {
    Arc::new(NativeProbe(probe))
}

pub fn native_conversation(agent: Arc<dyn Agent>) -> Arc<dyn Conversation> {
    Arc::new(NativeConversation { agent })
}

pub fn sync_conversation(agent: Arc<dyn Agent>) -> Arc<dyn Conversation> {
    Arc::new(SyncConversation { agent })
}
