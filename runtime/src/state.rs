//! What a conversation's lock protects.

/// The state of one conversation. The dispatcher keeps it behind the
/// conversation's lock and hands `run`/`arun` a `&mut` to it, so the place
/// where the lock is held is decided by the route, not by each
/// conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationState {
    /// What agents and conversations chose to record, oldest first.
    pub events: Vec<String>,
    /// Set by an agent when the conversation has reached its end.
    pub finished: bool,
    /// Steps taken so far, counted by [`crate::run_steps`] and [`crate::arun_steps`].
    pub steps: u32,
    /// The step loops stop with [`crate::StepLimit`] past this, so an agent
    /// that never finishes cannot hold the lock forever.
    pub max_steps: u32,
}

impl ConversationState {
    pub const DEFAULT_MAX_STEPS: u32 = 64;

    pub fn new() -> Self {
        ConversationState {
            events: Vec::new(),
            finished: false,
            steps: 0,
            max_steps: Self::DEFAULT_MAX_STEPS,
        }
    }

    pub fn with_max_steps(max_steps: u32) -> Self {
        ConversationState {
            max_steps,
            ..Self::new()
        }
    }

    pub fn record(&mut self, event: impl Into<String>) {
        self.events.push(event.into());
    }
}

impl Default for ConversationState {
    fn default() -> Self {
        Self::new()
    }
}
