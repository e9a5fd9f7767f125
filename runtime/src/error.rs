//! Errors that agents, conversations and the step loops return. The
//! dispatcher's own error is in [`crate::dispatcher`].

use std::fmt;

/// What `step`, `astep`, `run` and `arun` return on failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A run stopped because its cancellation token fired. The dispatcher reports
/// any run error of this type as a cancellation rather than a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("run cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// The agent did not finish within `ConversationState::max_steps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepLimit {
    pub max_steps: u32,
}

impl fmt::Display for StepLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "agent did not finish within {} steps", self.max_steps)
    }
}

impl std::error::Error for StepLimit {}

/// A conversation's async entry was asked to drive an agent that has no
/// native `astep`. The runtime refuses instead of moving `step` to a thread
/// behind the caller's back, which is the bug this crate exists for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOnlyAgent {
    pub agent: String,
}

impl fmt::Display for SyncOnlyAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "agent `{}` has no native astep; dispatch it through the sync route",
            self.agent
        )
    }
}

impl std::error::Error for SyncOnlyAgent {}
