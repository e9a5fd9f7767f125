//! Per-rule snapshots, as ruff keeps them: every file under a check's
//! `flag/` and `clean/` fixtures (`fixtures/python-checks/dlNNN/` for the
//! Python checks; for the Rust ones, the `src/` of the crates
//! `fixtures/rust-checks/dlNNN/{flag,clean}/`, `lib.rs` aside) is checked
//! alone, judged against the whole fixture project (as pre-commit runs it),
//! and its concise output is snapshotted. A `clean/` file must also have no
//! finding of any rule; a `flag/` file at least one of its own.

use std::path::{Path, PathBuf};

use dispatchlint::checks::rules;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-checks")
}

fn rust_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/rust-checks")
}

fn sources(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == extension));
    // A crate root only declares the modules that hold the cases.
    files.retain(|p| p.file_name().is_none_or(|n| n != "lib.rs"));
    files.sort();
    files
}

fn concise(file: &Path) -> String {
    concise_in(&fixtures(), file, &[])
}

fn concise_in(root: &Path, file: &Path, extra: &[&str]) -> String {
    let relative = file.strip_prefix(root).unwrap();
    let output = assert_cmd::Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(root)
        .args([
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "concise",
            "--project-root",
            ".",
        ])
        .args(extra)
        .arg(relative)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}: {output:?}",
        relative.display()
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_rule_fixture() {
    let mut seen = 0;
    for rule in rules() {
        let dir = fixtures().join(rule.code.to_ascii_lowercase());
        for set in ["flag", "clean"] {
            for file in sources(&dir.join(set), "py") {
                let text = concise(&file);
                let stem = file.file_stem().unwrap().to_string_lossy();
                let name = format!("{}_{set}_{stem}", rule.code.to_ascii_lowercase());
                assert_set(&name, set, rule.code, &text);
                insta::assert_snapshot!(name, text);
                seen += 1;
            }
        }
    }
    // Every Python check has fixtures of both kinds.
    assert!(seen >= 10, "{seen} fixture files");
}

/// `text`, the concise output for `name`'s file, holds what its set says.
fn assert_set(name: &str, set: &str, code: &str, text: &str) {
    if set == "clean" {
        assert!(text.starts_with("All checks passed"), "{name}:\n{text}");
    } else {
        assert!(
            text.lines().any(|l| l.contains(&format!(": {code} "))),
            "{name} flags nothing of {code}:\n{text}"
        );
    }
}

#[test]
fn every_rust_rule_fixture() {
    let root = rust_fixtures();
    let mut checked = 0;
    for rule in rules().iter().filter(|r| r.code.starts_with("DL1")) {
        let dir = root.join(rule.code.to_ascii_lowercase());
        for set in ["flag", "clean"] {
            let files = sources(&dir.join(set).join("src"), "rs");
            // Every Rust check has cases of both kinds.
            assert!(!files.is_empty(), "{}: no {set}/ cases", rule.code);
            for file in files {
                let text = concise_in(&root, &file, &["--pack", "rcfw.toml"]);
                let stem = file.file_stem().unwrap().to_string_lossy();
                let name = format!("{}_{set}_{stem}", rule.code.to_ascii_lowercase());
                assert_set(&name, set, rule.code, &text);
                insta::assert_snapshot!(name, text);
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "{checked} fixture files");
}
