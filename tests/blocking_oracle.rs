//! DL008 against the real frameworks: for an OpenHands condenser and a
//! LlamaIndex `CustomLLM` that DL008 flags, awaiting the framework's async
//! entry (`acondense`, `acomplete`) blocks the event loop (a ticker task on
//! the same loop never runs during the 0.2 s call), and for their clean
//! twins (a native override, a cheap sync-only condenser) it does not, and
//! DL008 says nothing. The oracle is `tests/oracle/blocking_oracle.py`, run
//! in the venv `.ci/setup` makes (openhands-sdk 1.58.2, llama-index-core
//! 0.14.25).

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use dispatchlint::checks;
use dispatchlint::{analyze, Settings};

const FIXTURES: &str = "fixtures/python-checks";

/// (file under the fixtures, class, awaited async entry, blocks?)
const CASES: &[(&str, &str, &str, bool)] = &[
    (
        "dl008/flag/llama_index_blocking.py",
        "SleepyLLM",
        "acomplete",
        true,
    ),
    (
        "dl008/flag/openhands_condensers.py",
        "SlowCondenser",
        "acondense",
        true,
    ),
    (
        "dl008/clean/not_blocking.py",
        "NativeLLM",
        "acomplete",
        false,
    ),
    (
        "dl008/clean/not_blocking.py",
        "NativeCondenser",
        "acondense",
        false,
    ),
    (
        "dl008/clean/not_blocking.py",
        "KeepCondenser",
        "acondense",
        false,
    ),
];

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The classes DL008 flags in the fixture project, as (file, class).
fn flagged() -> Vec<(String, String)> {
    let root = manifest().join(FIXTURES);
    let analysis = analyze(std::slice::from_ref(&root), &Settings::default()).unwrap();
    let semantic = dispatchlint::semantic::Semantic::new(&analysis);
    checks::run(&semantic, &|code| code == "DL008")
        .iter()
        .map(|finding| {
            let file = &analysis.files[finding.file];
            let class = file
                .classes
                .iter()
                .find(|c| c.location == finding.location)
                .expect("DL008 points at a class name");
            let path = manifest().join(&file.path);
            let relative = path.strip_prefix(&root).unwrap_or(&file.path);
            (relative.display().to_string(), class.name.clone())
        })
        .collect()
}

/// The oracle's answer per case: (ticks while the call ran, seconds, blocked).
fn oracle() -> BTreeMap<String, (u64, f64, bool)> {
    let output = support::oracle_python()
        .current_dir(manifest())
        .arg("tests/oracle/blocking_oracle.py")
        .args(
            CASES
                .iter()
                .map(|(file, class, method, _)| format!("{FIXTURES}/{file}:{class}:{method}")),
        )
        // No network at import (LiteLLM fetches its price list otherwise), no banner.
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("OPENHANDS_SUPPRESS_BANNER", "1")
        .output()
        .expect("run the oracle");
    assert!(
        output.status.success(),
        "oracle failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                v["case"].as_str().unwrap().to_owned(),
                (
                    v["ticks"].as_u64().unwrap(),
                    v["seconds"].as_f64().unwrap(),
                    v["blocked"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn flagged_classes_block_the_loop_and_clean_twins_do_not() {
    let flagged = flagged();
    let runtime = oracle();
    for (file, class, method, blocks) in CASES {
        let case = format!("{FIXTURES}/{file}:{class}:{method}");
        let (ticks, seconds, blocked) = runtime[&case];
        assert_eq!(
            blocked, *blocks,
            "{case}: the ticker ran {ticks} times in {seconds} s"
        );
        let reported = flagged.iter().any(|(f, c)| f == file && c == class);
        assert_eq!(
            reported,
            blocked,
            "{case}: DL008 {} it, and awaiting `{method}` {} the loop",
            if reported { "flags" } else { "does not flag" },
            if blocked { "blocks" } else { "does not block" }
        );
    }
}
