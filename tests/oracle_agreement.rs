//! The analyzer's verdicts must agree with what Python itself says
//! (`cls.astep is AgentBase.astep`) on every fixture class.
//!
//! `tests/oracle/runtime_oracle.py` imports the fixtures with a real Python
//! 3.12 and reports, for every subclass of each role's root, the verdict and
//! the class that provides the async entry. This test runs it and
//! `dispatchlint agents --format json` on the same fixtures and lists every
//! disagreement by name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const FIXTURES: &str = "fixtures/python";

/// The interpreter: 3.12 at least, since one fixture uses PEP 695 and 701.
fn python() -> Command {
    if let Ok(custom) = std::env::var("DISPATCHLINT_ORACLE_PYTHON") {
        return Command::new(custom);
    }
    let mut command = Command::new("python3.12");
    command.env("PYENV_VERSION", "3.12.1");
    command
}

fn oracle() -> Value {
    let output = python()
        .arg("tests/oracle/runtime_oracle.py")
        .arg(FIXTURES)
        .output()
        .expect("Python 3.12 is needed for the runtime oracle (set DISPATCHLINT_ORACLE_PYTHON)");
    assert!(
        output.status.success(),
        "oracle failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("oracle prints JSON")
}

fn analyzer() -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .args(["agents", "--format", "json", FIXTURES])
        .output()
        .expect("run dispatchlint");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("agents prints JSON")
}

fn expected_unknown() -> BTreeSet<String> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("expected_unknown.txt"))
        .expect("fixtures/python/expected_unknown.txt");
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

type Entry = (String, Option<String>, Option<String>);

/// (qualname, role) -> (verdict, provider qualname, reason)
fn by_class(document: &Value) -> BTreeMap<(String, String), Entry> {
    document["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter(|t| t.get("language").is_none_or(|l| l == "python"))
        .map(|t| {
            let key = (
                t["qualname"].as_str().unwrap().to_owned(),
                t["role"].as_str().unwrap().to_owned(),
            );
            let provider = t["provider"]
                .as_object()
                .map(|p| p["qualname"].as_str().unwrap().to_owned())
                .or_else(|| t["provider"].as_str().map(str::to_owned));
            let reason = t.get("reason").and_then(|r| r.as_str()).map(str::to_owned);
            (
                key,
                (t["verdict"].as_str().unwrap().to_owned(), provider, reason),
            )
        })
        .collect()
}

#[test]
fn verdicts_agree_with_python_on_every_fixture_class() {
    let oracle = by_class(&oracle());
    let analyzer = by_class(&analyzer());
    let unknown = expected_unknown();
    assert!(
        oracle.len() >= 40,
        "the oracle saw only {} role classes",
        oracle.len()
    );

    let mut disagreements = Vec::new();
    for ((qualname, role), (truth, true_provider, _)) in &oracle {
        let Some((verdict, provider, reason)) = analyzer.get(&(qualname.clone(), role.clone()))
        else {
            disagreements.push(format!("{qualname} ({role}): missing from `agents`"));
            continue;
        };
        if unknown.contains(qualname) {
            if verdict != "unknown" {
                disagreements.push(format!(
                    "{qualname} ({role}): expected unknown (unresolvable statically), analyzer says {verdict}"
                ));
            } else if reason.as_deref().is_none_or(str::is_empty) {
                disagreements.push(format!("{qualname} ({role}): unknown without a reason"));
            }
            continue;
        }
        if verdict != truth {
            disagreements.push(format!(
                "{qualname} ({role}): Python says {truth}, analyzer says {verdict} ({})",
                reason.as_deref().unwrap_or("no reason")
            ));
        } else if provider != true_provider {
            disagreements.push(format!(
                "{qualname} ({role}): Python's provider is {true_provider:?}, analyzer's {provider:?}"
            ));
        }
    }
    for (qualname, role) in analyzer.keys() {
        if !oracle.contains_key(&(qualname.clone(), role.clone())) {
            disagreements.push(format!(
                "{qualname} ({role}): listed by `agents` but not a {role} at runtime"
            ));
        }
    }
    for name in &unknown {
        if !oracle.keys().any(|(q, _)| q == name) {
            disagreements.push(format!(
                "{name}: in expected_unknown.txt but not a role class"
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s) between dispatchlint and Python:\n  {}",
        disagreements.len(),
        disagreements.join("\n  ")
    );
}
