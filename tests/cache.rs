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

/// Every file under `dir`, recursively.
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_in(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn one_cache_file_per_project_shared_with_precommit_runs_and_rebuilt_when_corrupt() {
    let project = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-checks");
    copy_tree(&fixtures, project.path());
    let dir = project.path();

    let full = check(dir, cache.path(), &[]);
    let written = files_in(cache.path());
    assert_eq!(written.len(), 1, "{written:?}");
    let stamp = std::fs::metadata(&written[0]).unwrap().modified().unwrap();

    // The pre-commit shape: the root and a changed file. Same project, same
    // cache file, and nothing new to write.
    let one = check(
        dir,
        cache.path(),
        &["--project-root", ".", "dl003/flag/remote.py"],
    );
    assert!(
        one.contains("remote.py") && !one.contains("sync_agent.py"),
        "{one}"
    );
    assert_eq!(files_in(cache.path()), written);
    assert_eq!(
        std::fs::metadata(&written[0]).unwrap().modified().unwrap(),
        stamp,
        "an unchanged project rewrote its cache"
    );

    // A damaged cache is no cache: same findings, and it is written anew.
    std::fs::write(&written[0], b"dlcache1 not really").unwrap();
    assert_eq!(check(dir, cache.path(), &[]), full);
    assert!(std::fs::metadata(&written[0]).unwrap().len() > 100);
    assert_eq!(check(dir, cache.path(), &[]), full);
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
