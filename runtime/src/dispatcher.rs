//! The dispatcher: applies [`route`] to a conversation and its agent, and
//! runs the conversation where the route says, holding the conversation's
//! state lock on the thread that runs it.

use std::fmt;
use std::io;
use std::sync::Arc;

use tokio::sync::Mutex;
use tokio::task::{JoinError, JoinHandle};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::capability::{reason, route, Capability, Route};
use crate::error::{BoxError, Cancelled};
use crate::executor::{ExecError, Executor, ThreadPool};
use crate::state::ConversationState;
use crate::traits::Conversation;

/// A conversation together with its state lock.
///
/// The dispatcher, not the conversation, takes the lock: on the native route
/// it is awaited on the runtime, on the sync route it is taken on the blocking
/// thread that runs `run`. So no runtime thread ever holds it while a sync
/// step runs elsewhere.
#[derive(Clone)]
pub struct Session {
    conversation: Arc<dyn Conversation>,
    state: Arc<Mutex<ConversationState>>,
}

impl Session {
    pub fn new(conversation: Arc<dyn Conversation>) -> Session {
        Session::with_state(conversation, ConversationState::new())
    }

    pub fn with_state(conversation: Arc<dyn Conversation>, state: ConversationState) -> Session {
        Session {
            conversation,
            state: Arc::new(Mutex::new(state)),
        }
    }

    pub fn conversation(&self) -> &Arc<dyn Conversation> {
        &self.conversation
    }

    /// The lock the dispatcher takes for each run. Take it yourself only
    /// between runs, to inspect or reset the state.
    pub fn state(&self) -> &Arc<Mutex<ConversationState>> {
        &self.state
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("conversation", &self.conversation.name())
            .field("agent", &self.conversation.agent().name())
            .finish_non_exhaustive()
    }
}

/// What the dispatcher decided for one run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub conversation: String,
    pub agent: String,
    pub conversation_capability: Capability,
    pub agent_capability: Capability,
    pub route: Route,
    pub reason: &'static str,
}

impl Decision {
    pub fn of(conversation: &dyn Conversation) -> Decision {
        let agent = conversation.agent();
        let conversation_capability = Capability::of_conversation(conversation);
        let agent_capability = Capability::of_agent(agent);
        Decision {
            conversation: conversation.name().to_owned(),
            agent: agent.name().to_owned(),
            conversation_capability,
            agent_capability,
            route: route(conversation_capability, agent_capability),
            reason: reason(conversation_capability, agent_capability),
        }
    }
}

/// A run that did not complete, with the decision it was run under.
#[derive(Debug)]
pub struct DispatchError {
    pub decision: Decision,
    pub kind: DispatchErrorKind,
}

#[derive(Debug)]
#[non_exhaustive]
pub enum DispatchErrorKind {
    /// `step`, `astep`, `run` or `arun` returned an error.
    Failed(BoxError),
    /// `step`, `astep`, `run` or `arun` panicked; the message of the panic.
    Panicked(String),
    /// The cancellation token fired, or the dispatch future was dropped.
    Cancelled,
    /// The executor dropped the run unstarted, because it was shutting down.
    Lost,
}

impl DispatchError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, DispatchErrorKind::Cancelled)
    }

    pub fn is_panic(&self) -> bool {
        matches!(self.kind, DispatchErrorKind::Panicked(_))
    }
}

impl fmt::Display for DispatchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchErrorKind::Failed(e) => write!(f, "run failed: {e}"),
            DispatchErrorKind::Panicked(m) => write!(f, "run panicked: {m}"),
            DispatchErrorKind::Cancelled => f.write_str("run cancelled"),
            DispatchErrorKind::Lost => f.write_str("executor shut down before the run started"),
        }
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.decision;
        write!(
            f,
            "conversation `{}` with agent `{}` on route {}: {}",
            d.conversation, d.agent, d.route, self.kind
        )
    }
}

impl std::error::Error for DispatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            DispatchErrorKind::Failed(e) => Some(&**e),
            _ => None,
        }
    }
}

/// Runs conversations on the route that [`route`] gives them. Must be used
/// from inside a tokio runtime. Cloning is cheap and shares the executor.
#[derive(Clone)]
pub struct Dispatcher {
    executor: Executor,
}

impl Default for Dispatcher {
    fn default() -> Self {
        Dispatcher::new()
    }
}

impl fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let executor = match self.executor {
            Executor::TokioBlocking => "tokio blocking pool",
            Executor::Pool(_) => "dedicated pool",
        };
        f.debug_struct("Dispatcher")
            .field("executor", &executor)
            .finish()
    }
}

impl Dispatcher {
    /// A dispatcher whose sync route uses tokio's blocking pool.
    pub fn new() -> Dispatcher {
        Dispatcher {
            executor: Executor::TokioBlocking,
        }
    }

    pub fn builder() -> DispatcherBuilder {
        DispatcherBuilder::default()
    }

    /// The decision [`Dispatcher::dispatch`] would make, without running.
    pub fn decide(conversation: &dyn Conversation) -> Decision {
        Decision::of(conversation)
    }

    /// Runs the session's conversation to its end on its route.
    pub async fn dispatch(&self, session: &Session) -> Result<Decision, DispatchError> {
        self.dispatch_with_cancel(session, CancellationToken::new())
            .await
    }

    /// Like [`Dispatcher::dispatch`], stopping with
    /// [`DispatchErrorKind::Cancelled`] once `cancel` fires.
    ///
    /// On the native route the running `arun` future is aborted at its next
    /// await. On the sync route a blocking thread cannot be interrupted: `run`
    /// sees the token between steps, and this future waits for it to return,
    /// so when it resolves the state lock is free and nothing of the run is
    /// still going. Dropping this future cancels the run the same way.
    pub async fn dispatch_with_cancel(
        &self,
        session: &Session,
        cancel: CancellationToken,
    ) -> Result<Decision, DispatchError> {
        let decision = Decision::of(&*session.conversation);
        let span = tracing::info_span!(
            "dispatch",
            conversation = %decision.conversation,
            agent = %decision.agent,
            route = %decision.route,
        );
        tracing::info!(
            parent: &span,
            conversation = %decision.conversation,
            agent = %decision.agent,
            route = %decision.route,
            reason = decision.reason,
            "dispatch decision"
        );

        // A child token, so that dropping this future (which drops the guard)
        // cancels the run without cancelling the caller's token.
        let run_token = cancel.child_token();
        let _cancel_on_drop = run_token.clone().drop_guard();
        let outcome = match decision.route {
            Route::NativeAsync => native(session, run_token, span.clone()).await,
            Route::SyncInExecutor => self.in_executor(session, run_token, span.clone()).await,
        };

        match outcome {
            Ok(()) => {
                tracing::debug!(parent: &span, "run finished");
                Ok(decision)
            }
            Err(kind) => {
                tracing::warn!(parent: &span, error = %kind, "run did not finish");
                Err(DispatchError { decision, kind })
            }
        }
    }

    async fn in_executor(
        &self,
        session: &Session,
        cancel: CancellationToken,
        span: tracing::Span,
    ) -> Result<(), DispatchErrorKind> {
        let conversation = Arc::clone(&session.conversation);
        let state = Arc::clone(&session.state);
        let job = move || {
            let _entered = span.enter();
            let mut state = state.blocking_lock();
            // Checked after the lock, since waiting for it may have taken
            // long enough for the caller to give up.
            if cancel.is_cancelled() {
                return Err(Cancelled.into());
            }
            conversation.run(&mut state, &cancel)
        };
        match self.executor.run(job).await {
            Ok(result) => result.map_err(classify_run_error),
            Err(ExecError::Panicked(message)) => Err(DispatchErrorKind::Panicked(message)),
            Err(ExecError::Lost) => Err(DispatchErrorKind::Lost),
        }
    }
}

async fn native(
    session: &Session,
    cancel: CancellationToken,
    span: tracing::Span,
) -> Result<(), DispatchErrorKind> {
    let conversation = Arc::clone(&session.conversation);
    let state = Arc::clone(&session.state);
    let token = cancel.clone();
    // A task of its own, so that a panic in `arun` or `astep` comes back as a
    // JoinError instead of unwinding through the caller.
    let run = async move {
        let mut state = state.lock().await;
        let Some(conversation) = conversation.as_async() else {
            return Err(BoxError::from(
                "conversation stopped reporting a native arun between decision and run",
            ));
        };
        conversation.arun(&mut state, &token).await
    };
    let mut task = AbortOnDrop(tokio::spawn(run.instrument(span)));
    let joined = tokio::select! {
        joined = &mut task.0 => joined,
        () = cancel.cancelled() => {
            task.0.abort();
            (&mut task.0).await
        }
    };
    match joined {
        Ok(result) => result.map_err(classify_run_error),
        Err(e) => Err(classify_join_error(e)),
    }
}

fn classify_run_error(error: BoxError) -> DispatchErrorKind {
    if error.is::<Cancelled>() {
        DispatchErrorKind::Cancelled
    } else {
        DispatchErrorKind::Failed(error)
    }
}

fn classify_join_error(error: JoinError) -> DispatchErrorKind {
    if error.is_panic() {
        DispatchErrorKind::Panicked(crate::executor::panic_message(error.into_panic()))
    } else {
        DispatchErrorKind::Cancelled
    }
}

/// Aborts the native run's task when the dispatch future is dropped, so a
/// caller that gives up does not leave `arun` holding the lock.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Configures a [`Dispatcher`].
#[derive(Debug, Default)]
pub struct DispatcherBuilder {
    pool: Option<(usize, String)>,
}

impl DispatcherBuilder {
    /// Runs the sync route on `threads` dedicated threads named `name`
    /// instead of tokio's blocking pool, whose threads carry the runtime's
    /// thread name and so cannot be told from its workers.
    pub fn executor_pool(mut self, threads: usize, name: impl Into<String>) -> DispatcherBuilder {
        self.pool = Some((threads, name.into()));
        self
    }

    /// Fails only if the pool's threads cannot be spawned.
    pub fn build(self) -> io::Result<Dispatcher> {
        let executor = match self.pool {
            None => Executor::TokioBlocking,
            Some((threads, name)) => Executor::Pool(Arc::new(ThreadPool::new(threads, &name)?)),
        };
        Ok(Dispatcher { executor })
    }
}
