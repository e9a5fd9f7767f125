//! The frameworks themselves as the oracle for DL006 and DL009: the
//! fixtures, imported into the venv with langchain-core, llama-index-core
//! and openhands-sdk, are awaited through each framework's real async path.
//!
//! - DL006: every flagged class raises `NotImplementedError` under
//!   `ainvoke`/`acomplete`; after `check --fix --unsafe-fixes` the same call
//!   returns what the sync entry (or the next working `_arun`) returns.
//! - DL009: each flagged wrapper, holding an object whose own async entry
//!   runs when it is awaited alone, never reaches that entry: its sync one
//!   runs instead.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::copy_tree(&Path::new(ROOT).join("fixtures/python-checks"), dir.path());
    dir
}

fn oracle(dir: &Path, mode: &str, files: &[&str]) -> Value {
    let output = support::oracle_python()
        .current_dir(dir)
        .arg(Path::new(ROOT).join("tests/oracle/async_path_oracle.py"))
        .arg(mode)
        .args(files)
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("OPENHANDS_SUPPRESS_BANNER", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The classes `code` flags in `dir`, by the name its message starts with.
fn flagged(dir: &Path, code: &str, extra: &[&str]) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .current_dir(dir)
        .args([
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "json",
        ])
        .args(["--select", code])
        .args(extra)
        .arg(".")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let name = message.trim_start_matches('`');
            name[..name.find(['.', '`']).unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn dl006_flagged_overrides_raise_under_the_async_path_and_the_fix_makes_them_work() {
    let dir = fixtures();
    let files = [
        "dl006/flag/langchain_tools.py",
        "dl006/flag/llama_openhands.py",
    ];
    let before = oracle(dir.path(), "raising", &files);
    let ran: BTreeSet<String> = before.as_object().unwrap().keys().cloned().collect();
    assert_eq!(ran.len(), 7, "{before:#}");
    for (name, outcome) in before.as_object().unwrap() {
        assert_eq!(
            outcome["raised"], "NotImplementedError",
            "{name} does not fail under the async path: {outcome}"
        );
    }
    // Every class the framework fails on is one DL006 flags.
    let flagged = flagged(dir.path(), "DL006", &[]);
    assert!(ran.is_subset(&flagged), "{ran:?} not all in {flagged:?}");

    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .current_dir(dir.path())
        .args([
            "check",
            "--isolated",
            "--no-cache",
            "--fix",
            "--unsafe-fixes",
        ])
        .args(["--select", "DL006", "."])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("8 fixed"),
        "{output:?}"
    );
    let after = oracle(dir.path(), "raising", &files);
    // What the sync entry returns, run by the inherited default; for the
    // child of a native tool, its parent's `_arun` (which upper-cases).
    assert_eq!(
        after,
        json!({
            "BareTool": {"returned": "x"},
            "EchoChatModel": {"returned": "x"},
            "EchoLLM": {"returned": "x"},
            "EchoTool": {"returned": "echo:x"},
            "PassTool": {"returned": "x"},
            "SearchRetriever": {"returned": ["x"]},
            "StubbedChild": {"returned": "X"},
        })
    );
}

#[test]
fn dl009_flagged_wrappers_never_reach_the_held_objects_async_entry() {
    let dir = fixtures();
    let report = oracle(dir.path(), "wrappers", &["dl009/flag/wrappers.py"]);
    let entries = [
        ("WrappingTool", "_run", "_arun"),
        (
            "WrappingRetriever",
            "_get_relevant_documents",
            "_aget_relevant_documents",
        ),
        ("WrappingLLM", "complete", "acomplete"),
    ];
    for (wrapper, sync, async_) in entries {
        let run = &report[wrapper];
        assert_eq!(run["held_alone"], json!([async_]), "{wrapper}: {run}");
        assert_eq!(run["through_wrapper"], json!([sync]), "{wrapper}: {run}");
    }
    let flagged = flagged(dir.path(), "DL009", &[]);
    for (wrapper, _, _) in entries {
        assert!(flagged.contains(wrapper), "{wrapper} not in {flagged:?}");
    }
}

/// The frameworks' own source (the venv's site-packages as `--python-path`)
/// gives the same DL006 and DL009 findings as their packs do.
#[test]
fn framework_source_gives_the_same_findings_as_the_packs() {
    let output = support::oracle_python()
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ])
        .output()
        .unwrap();
    let site = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let dir = fixtures();
    let concise = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
            .current_dir(dir.path())
            .args([
                "check",
                "--isolated",
                "--no-cache",
                "--output-format",
                "concise",
            ])
            .args(["--select", "DL006,DL009"])
            .args(extra)
            .arg(".")
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let packs = concise(&[]);
    assert!(packs.contains("Found 13 findings"), "{packs}");
    assert_eq!(concise(&["--python-path", &site]), packs);
}
