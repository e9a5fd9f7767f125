//! `check --fix`, `--unsafe-fixes` and `--diff` on copies of the dispatch
//! fixtures: the diff (snapshot), nothing written by `--diff`, only safe
//! fixes without `--unsafe-fixes`, a second `--fix` that changes nothing,
//! fixed files that still compile, and, run with the real OpenHands SDK,
//! fixed guards that send a sync-only agent to `run()` while a native one
//! keeps `arun()`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::copy_tree(&Path::new(ROOT).join("fixtures/python-checks"), dir.path());
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .current_dir(dir)
        .args(["check", "--isolated", "--no-cache"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn snapshot_of_sources(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                work.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Lines of the findings of `code` that carry a fix, per file.
fn fixable(dir: &Path, code: &str) -> BTreeMap<String, Vec<u64>> {
    let (_, out, _) = run(dir, &["--select", code, "--output-format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut lines: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        if !f["fix"].is_null() {
            let path = f["path"].as_str().unwrap().to_owned();
            lines
                .entry(path)
                .or_default()
                .push(f["line"].as_u64().unwrap());
        }
    }
    lines
}

#[test]
fn diff_shows_the_fixes_and_writes_nothing() {
    let dir = fixtures();
    let before = snapshot_of_sources(dir.path());
    let (code, diff, stderr) = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(code, 1, "a diff exits 1:\n{stderr}");
    assert_eq!(before, snapshot_of_sources(dir.path()), "--diff wrote");
    insta::assert_snapshot!(diff);
    let (code, safe, _) = run(dir.path(), &["--diff"]);
    assert_eq!(code, 1, "some fixes are safe");
    let conjuncts = |diff: &str| {
        diff.matches("+    if type(conversation).arun is not BaseConversation.arun and")
            .count()
            + diff
                .matches("and type(conversation.agent).astep is not AgentBase.astep\n")
                .count()
    };
    assert!(
        conjuncts(&safe) < conjuncts(&diff),
        "the unsafe fixes are not left out without --unsafe-fixes:\n{safe}"
    );
}

#[test]
fn fixed_files_compile_a_second_fix_changes_nothing_and_the_guards_run_right() {
    let dir = fixtures();
    let fixed_before = fixable(dir.path(), "DL001");
    assert!(
        fixed_before.values().map(Vec::len).sum::<usize>() >= 4,
        "{fixed_before:?}"
    );
    for run in oracle(dir.path(), &fixed_before)
        .values()
        .flat_map(|e| e.values())
    {
        assert_eq!(
            run["sync_only_agent"], "arun",
            "not buggy before the fix: {run}"
        );
    }
    let (_, out, stderr) = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--output-format", "concise"],
    );
    assert!(out.contains(" fixed)"), "{out}{stderr}");
    let after = snapshot_of_sources(dir.path());
    let (code, diff, _) = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(
        (code, diff.as_str()),
        (0, ""),
        "the fixes are not idempotent"
    );
    assert_eq!(after, snapshot_of_sources(dir.path()));
    for path in after.keys() {
        let status = Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(path)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()
            .unwrap();
        assert!(status.success(), "{} does not compile", path.display());
    }
    // Every entry point whose guard got a fix now dispatches by the rule.
    let mut proven = 0;
    for (file, entries) in oracle(dir.path(), &fixed_before) {
        for (name, run) in entries {
            assert_eq!(run["native_agent"], "arun", "{file} {name}");
            assert_ne!(
                run["sync_only_agent"], "arun",
                "{file} {name}: still sends a sync-only agent down arun()"
            );
            proven += 1;
        }
    }
    assert!(proven >= 2, "only {proven} fixed entry points ran");
}

/// The dispatch oracle's report on the entry points of `fixable`'s files
/// that hold one of its findings (by name, so that it reads the same before
/// and after the fix moves lines).
fn oracle(
    dir: &Path,
    fixable: &BTreeMap<String, Vec<u64>>,
) -> BTreeMap<String, BTreeMap<String, Value>> {
    static NAMES: std::sync::OnceLock<BTreeMap<String, Vec<String>>> = std::sync::OnceLock::new();
    let files: Vec<PathBuf> = fixable.keys().map(|f| dir.join(f)).collect();
    let output = support::oracle_python()
        .arg(Path::new(ROOT).join("tests/oracle/dispatch_oracle.py"))
        .args(&files)
        .env("PYTHONPATH", dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_slice(&output.stdout).unwrap();
    // The first call sees the files before the fix: it picks the names.
    let names = NAMES.get_or_init(|| {
        fixable
            .iter()
            .map(|(file, lines)| {
                let entries = &report[&dir.join(file).display().to_string()];
                let picked = entries
                    .iter()
                    .filter(|(_, run)| {
                        let (first, last) = (
                            run["lines"][0].as_u64().unwrap(),
                            run["lines"][1].as_u64().unwrap(),
                        );
                        lines.iter().any(|l| (first..=last).contains(l))
                    })
                    .map(|(name, _)| name.clone())
                    .collect();
                (file.clone(), picked)
            })
            .collect()
    });
    names
        .iter()
        .map(|(file, picked)| {
            let entries = &report[&dir.join(file).display().to_string()];
            let kept = entries
                .iter()
                .filter(|(name, _)| picked.contains(name))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            (file.clone(), kept)
        })
        .collect()
}

#[test]
fn without_unsafe_fixes_only_safe_fixes_apply() {
    let dir = fixtures();
    let variants = dir.path().join("dl001/flag/variants.py");
    let guard = "    if type(conversation).arun is not BaseConversation.arun:\n";
    let before = std::fs::read_to_string(&variants).unwrap();
    assert_eq!(before.matches(guard).count(), 2);
    run(dir.path(), &["--fix", "--select", "DL001"]);
    let after = std::fs::read_to_string(&variants).unwrap();
    // `inline(conversation, ...)` may be handed anything: its fix is unsafe
    // and stays out; `known_sync_agent` builds a LocalConversation: safe.
    assert_eq!(after.matches(guard).count(), 1, "{after}");
    let inline = after.find("async def inline").unwrap();
    assert!(after[inline..].starts_with(&format!("async def inline(conversation, loop):\n{guard}")));
}

/// DL006's fix removes the raising override (only with `--unsafe-fixes`);
/// a class whose body held nothing else keeps a `pass`. The fixed files
/// (snapshots) parse, a second run changes nothing, and nothing is left to
/// flag.
#[test]
fn dl006_fix_removes_the_raising_override() {
    let dir = fixtures();
    let before = fixable(dir.path(), "DL006");
    assert_eq!(
        before.values().map(Vec::len).sum::<usize>(),
        8,
        "{before:?}"
    );
    let files = [
        "dl006/flag/langchain_tools.py",
        "dl006/flag/llama_openhands.py",
    ];
    let read = |file: &str| std::fs::read_to_string(dir.path().join(file)).unwrap();
    let original: Vec<String> = files.iter().map(|f| read(f)).collect();
    run(dir.path(), &["--fix", "--select", "DL006"]);
    let untouched: Vec<String> = files.iter().map(|f| read(f)).collect();
    assert_eq!(
        untouched, original,
        "an unsafe fix applied without --unsafe-fixes"
    );
    let (_, out, stderr) = run(
        dir.path(),
        &[
            "--fix",
            "--unsafe-fixes",
            "--select",
            "DL006",
            "--output-format",
            "concise",
        ],
    );
    assert!(out.contains("8 fixed"), "{out}{stderr}");
    insta::assert_snapshot!("dl006_fixed_langchain_tools", read(files[0]));
    insta::assert_snapshot!("dl006_fixed_llama_openhands", read(files[1]));
    assert!(fixable(dir.path(), "DL006").is_empty());
    let (code, diff, _) = run(
        dir.path(),
        &["--diff", "--unsafe-fixes", "--select", "DL006"],
    );
    assert_eq!((code, diff.as_str()), (0, ""), "the fix is not idempotent");
    for file in files {
        let status = Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(dir.path().join(file))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()
            .unwrap();
        assert!(status.success(), "{file} does not compile");
    }
}
