//! Helpers shared by integration tests.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// What the runtime itself reports for each type of
/// fixtures/rust/runtime_agents (the `fixture_capabilities` example): one
/// object per type with `name`, `role`, `methods` and `native`.
#[allow(dead_code)]
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

/// Runs `build`, which has maturin build this package (the wheel, the
/// pre-commit hook) in the target directory `cargo test` uses: cargo then puts
/// that build's binary at `target/debug/dispatchlint`, where the tests that
/// follow expect cargo's own. Ours (a hard link to cargo's artifact) is kept
/// and put back afterwards.
#[allow(dead_code)]
pub fn keeping_our_binary<T>(build: impl FnOnce() -> T) -> T {
    let ours = std::path::Path::new(env!("CARGO_BIN_EXE_dispatchlint"));
    let kept = ours.with_file_name(".dispatchlint-kept-while-maturin-builds");
    let _ = std::fs::remove_file(&kept);
    std::fs::hard_link(ours, &kept).unwrap();
    let result = build();
    std::fs::rename(&kept, ours).unwrap();
    result
}

/// Copies a directory tree (files and directories; the fixtures hold no
/// links).
#[allow(dead_code)]
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The Python of the venv `.ci/setup` makes with the frameworks and their
/// dependencies (`DISPATCHLINT_ORACLE_VENV_PYTHON` names another).
#[allow(dead_code)]
pub fn oracle_python() -> Command {
    let path = std::env::var("DISPATCHLINT_ORACLE_VENV_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/target/test-deps/oracle-venv/bin/python",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    assert!(
        Path::new(&path).exists(),
        "{path}: the framework venv is made by `bash .ci/setup`"
    );
    Command::new(path)
}
