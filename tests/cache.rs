//! The per-file facts cache: a warm run reports exactly what a run without
//! the cache reports, and an edited file is analyzed again, not served stale.

use std::path::Path;

use assert_cmd::Command;

fn check(dir: &Path, cache: &Path, extra: &[&str]) -> String {
    let output = Command::cargo_bin("dispatchlint")
        .expect("binary")
        .current_dir(dir)
        .env("DISPATCHLINT_CACHE_DIR", cache)
        .args(["check", "--isolated", "--output-format", "json"])
        .args(extra)
        .arg(".")
        .output()
        .expect("run");
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn cached_runs_match_uncached_ones_and_see_edits() {
    let project = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-checks");
    copy_tree(&fixtures, project.path());
    let dir = project.path();

    let uncached = check(dir, cache.path(), &["--no-cache"]);
    assert!(
        std::fs::read_dir(cache.path()).unwrap().next().is_none(),
        "--no-cache wrote to the cache"
    );
    let cold = check(dir, cache.path(), &[]);
    let warm = check(dir, cache.path(), &[]);
    assert_eq!(uncached, cold);
    assert_eq!(uncached, warm);

    // An edit that removes a finding must show up on the next cached run.
    let flagged = dir.join("dl003/flag/remote.py");
    let before = std::fs::read_to_string(&flagged).unwrap();
    assert!(warm.contains("remote.py"));
    std::fs::write(&flagged, "x = 1\n").unwrap();
    let edited = check(dir, cache.path(), &[]);
    assert_eq!(edited, check(dir, cache.path(), &["--no-cache"]));
    assert!(!edited.contains("remote.py"), "{edited}");
    std::fs::write(&flagged, before).unwrap();
    assert_eq!(check(dir, cache.path(), &[]), uncached);
}

fn copy_tree(from: &Path, to: &Path) {
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
