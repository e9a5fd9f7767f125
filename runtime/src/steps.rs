//! Step loops for conversations to call from `run` and `arun`, so that each
//! conversation does not reinvent the cancellation and step-limit checks.

use tokio_util::sync::CancellationToken;

use crate::error::{BoxError, Cancelled, StepLimit, SyncOnlyAgent};
use crate::state::ConversationState;
use crate::traits::{Agent, AsyncAgent};

/// Calls `agent.step` until the agent finishes, checking `cancel` before each
/// step: a blocking thread cannot be interrupted, so this is where a sync run
/// notices cancellation.
pub fn run_steps(
    agent: &dyn Agent,
    state: &mut ConversationState,
    cancel: &CancellationToken,
) -> Result<(), BoxError> {
    while !state.finished {
        before_step(state, cancel)?;
        agent.step(state)?;
        state.steps += 1;
    }
    Ok(())
}

/// Awaits `agent.astep` until the agent finishes. The dispatcher can also
/// abort the whole future; checking `cancel` here stops a run whose steps
/// complete without ever yielding.
pub async fn arun_steps(
    agent: &dyn AsyncAgent,
    state: &mut ConversationState,
    cancel: &CancellationToken,
) -> Result<(), BoxError> {
    while !state.finished {
        before_step(state, cancel)?;
        agent.astep(state).await?;
        state.steps += 1;
    }
    Ok(())
}

/// The agent's async entry, or an error naming the agent when it has none.
pub fn native_agent(agent: &dyn Agent) -> Result<&dyn AsyncAgent, SyncOnlyAgent> {
    agent.as_async().ok_or_else(|| SyncOnlyAgent {
        agent: agent.name().to_owned(),
    })
}

fn before_step(state: &ConversationState, cancel: &CancellationToken) -> Result<(), BoxError> {
    if cancel.is_cancelled() {
        return Err(Cancelled.into());
    }
    if state.steps >= state.max_steps {
        return Err(StepLimit {
            max_steps: state.max_steps,
        }
        .into());
    }
    Ok(())
}
