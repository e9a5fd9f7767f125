//! The agent and conversation roles. Each has a sync entry every type must
//! write and an async entry that only native types have; `as_async` is how a
//! trait object tells which it is, since Rust has no `type(x).astep is
//! AgentBase.astep`.

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::capability::Capability;
use crate::error::BoxError;
use crate::state::ConversationState;

/// An agent: takes one step of a conversation.
pub trait Agent: Send + Sync {
    /// The name used in traces and dispatch decisions.
    fn name(&self) -> &str {
        short_type_name(std::any::type_name::<Self>())
    }

    /// One step, run where it may block: never on the event loop while the
    /// conversation's lock is held there.
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError>;

    /// `Some(self)` for an agent with a native [`AsyncAgent::astep`]; write
    /// `#[agent]` on the impl block instead of overriding this by hand.
    fn as_async(&self) -> Option<&dyn AsyncAgent> {
        None
    }
}

/// An agent whose step can be awaited on the event loop without blocking it.
#[async_trait]
pub trait AsyncAgent: Agent {
    async fn astep(&self, state: &mut ConversationState) -> Result<(), BoxError>;
}

/// A conversation: drives its agent until the agent finishes.
pub trait Conversation: Send + Sync {
    fn name(&self) -> &str {
        short_type_name(std::any::type_name::<Self>())
    }

    /// The agent this conversation drives; the dispatcher reads its
    /// capability to choose the route.
    fn agent(&self) -> &dyn Agent;

    /// Runs the conversation with sync steps. The dispatcher calls it on a
    /// blocking thread with the state lock taken on that same thread; it
    /// should return [`crate::Cancelled`] once `cancel` fires.
    fn run(
        &self,
        state: &mut ConversationState,
        cancel: &CancellationToken,
    ) -> Result<(), BoxError>;

    /// `Some(self)` for a conversation with a native
    /// [`AsyncConversation::arun`]; write `#[conversation]` instead of
    /// overriding this by hand.
    fn as_async(&self) -> Option<&dyn AsyncConversation> {
        None
    }
}

/// A conversation that can run on the event loop. The dispatcher only calls
/// `arun` when the agent is native too.
#[async_trait]
pub trait AsyncConversation: Conversation {
    async fn arun(
        &self,
        state: &mut ConversationState,
        cancel: &CancellationToken,
    ) -> Result<(), BoxError>;
}

// Forwarding impls, as tower-service ships `impl Service for Box<S>`: a
// boxed, shared or borrowed agent keeps its own name, step and capability
// (`as_async`), so wrapping a native agent never makes it sync-only, and
// users need not write the wrappers DL104 flags.
macro_rules! forward_roles {
    ($($wrapper:ty),*) => {$(
        impl<A: Agent + ?Sized> Agent for $wrapper {
            fn name(&self) -> &str {
                (**self).name()
            }

            fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
                (**self).step(state)
            }

            fn as_async(&self) -> Option<&dyn AsyncAgent> {
                (**self).as_async()
            }
        }

        #[async_trait]
        impl<A: AsyncAgent + ?Sized> AsyncAgent for $wrapper {
            async fn astep(&self, state: &mut ConversationState) -> Result<(), BoxError> {
                (**self).astep(state).await
            }
        }

        impl<A: Conversation + ?Sized> Conversation for $wrapper {
            fn name(&self) -> &str {
                (**self).name()
            }

            fn agent(&self) -> &dyn Agent {
                (**self).agent()
            }

            fn run(
                &self,
                state: &mut ConversationState,
                cancel: &CancellationToken,
            ) -> Result<(), BoxError> {
                (**self).run(state, cancel)
            }

            fn as_async(&self) -> Option<&dyn AsyncConversation> {
                (**self).as_async()
            }
        }

        #[async_trait]
        impl<A: AsyncConversation + ?Sized> AsyncConversation for $wrapper {
            async fn arun(
                &self,
                state: &mut ConversationState,
                cancel: &CancellationToken,
            ) -> Result<(), BoxError> {
                (**self).arun(state, cancel).await
            }
        }
    )*};
}

forward_roles!(Box<A>, std::sync::Arc<A>, &A);

impl Capability {
    pub fn of_agent(agent: &dyn Agent) -> Capability {
        Capability::from_native(agent.as_async().is_some())
    }

    pub fn of_conversation(conversation: &dyn Conversation) -> Capability {
        Capability::from_native(conversation.as_async().is_some())
    }
}

/// `path::to::Type<path::to::Arg>` becomes `Type<path::to::Arg>`: the module
/// path only makes trace lines longer, while the arguments tell instances of
/// a generic type apart.
pub(crate) fn short_type_name(full: &str) -> &str {
    let generics = full.find('<').unwrap_or(full.len());
    let start = full[..generics].rfind("::").map_or(0, |i| i + 2);
    &full[start..]
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn short_names_keep_generic_arguments() {
        assert_eq!(short_type_name("a::b::Agent"), "Agent");
        assert_eq!(short_type_name("Agent"), "Agent");
        assert_eq!(short_type_name("a::G<b::C, d::E>"), "G<b::C, d::E>");
    }
}
