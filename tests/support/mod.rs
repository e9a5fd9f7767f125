//! Helpers shared by integration tests.

use std::process::Command;

use serde_json::Value;

/// What the runtime itself reports for each type of
/// fixtures/rust/runtime_agents (the `fixture_capabilities` example): one
/// object per type with `name`, `role`, `methods` and `native`.
pub fn runtime_fixture_capabilities() -> Vec<Value> {
    let output = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "-q",
            "-p",
            "dispatchlint-runtime",
            "--example",
            "fixture_capabilities",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
