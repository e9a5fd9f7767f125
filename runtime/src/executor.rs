//! Where the sync route runs: tokio's blocking pool, or a pool of named
//! threads of our own so that traces and tests can tell a sync step's thread
//! from a runtime worker (tokio gives both the same name).

use std::any::Any;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

#[derive(Clone)]
pub(crate) enum Executor {
    TokioBlocking,
    Pool(Arc<ThreadPool>),
}

/// Why a blocking job produced no value.
pub(crate) enum ExecError {
    Panicked(String),
    /// The job was dropped unrun: the runtime or the pool shut down.
    Lost,
}

impl Executor {
    pub(crate) async fn run<F, R>(&self, job: F) -> Result<R, ExecError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match self {
            Executor::TokioBlocking => tokio::task::spawn_blocking(job).await.map_err(|e| {
                if e.is_panic() {
                    ExecError::Panicked(panic_message(e.into_panic()))
                } else {
                    ExecError::Lost
                }
            }),
            Executor::Pool(pool) => pool.run(job).await,
        }
    }
}

type Job = Box<dyn FnOnce() + Send + 'static>;

pub(crate) struct ThreadPool {
    // Dropping the last sender is the shutdown signal: idle workers see the
    // channel close and exit, so a dropped dispatcher leaves no threads
    // waiting forever and its Drop never blocks a runtime thread on a join.
    sender: mpsc::Sender<Job>,
}

impl ThreadPool {
    pub(crate) fn new(threads: usize, name: &str) -> io::Result<ThreadPool> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || worker(&receiver))?;
        }
        Ok(ThreadPool { sender })
    }

    async fn run<F, R>(&self, job: F) -> Result<R, ExecError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (done, outcome) = oneshot::channel();
        // Sync code on tokio's blocking pool may call Handle::current(); the
        // same code must keep working when it runs on our threads instead.
        let runtime = Handle::try_current().ok();
        let wrapped: Job = Box::new(move || {
            let _entered = runtime.as_ref().map(Handle::enter);
            let result = catch_unwind(AssertUnwindSafe(job));
            let _ = done.send(result);
        });
        self.sender.send(wrapped).map_err(|_| ExecError::Lost)?;
        match outcome.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(payload)) => Err(ExecError::Panicked(panic_message(payload))),
            Err(_) => Err(ExecError::Lost),
        }
    }
}

fn worker(receiver: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The guard is a temporary of this statement, so the lock is released
        // before the job runs and the other workers can take the next one.
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        match next {
            Ok(job) => job(),
            Err(mpsc::RecvError) => return,
        }
    }
}

pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}
