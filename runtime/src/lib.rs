//! The reference runtime for dispatchlint's rule: a conversation runs on the
//! event loop (`arun`) only when both it and its agent natively implement
//! their async entries; otherwise it runs its sync `run` on a blocking
//! thread.
//!
//! With no default features the crate is only [`route`], [`Capability`] and
//! [`Route`], which the analyzer links so that it and the dispatcher share one
//! definition. The `dispatcher` feature adds the traits, the macros and the
//! tokio [`Dispatcher`].
// The README's example is compiled as a doctest, so it cannot go stale.
#![cfg_attr(feature = "dispatcher", doc = "")]
#![cfg_attr(feature = "dispatcher", doc = include_str!("../README.md"))]

mod capability;

pub use capability::{reason, route, Capability, ParseError, Route};

#[cfg(feature = "dispatcher")]
mod dispatcher;
#[cfg(feature = "dispatcher")]
mod error;
#[cfg(feature = "dispatcher")]
mod executor;
#[cfg(feature = "dispatcher")]
mod state;
#[cfg(feature = "dispatcher")]
mod steps;
#[cfg(feature = "dispatcher")]
mod traits;

#[cfg(feature = "dispatcher")]
pub use {
    dispatcher::{
        Decision, DispatchError, DispatchErrorKind, Dispatcher, DispatcherBuilder, Session,
    },
    error::{BoxError, Cancelled, StepLimit, SyncOnlyAgent},
    state::ConversationState,
    steps::{arun_steps, native_agent, run_steps},
    traits::{Agent, AsyncAgent, AsyncConversation, Conversation},
};

// Re-exported so that code written with the macros, and the code they
// generate, needs no dependency but this crate.
#[cfg(feature = "dispatcher")]
pub use {
    async_trait::async_trait,
    dispatchlint_macros::{agent, conversation},
    tokio_util::sync::CancellationToken,
};
