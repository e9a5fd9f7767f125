//! Where each entry runs, observed through thread names, as the OpenHands
//! fix was verified: a sync-only agent's `step` runs on a blocking thread
//! through `run`, a native agent's `astep` runs on the event loop through
//! `arun`, and a conversation without `arun` runs `run` whatever its agent.
#![cfg(feature = "dispatcher")]

#[path = "support/harness.rs"]
mod harness;
#[path = "support/probe.rs"]
mod probe;

use std::sync::Arc;
use std::time::Duration;

use dispatchlint_runtime::{
    agent, route, Agent, BoxError, Capability, ConversationState, Dispatcher, Route, Session,
};
use harness::{on_event_loop, on_workers, BLOCKING, EVENT_LOOP, WORKER};
use probe::{
    native_agent_probe, native_conversation, record, sync_agent, sync_conversation, Probe,
};

const LIMIT: Duration = Duration::from_secs(20);

/// Dispatches `conversation` once and returns the route and the recorded
/// `entry@thread` events.
async fn run_once(
    dispatcher: &Dispatcher,
    conversation: Arc<dyn dispatchlint_runtime::Conversation>,
) -> (Route, Vec<String>) {
    let session = Session::new(conversation);
    let decision = dispatcher.dispatch(&session).await.expect("run succeeds");
    let events = session.state().lock().await.events.clone();
    (decision.route, events)
}

fn at(entry: &str, thread: &str) -> String {
    format!("{entry}@{thread}")
}

#[test]
fn sync_only_agent_steps_on_a_blocking_thread_through_run() {
    let (route, events) = on_event_loop(LIMIT, || async {
        let conversation = native_conversation(sync_agent(Probe::quick()));
        run_once(&Dispatcher::new(), conversation).await
    });
    assert_eq!(route, Route::SyncInExecutor);
    // `run`, not `arun`, although the conversation has a native `arun`.
    assert_eq!(events, [at("run", BLOCKING), at("step", BLOCKING)]);
}

#[test]
fn native_agent_asteps_on_the_event_loop_through_arun() {
    let (route, events) = on_event_loop(LIMIT, || async {
        let conversation = native_conversation(native_agent_probe(Probe::quick()));
        run_once(&Dispatcher::new(), conversation).await
    });
    assert_eq!(route, Route::NativeAsync);
    assert_eq!(events, [at("arun", EVENT_LOOP), at("astep", EVENT_LOOP)]);
}

#[test]
fn conversation_without_arun_runs_run_whatever_its_agent() {
    let results = on_event_loop(LIMIT, || async {
        let dispatcher = Dispatcher::new();
        let mut results = Vec::new();
        for agent in [
            sync_agent(Probe::quick()),
            native_agent_probe(Probe::quick()),
        ] {
            results.push(run_once(&dispatcher, sync_conversation(agent)).await);
        }
        results
    });
    for (route, events) in results {
        assert_eq!(route, Route::SyncInExecutor);
        assert_eq!(events, [at("run", BLOCKING), at("step", BLOCKING)]);
    }
}

#[test]
fn on_a_worker_pool_with_a_dedicated_executor_the_same_holds() {
    let results = on_workers(LIMIT, || async {
        let dispatcher = Dispatcher::builder()
            .executor_pool(2, BLOCKING)
            .build()
            .expect("pool starts");
        let mut results = Vec::new();
        for (conversation, agent) in [(true, false), (true, true), (false, false), (false, true)] {
            let agent = if agent {
                native_agent_probe(Probe::quick())
            } else {
                sync_agent(Probe::quick())
            };
            let conversation = if conversation {
                native_conversation(agent)
            } else {
                sync_conversation(agent)
            };
            results.push(run_once(&dispatcher, conversation).await);
        }
        results
    });
    assert_eq!(
        results,
        [
            (
                Route::SyncInExecutor,
                vec![at("run", BLOCKING), at("step", BLOCKING)]
            ),
            (
                Route::NativeAsync,
                vec![at("arun", WORKER), at("astep", WORKER)]
            ),
            (
                Route::SyncInExecutor,
                vec![at("run", BLOCKING), at("step", BLOCKING)]
            ),
            (
                Route::SyncInExecutor,
                vec![at("run", BLOCKING), at("step", BLOCKING)]
            ),
        ]
    );
}

#[test]
fn the_dispatcher_routes_as_the_rule_says_for_every_pair() {
    let decisions = on_event_loop(LIMIT, || async {
        let mut decisions = Vec::new();
        for conversation_native in [true, false] {
            for agent_native in [true, false] {
                let agent = if agent_native {
                    native_agent_probe(Probe::quick())
                } else {
                    sync_agent(Probe::quick())
                };
                let conversation = if conversation_native {
                    native_conversation(agent)
                } else {
                    sync_conversation(agent)
                };
                let session = Session::new(conversation);
                decisions.push(
                    Dispatcher::new()
                        .dispatch(&session)
                        .await
                        .expect("run succeeds"),
                );
            }
        }
        decisions
    });
    assert_eq!(decisions.len(), 4);
    for decision in decisions {
        assert_eq!(
            decision.route,
            route(decision.conversation_capability, decision.agent_capability)
        );
        assert_eq!(
            decision.reason,
            dispatchlint_runtime::reason(
                decision.conversation_capability,
                decision.agent_capability
            )
        );
    }
}

/// A sync agent whose step needs the event loop to make progress, like the
/// OpenHands callbacks that post back to the loop: it blocks until a task on
/// the loop answers. Were the step run on the loop thread, or the loop
/// thread blocked waiting for it, the answer could never come.
struct NeedsTheLoop {
    answer: std::sync::Mutex<Option<tokio::sync::oneshot::Receiver<&'static str>>>,
}

#[agent]
impl Agent for NeedsTheLoop {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        record(state, "step");
        let answer = self.answer.lock().unwrap().take().ok_or("asked twice")?;
        let answer = tokio::runtime::Handle::current().block_on(answer)?;
        state.record(answer);
        state.finished = true;
        Ok(())
    }
}

#[test]
fn sync_step_holds_the_lock_off_the_loop_and_the_loop_stays_free() {
    for dedicated_pool in [false, true] {
        let events = on_event_loop(LIMIT, move || async move {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let agent: Arc<dyn Agent> = Arc::new(NeedsTheLoop {
                answer: std::sync::Mutex::new(Some(answer)),
            });
            assert_eq!(Capability::of_agent(&*agent), Capability::Inherited);
            let session = Session::new(native_conversation(agent));
            let dispatcher = if dedicated_pool {
                Dispatcher::builder()
                    .executor_pool(1, BLOCKING)
                    .build()
                    .unwrap()
            } else {
                Dispatcher::new()
            };
            let run = tokio::spawn({
                let session = session.clone();
                async move { dispatcher.dispatch(&session).await }
            });
            // Wait, on the loop, until the step has the lock: the loop thread
            // is free to poll it while the step runs elsewhere.
            while session.state().try_lock().is_ok() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            reply.send("answered by the loop").unwrap();
            run.await.unwrap().expect("run succeeds");
            let events = session.state().lock().await.events.clone();
            events
        });
        assert_eq!(
            events,
            [
                at("run", BLOCKING),
                at("step", BLOCKING),
                "answered by the loop".to_owned()
            ],
            "dedicated pool: {dedicated_pool}"
        );
    }
}

#[test]
fn arun_refuses_a_sync_only_agent_instead_of_moving_its_step_to_a_thread() {
    let (error, events) = on_event_loop(LIMIT, || async {
        use dispatchlint_runtime::{AsyncConversation, CancellationToken};
        let conversation = probe::NativeConversation {
            agent: sync_agent(Probe::quick()),
        };
        let mut state = ConversationState::new();
        let error = conversation
            .arun(&mut state, &CancellationToken::new())
            .await
            .expect_err("a sync-only agent has no astep to await");
        (error, state.events)
    });
    assert!(error.is::<dispatchlint_runtime::SyncOnlyAgent>(), "{error}");
    assert_eq!(events, [at("arun", EVENT_LOOP)], "no step ran anywhere");
}
