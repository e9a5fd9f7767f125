//! Each dispatch decision is reported through `tracing` with the
//! conversation, the agent, the route and the reason.
#![cfg(feature = "dispatcher")]

#[path = "support/probe.rs"]
mod probe;

use std::io;
use std::sync::{Arc, Mutex};

use dispatchlint_runtime::{reason, Capability, Dispatcher, Session};
use probe::{native_agent_probe, native_conversation, sync_agent, Probe};

/// Collects what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn decisions_are_traced_with_their_fields() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .with_max_level(tracing::Level::INFO)
        .finish();
    // A current-thread runtime, so that the thread-local default subscriber
    // sees every event the dispatcher emits.
    tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                for agent in [
                    sync_agent(Probe::quick()),
                    native_agent_probe(Probe::quick()),
                ] {
                    let session = Session::new(native_conversation(agent));
                    Dispatcher::new().dispatch(&session).await.unwrap();
                }
            });
    });
    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let decisions: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("dispatch decision"))
        .collect();
    assert_eq!(decisions.len(), 2, "{output}");
    let expectations = [
        (
            "agent=SyncProbe route=sync-in-executor",
            reason(Capability::Native, Capability::Inherited),
        ),
        (
            "agent=NativeProbe route=native-async",
            reason(Capability::Native, Capability::Native),
        ),
    ];
    for (line, (fields, why)) in decisions.iter().zip(expectations) {
        assert!(line.contains("conversation=NativeConversation"), "{line}");
        assert!(line.contains(fields), "{line}");
        assert!(line.contains(&format!("reason={why:?}")), "{line}");
    }
}
