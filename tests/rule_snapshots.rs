//! Per-rule snapshots, as ruff keeps them: every file under a check's
//! `flag/` and `clean/` fixtures (`fixtures/python-checks/dlNNN/`) is
//! checked alone, judged against the whole fixture project (as pre-commit
//! runs it), and its concise output is snapshotted. A `clean/` file must
//! also have no finding of any rule; a `flag/` file at least one of its own.

use std::path::{Path, PathBuf};

use dispatchlint::checks::rules;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-checks")
}

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "py"));
    files.sort();
    files
}

fn concise(file: &Path) -> String {
    let root = fixtures();
    let relative = file.strip_prefix(&root).unwrap();
    let output = assert_cmd::Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(&root)
        .args([
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "concise",
            "--project-root",
            ".",
        ])
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
            for file in sources(&dir.join(set)) {
                let text = concise(&file);
                let stem = file.file_stem().unwrap().to_string_lossy();
                let name = format!("{}_{set}_{stem}", rule.code.to_ascii_lowercase());
                if set == "clean" {
                    assert!(text.starts_with("All checks passed"), "{name}:\n{text}");
                } else {
                    assert!(
                        text.lines()
                            .any(|l| l.contains(&format!(": {} ", rule.code))),
                        "{name} flags nothing of {}:\n{text}",
                        rule.code
                    );
                }
                insta::assert_snapshot!(name, text);
                seen += 1;
            }
        }
    }
    // Every Python check has fixtures of both kinds.
    assert!(seen >= 10, "{seen} fixture files");
}
