//! Runtimes whose thread names say where code ran, each driven from a
//! thread of its own so that a deadlocked runtime fails the test after a
//! timeout instead of hanging it.
#![allow(dead_code)]

use std::future::Future;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

pub const EVENT_LOOP: &str = "event-loop";
pub const WORKER: &str = "rt-worker";
pub const BLOCKING: &str = "dispatch-blocking";

/// A single-threaded event loop, as in Python: the loop is the thread named
/// `event-loop`, and tokio's blocking pool threads are `dispatch-blocking`
/// (on a current-thread runtime the thread name only reaches those).
pub fn on_event_loop<F, Fut, T>(limit: Duration, body: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    run_with_limit(EVENT_LOOP, limit, move || {
        tokio::runtime::Builder::new_current_thread()
            .thread_name(BLOCKING)
            .enable_all()
            .build()
            .expect("runtime builds")
            .block_on(body())
    })
}

/// A two-worker runtime whose workers (and its own blocking pool) are named
/// `rt-worker`; pair it with a dispatcher whose pool is named
/// `dispatch-blocking` to tell the two apart.
pub fn on_workers<F, Fut, T>(limit: Duration, body: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    run_with_limit("test-driver", limit, move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(WORKER)
            .enable_all()
            .build()
            .expect("runtime builds")
            .block_on(body())
    })
}

fn run_with_limit<T: Send + 'static>(
    name: &str,
    limit: Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = mpsc::channel();
    let driver = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let _ = done.send(body());
        })
        .expect("driver thread starts");
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("no result within {limit:?}: the runtime is deadlocked or a run was lost")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match driver.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the driver sends before it returns"),
        },
    }
}

/// Keeps the panics that tests provoke on purpose (their message contains
/// "exploded") out of the output, leaving every other panic to the default
/// hook so that real failures still print.
pub fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if !message.is_some_and(|m| m.contains("exploded")) {
                default(info);
            }
        }));
    });
}
