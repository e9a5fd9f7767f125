//! DL103's fix, proven by compiling: a copy of fixtures/rust-fix/dl103 (its
//! path dependencies pointed at this checkout's `runtime/` and the `rcfw`
//! framework) gets the agent's test added to each guard it can complete,
//! the diff is that one conjunct per guard (snapshot), a second `--fix`
//! changes nothing, and `cargo check --offline` passes on the fixed crate.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn crate_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::copy_tree(&Path::new(ROOT).join("fixtures/rust-fix/dl103"), dir.path());
    let manifest = dir.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text
        .replace(
            "\"../../rust-checks/shared\"",
            &format!("{:?}", Path::new(ROOT).join("fixtures/rust-checks/shared")),
        )
        .replace(
            "\"../../../runtime\"",
            &format!("{:?}", Path::new(ROOT).join("runtime")),
        );
    assert!(!text.contains("\"../"), "{text}");
    std::fs::write(&manifest, text).unwrap();
    // The workspace's lock: offline, cargo picks the versions already built.
    std::fs::copy(
        Path::new(ROOT).join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();
    dir
}

fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .current_dir(dir)
        .args(["check", "--isolated", "--no-cache", "--select", "DL103"])
        .arg("--pack")
        .arg(Path::new(ROOT).join("fixtures/rust-checks/rcfw.toml"))
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

/// `cargo check --offline` on the crate, in a target directory under
/// target/tests that every run reuses.
fn cargo_check(dir: &Path) -> Result<(), String> {
    let target: PathBuf = Path::new(ROOT).join("target/tests/rust-fix");
    let output = Command::new(env!("CARGO"))
        .current_dir(dir)
        .args(["check", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// What each fixed guard gained, in order: a changed line must be the old
/// line with only ` && ...` added before its end (`{`, `;`), and an added
/// line a whole `&& ...` operand of a chain laid out one per line.
fn added_conjuncts(diff: &str) -> Vec<String> {
    let mut removed: std::collections::VecDeque<&str> = Default::default();
    let mut out = Vec::new();
    for line in diff
        .lines()
        .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
    {
        if let Some(old) = line.strip_prefix('-') {
            removed.push_back(old);
        } else if let Some(new) = line.strip_prefix('+') {
            let Some(old) = removed.pop_front() else {
                assert!(new.trim_start().starts_with("&& "), "{diff}");
                out.push(format!(" {}", new.trim_start()));
                continue;
            };
            let head = old.trim_end_matches([' ', '{', ';']);
            let tail = &old[head.len()..];
            assert!(
                new.starts_with(head) && new.ends_with(tail),
                "{old:?} -> {new:?}"
            );
            out.push(new[head.len()..new.len() - tail.len()].to_owned());
        } else {
            assert!(removed.is_empty(), "a line removed, none added:\n{diff}");
        }
    }
    assert!(removed.is_empty(), "{diff}");
    out
}

#[test]
fn dl103_fix_adds_the_agent_test_and_the_crate_still_compiles() {
    let dir = crate_copy();
    let dir = dir.path();
    let lib = dir.join("src/lib.rs");
    let before = std::fs::read_to_string(&lib).unwrap();
    cargo_check(dir).expect("the fixture compiles before the fix");
    rustfmt_check(&lib).expect("the fixture is formatted as rustfmt formats it");

    let (code, diff, stderr) = check(dir, &["--diff", "--unsafe-fixes"]);
    assert_eq!(code, 1, "{diff}{stderr}");
    insta::assert_snapshot!(diff);
    assert_eq!(
        added_conjuncts(&diff),
        [
            " && conv.agent().as_async().is_some()",
            " && conv.agent().as_async().is_some()",
            " && executor.chain().is_streaming()",
            " && self.inner.agent().as_async().is_some()",
        ]
    );
    // The field's type is not in the facts: that fix waits for --unsafe-fixes.
    let (_, safe, _) = check(dir, &["--diff"]);
    assert_eq!(added_conjuncts(&safe).len(), 3, "{safe}");
    assert!(!safe.contains("self.inner.agent()"), "{safe}");
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap(),
        before,
        "--diff wrote"
    );

    let (_, out, stderr) = check(dir, &["--fix", "--output-format", "concise"]);
    assert!(out.contains("3 fixed"), "{out}{stderr}");
    let (_, out, stderr) = check(
        dir,
        &["--fix", "--unsafe-fixes", "--output-format", "concise"],
    );
    assert!(out.contains("1 fixed"), "{out}{stderr}");
    let fixed = std::fs::read_to_string(&lib).unwrap();
    insta::assert_snapshot!("dl103_fixed_lib_rs", fixed);
    // Only the `if let` guard, which no conjunct can join, is left.
    let (code, out, _) = check(dir, &["--output-format", "concise"]);
    assert_eq!(code, 1);
    let left: Vec<&str> = out.lines().filter(|l| l.contains("DL103")).collect();
    assert_eq!(left.len(), 1, "{out}");
    assert!(left[0].starts_with("src/lib.rs:78:8:"), "{out}");
    let (code, diff, _) = check(dir, &["--diff", "--unsafe-fixes"]);
    assert_eq!(
        (code, diff.as_str()),
        (0, ""),
        "a second fix changes something"
    );

    cargo_check(dir).expect("the fixed crate compiles");
    // The fixture is laid out as rustfmt lays it out, and so is the fix.
    rustfmt_check(&lib).expect("the fixed file is formatted as rustfmt formats it");
}

fn rustfmt_check(file: &Path) -> Result<(), String> {
    let output = Command::new("rustfmt")
        .args(["--edition", "2021", "--check"])
        .arg(file)
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// A Rust file that starts with a byte order mark (rustc accepts one): the
/// fix lands where the guard is, and the mark stays.
#[test]
fn a_byte_order_mark_is_kept_and_does_not_shift_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let source = "\u{feff}use dispatchlint_runtime::{BoxError, CancellationToken, Conversation, ConversationState};

pub async fn drive(
    conv: &dyn Conversation,
    state: &mut ConversationState,
    cancel: &CancellationToken,
) -> Result<(), BoxError> {
    if conv.as_async().is_some() {
        conv.as_async().unwrap().arun(state, cancel).await
    } else {
        conv.run(state, cancel)
    }
}
";
    std::fs::write(dir.path().join("lib.rs"), source).unwrap();
    let (_, out, stderr) = check(dir.path(), &["--fix", "--output-format", "concise"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("lib.rs")).unwrap(),
        source.replace(
            "if conv.as_async().is_some() {",
            "if conv.as_async().is_some() && conv.agent().as_async().is_some() {"
        ),
        "{out}{stderr}"
    );
}
