//! The seed bug, fixed by the tool: openhands-agent-server 1.23.1 as it
//! shipped (`.ci/setup` downloads and unpacks the wheel), with `check --fix
//! --unsafe-fixes`, gets exactly the one-line conjunct that 1.24.0 added to
//! its guard, still compiles, and carries no DL001.

mod support;

use std::path::Path;
use std::process::Command;

const CONJUNCT: &str = "and type(conversation.agent).astep is not AgentBase.astep";

fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .current_dir(dir)
        .args(["check", "--isolated", "--no-cache", "--select", "DL001"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn agent_server_1_23_1_gets_the_seed_fix() {
    let wheel = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/test-deps/openhands-agent-server-1.23.1");
    assert!(
        wheel.join(".complete").exists(),
        "bash .ci/setup unpacks the wheel"
    );
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&wheel, tmp.path());
    let dir = tmp.path();

    let (code, diff) = check(dir, &["--diff", "--unsafe-fixes"]);
    assert_eq!(code, 1, "{diff}");
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    let removed = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .count();
    assert_eq!(added.len(), 1, "{diff}");
    assert_eq!(added[0].trim_start_matches('+').trim(), CONJUNCT, "{diff}");
    assert_eq!(removed, 0, "{diff}");
    assert!(
        diff.starts_with("--- openhands/agent_server/event_service.py\n"),
        "{diff}"
    );
    // Without --unsafe-fixes the fix stays out: the guard's conversation may
    // be anything the service was handed.
    assert_eq!(check(dir, &["--diff"]), (0, String::new()));

    check(dir, &["--fix", "--unsafe-fixes"]);
    let fixed = dir.join("openhands/agent_server/event_service.py");
    let text = std::fs::read_to_string(&fixed).unwrap();
    assert_eq!(text.matches(CONJUNCT).count(), 1);
    let compiled = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&fixed)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .status()
        .unwrap();
    assert!(compiled.success());
    let (code, out) = check(dir, &["--output-format", "concise"]);
    assert_eq!((code, out.as_str()), (0, "All checks passed (47 files)\n"));
}
