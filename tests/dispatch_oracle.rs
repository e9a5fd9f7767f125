//! DL001's fixtures, run: `tests/oracle/dispatch_oracle.py` awaits every
//! dispatch entry point of the guard-shape fixtures with the real OpenHands
//! SDK (the venv `.ci/setup` makes), on a native conversation holding a
//! sync-only agent and then a native one. A flagged fixture must send the
//! sync-only agent down `arun()` and carry exactly one DL001 finding per
//! entry point; its fixed twin must not, and must carry none. Both keep
//! `arun()` for the native agent. Cases whose fixed guard tests the agent
//! against a fixture's own native class (`clean/subclass_agents.py`,
//! `clean/constants_other.py`) are not run: the probe's agents are the
//! oracle's own classes.

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

const FILES: &[&str] = &[
    "fixtures/python-checks/dl001/flag/helpers.py",
    "fixtures/python-checks/dl001/flag/stored.py",
    "fixtures/python-checks/dl001/clean/helpers.py",
    "fixtures/python-checks/dl001/clean/stored.py",
    "fixtures/python-checks/dl001/flag/subclass.py",
    "fixtures/python-checks/dl001/clean/subclass.py",
    "fixtures/python-checks/dl001/flag/constants.py",
    "fixtures/python-checks/dl001/clean/constants.py",
    "fixtures/python-checks/dl001/flag/stored_disagree.py",
    "fixtures/python-checks/dl001/clean/stored_disagree.py",
];

fn python() -> Command {
    let mut command = support::oracle_python();
    command.env("PYTHONPATH", "fixtures/python-checks");
    command
}

fn oracle() -> BTreeMap<String, BTreeMap<String, Value>> {
    let output = python()
        .arg("tests/oracle/dispatch_oracle.py")
        .args(FILES)
        .output()
        .expect("run the dispatch oracle");
    assert!(
        output.status.success(),
        "oracle failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the oracle prints JSON")
}

/// DL001 findings per file: their lines.
fn findings() -> BTreeMap<String, Vec<u64>> {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .args([
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "DL001",
            "--output-format",
            "json",
            "fixtures/python-checks",
        ])
        .output()
        .expect("run dispatchlint");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON findings");
    let mut by_file: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for finding in report["findings"].as_array().expect("findings") {
        let path = finding["path"].as_str().unwrap_or_default().to_owned();
        let line = finding["line"].as_u64().unwrap_or_default();
        by_file.entry(path).or_default().push(line);
    }
    by_file
}

#[test]
fn flagged_guards_send_a_sync_only_agent_down_arun_and_fixed_ones_do_not() {
    let oracle = oracle();
    let findings = findings();
    let mut checked = 0;
    for (file, entries) in &oracle {
        let flagged = file.contains("/flag/");
        let lines = findings.get(file.as_str()).cloned().unwrap_or_default();
        assert!(!entries.is_empty(), "{file}: no entry point ran");
        for (name, run) in entries {
            let sync_only = run["sync_only_agent"].as_str().unwrap_or_default();
            assert_eq!(
                run["native_agent"], "arun",
                "{file} {name}: a native agent keeps arun()"
            );
            let span = (
                run["lines"][0].as_u64().unwrap(),
                run["lines"][1].as_u64().unwrap(),
            );
            let inside = lines
                .iter()
                .filter(|l| (span.0..=span.1).contains(l))
                .count();
            if flagged {
                assert_eq!(
                    sync_only, "arun",
                    "{file} {name}: the buggy guard is not buggy at run time"
                );
                assert_eq!(
                    inside, 1,
                    "{file} {name}: one DL001 finding expected in lines {span:?}, found {lines:?}"
                );
            } else {
                assert_ne!(
                    sync_only, "arun",
                    "{file} {name}: the fixed guard still sends a sync-only agent down arun()"
                );
                assert_eq!(inside, 0, "{file} {name}: DL001 on a fixed guard");
            }
            checked += 1;
        }
    }
    assert!(checked >= 41, "only {checked} entry points ran");
}
