//! Failures, cancellation and load: a failing or panicking agent becomes an
//! error of its own run and nothing else's; cancellation stops a run on
//! either route and frees its lock; a thousand mixed runs on two workers all
//! come back.
#![cfg(feature = "dispatcher")]

#[path = "support/harness.rs"]
mod harness;
#[path = "support/probe.rs"]
mod probe;

use std::collections::BTreeMap;
use std::error::Error as _;
use std::time::{Duration, Instant};

use dispatchlint_runtime::{
    CancellationToken, DispatchError, DispatchErrorKind, Dispatcher, Route, Session,
};
use harness::{on_event_loop, on_workers, quiet_expected_panics, BLOCKING};
use probe::{native_agent_probe, native_conversation, sync_agent, sync_conversation, Fault, Probe};

const LIMIT: Duration = Duration::from_secs(30);

fn probe(steps: u32, fault: Fault) -> Probe {
    Probe { steps, fault }
}

fn dispatchers() -> Vec<(&'static str, Dispatcher)> {
    vec![
        ("tokio blocking pool", Dispatcher::new()),
        (
            "dedicated pool",
            Dispatcher::builder()
                .executor_pool(2, BLOCKING)
                .build()
                .expect("pool starts"),
        ),
    ]
}

#[test]
fn a_panicking_step_is_an_error_and_the_dispatcher_carries_on() {
    quiet_expected_panics();
    on_event_loop(LIMIT, || async {
        for (executor, dispatcher) in dispatchers() {
            let session = Session::new(native_conversation(sync_agent(probe(1, Fault::Panic))));
            let error = dispatcher.dispatch(&session).await.expect_err(executor);
            assert!(error.is_panic(), "{executor}: {error}");
            assert_eq!(error.decision.route, Route::SyncInExecutor);
            assert!(
                matches!(&error.kind, DispatchErrorKind::Panicked(m) if m == "step exploded"),
                "{executor}: {error}"
            );
            // The lock was released by the unwinding, and tokio's mutex does
            // not poison: the state is there to inspect.
            assert_eq!(
                session
                    .state()
                    .try_lock()
                    .expect("lock is free")
                    .events
                    .len(),
                2
            );

            let healthy = Session::new(native_conversation(sync_agent(Probe::quick())));
            dispatcher
                .dispatch(&healthy)
                .await
                .expect("the next run succeeds");
        }
    });
}

#[test]
fn a_panicking_astep_is_an_error_of_its_run() {
    quiet_expected_panics();
    on_event_loop(LIMIT, || async {
        let dispatcher = Dispatcher::new();
        let session = Session::new(native_conversation(native_agent_probe(probe(
            1,
            Fault::Panic,
        ))));
        let error = dispatcher.dispatch(&session).await.expect_err("panics");
        assert_eq!(error.decision.route, Route::NativeAsync);
        assert!(
            matches!(&error.kind, DispatchErrorKind::Panicked(m) if m == "astep exploded"),
            "{error}"
        );
        assert!(session.state().try_lock().is_ok(), "the lock is free");
        let healthy = Session::new(native_conversation(native_agent_probe(Probe::quick())));
        dispatcher
            .dispatch(&healthy)
            .await
            .expect("the next run succeeds");
    });
}

#[test]
fn an_erroring_astep_or_step_is_reported_with_its_source() {
    on_event_loop(LIMIT, || async {
        let dispatcher = Dispatcher::new();
        let cases = [
            (
                native_conversation(native_agent_probe(probe(1, Fault::Error))),
                Route::NativeAsync,
                "astep failed",
            ),
            (
                native_conversation(sync_agent(probe(1, Fault::Error))),
                Route::SyncInExecutor,
                "step failed",
            ),
        ];
        for (conversation, route, message) in cases {
            let error = dispatcher
                .dispatch(&Session::new(conversation))
                .await
                .expect_err("fails");
            assert_eq!(error.decision.route, route);
            assert!(
                matches!(error.kind, DispatchErrorKind::Failed(_)),
                "{error}"
            );
            assert_eq!(
                error.source().map(|e| e.to_string()).as_deref(),
                Some(message)
            );
            assert!(error.to_string().contains(route.as_str()), "{error}");
        }
    });
}

/// Dispatches a run of slow steps, cancels it after `after`, and returns the
/// error, how long cancelling took, and the steps taken.
async fn cancel_mid_run(
    dispatcher: &Dispatcher,
    session: &Session,
    after: Duration,
) -> (DispatchError, Duration, u32) {
    let token = CancellationToken::new();
    let canceller = tokio::spawn({
        let token = token.clone();
        async move {
            tokio::time::sleep(after).await;
            token.cancel();
            Instant::now()
        }
    });
    let error = dispatcher
        .dispatch_with_cancel(session, token)
        .await
        .expect_err("cancelled");
    let cancelled_at = canceller.await.unwrap();
    // Resolving means the run has stopped: the lock must be free right away.
    let steps = session.state().try_lock().expect("lock is free").steps;
    (error, cancelled_at.elapsed(), steps)
}

#[test]
fn cancellation_stops_a_run_on_either_route() {
    on_workers(LIMIT, || async {
        let slow = probe(10_000, Fault::Slow(Duration::from_millis(5)));
        for (executor, dispatcher) in dispatchers() {
            let cases = [
                (
                    native_conversation(native_agent_probe(slow.clone())),
                    Route::NativeAsync,
                ),
                (
                    native_conversation(sync_agent(slow.clone())),
                    Route::SyncInExecutor,
                ),
                (
                    sync_conversation(native_agent_probe(slow.clone())),
                    Route::SyncInExecutor,
                ),
            ];
            for (conversation, route) in cases {
                let session = Session::with_state(
                    conversation,
                    dispatchlint_runtime::ConversationState::with_max_steps(u32::MAX),
                );
                let (error, latency, steps) =
                    cancel_mid_run(&dispatcher, &session, Duration::from_millis(60)).await;
                assert!(error.is_cancelled(), "{executor}: {error}");
                assert_eq!(error.decision.route, route);
                assert!(
                    (1..10_000).contains(&steps),
                    "{executor}, {route}: {steps} steps"
                );
                // At most one 5 ms step has to finish after the token fires.
                assert!(
                    latency < Duration::from_millis(500),
                    "{executor}, {route}: {latency:?}"
                );
            }
        }
    });
}

#[test]
fn cancelling_before_the_run_starts_runs_nothing() {
    on_event_loop(LIMIT, || async {
        for conversation in [
            native_conversation(native_agent_probe(Probe::quick())),
            native_conversation(sync_agent(Probe::quick())),
        ] {
            let session = Session::new(conversation);
            let token = CancellationToken::new();
            token.cancel();
            let error = Dispatcher::new()
                .dispatch_with_cancel(&session, token)
                .await
                .expect_err("cancelled");
            assert!(error.is_cancelled(), "{error}");
            let state = session.state().try_lock().expect("lock is free");
            assert_eq!(state.steps, 0, "{:?}", state.events);
        }
    });
}

#[test]
fn dropping_the_dispatch_future_stops_the_run() {
    on_workers(LIMIT, || async {
        let slow = probe(10_000, Fault::Slow(Duration::from_millis(5)));
        for conversation in [
            native_conversation(native_agent_probe(slow.clone())),
            native_conversation(sync_agent(slow.clone())),
        ] {
            let session = Session::with_state(
                conversation,
                dispatchlint_runtime::ConversationState::with_max_steps(u32::MAX),
            );
            let dispatcher = Dispatcher::new();
            let gave_up =
                tokio::time::timeout(Duration::from_millis(60), dispatcher.dispatch(&session))
                    .await;
            assert!(gave_up.is_err(), "the run was still going");
            // The abandoned run stops by itself: the lock comes free within a
            // step or so, and no step is taken after that.
            let steps = tokio::time::timeout(Duration::from_secs(2), session.state().lock())
                .await
                .expect("the abandoned run lets go of the lock")
                .steps;
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(session.state().lock().await.steps, steps);
            assert!(steps < 10_000);
        }
    });
}

/// What a run of the thousand is expected to end in, from how it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Expected {
    Ok(Route),
    Failed(Route),
    Panicked(Route),
}

fn outcome(result: &Result<dispatchlint_runtime::Decision, DispatchError>) -> Expected {
    match result {
        Ok(decision) => Expected::Ok(decision.route),
        Err(e) => match e.kind {
            DispatchErrorKind::Failed(_) => Expected::Failed(e.decision.route),
            DispatchErrorKind::Panicked(_) => Expected::Panicked(e.decision.route),
            _ => panic!("unexpected outcome: {e}"),
        },
    }
}

/// Dispatches `count` conversations at once, cycling through the four
/// (conversation, agent) pairs, every 10th agent erroring and every 25th
/// panicking; checks that each run comes back with the outcome it was built
/// for. Returns how long the whole batch took.
async fn thousand(dispatcher: Dispatcher, count: usize, pause: Duration) -> Duration {
    let mut expected: BTreeMap<Expected, usize> = BTreeMap::new();
    let mut runs = tokio::task::JoinSet::new();
    let started = Instant::now();
    for i in 0..count {
        let fault = if i % 25 == 0 {
            Fault::Panic
        } else if i % 10 == 0 {
            Fault::Error
        } else {
            Fault::Slow(pause)
        };
        let agent_probe = probe(3, fault);
        let (conversation_native, agent_native) = (i % 2 == 0, (i / 2) % 2 == 0);
        let agent = if agent_native {
            native_agent_probe(agent_probe)
        } else {
            sync_agent(agent_probe)
        };
        let conversation = if conversation_native {
            native_conversation(agent)
        } else {
            sync_conversation(agent)
        };
        let route = if conversation_native && agent_native {
            Route::NativeAsync
        } else {
            Route::SyncInExecutor
        };
        let want = match fault {
            Fault::Panic => Expected::Panicked(route),
            Fault::Error => Expected::Failed(route),
            _ => Expected::Ok(route),
        };
        *expected.entry(want).or_default() += 1;
        let dispatcher = dispatcher.clone();
        runs.spawn(async move {
            let session = Session::new(conversation);
            let result = dispatcher.dispatch(&session).await;
            let steps = session.state().lock().await.steps;
            (i, want, outcome(&result), steps)
        });
    }
    let mut seen = vec![false; count];
    let mut got: BTreeMap<Expected, usize> = BTreeMap::new();
    while let Some(joined) = runs.join_next().await {
        let (i, want, outcome, steps) = joined.expect("dispatch itself never panics");
        assert_eq!(outcome, want, "run {i}");
        if matches!(outcome, Expected::Ok(_)) {
            assert_eq!(steps, 3, "run {i}");
        }
        assert!(!seen[i], "run {i} came back twice");
        seen[i] = true;
        *got.entry(outcome).or_default() += 1;
    }
    let elapsed = started.elapsed();
    assert!(seen.iter().all(|s| *s), "every run came back");
    assert_eq!(got, expected);
    elapsed
}

#[test]
fn a_thousand_mixed_runs_on_two_workers_all_come_back() {
    quiet_expected_panics();
    let pauses = [Duration::ZERO, Duration::from_millis(1)];
    let mut figures = Vec::new();
    for pause in pauses {
        for (executor, threads) in [("tokio blocking pool", 0), ("dedicated pool of 4", 4)] {
            let elapsed = on_workers(Duration::from_secs(120), move || async move {
                let dispatcher = if threads == 0 {
                    Dispatcher::new()
                } else {
                    Dispatcher::builder()
                        .executor_pool(threads, BLOCKING)
                        .build()
                        .expect("pool starts")
                };
                thousand(dispatcher, 1_000, pause).await
            });
            figures.push(format!(
                "1000 runs, 3 steps each, {pause:?} per step, {executor}: {elapsed:?}"
            ));
        }
    }
    for line in figures {
        println!("{line}");
    }
}
