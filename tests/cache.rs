//! The per-file facts cache: a warm run reports exactly what a run without
//! the cache reports, and an edited file is analyzed again, not served stale.
//! The cache is private: a planted symlink cannot redirect its write, a
//! cache that others could have written is not used, a FIFO or symlink in
//! its place is not opened, and old builds' directories are pruned.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;

mod support;
use support::copy_tree;

/// `check --output-format json .` in `dir` with the cache under `cache`:
/// (stdout, stderr). A run that hangs is killed and fails the test.
fn check_with_stderr(dir: &Path, cache: &Path, extra: &[&str]) -> (String, String) {
    let output = Command::cargo_bin("dispatchlint")
        .expect("binary")
        .current_dir(dir)
        .env("DISPATCHLINT_CACHE_DIR", cache)
        .args(["check", "--isolated", "--output-format", "json"])
        .args(extra)
        .arg(".")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    (
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

fn check(dir: &Path, cache: &Path, extra: &[&str]) -> String {
    let (stdout, stderr) = check_with_stderr(dir, cache, extra);
    assert!(!stderr.contains("warning"), "{stderr}");
    stdout
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
    // Findings that read the facts of a raising body and of a forwarding
    // one (DL006, DL009), and, in the full output's labels, where a
    // class-body annotation is written.
    for code in ["\"DL006\"", "\"DL009\""] {
        assert!(warm.contains(code), "{code} missing from a warm run");
    }
    let full = |extra: &[&str]| {
        let output = Command::cargo_bin("dispatchlint")
            .unwrap()
            .current_dir(dir)
            .env("DISPATCHLINT_CACHE_DIR", cache.path())
            .args(["check", "--isolated", "--output-format", "full"])
            .args(["--select", "DL009"])
            .args(extra)
            .arg(".")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let labelled = full(&[]);
    assert!(
        labelled.contains("`inner` holds a `BaseTool`"),
        "{labelled}"
    );
    assert_eq!(labelled, full(&["--no-cache"]));

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
    std::fs::write(&written[0], b"dlcache2 not really").unwrap();
    assert_eq!(check(dir, cache.path(), &[]), full);
    assert!(std::fs::metadata(&written[0]).unwrap().len() > 100);
    assert_eq!(check(dir, cache.path(), &[]), full);
}

/// A file with one DL003 finding, and a harmless one.
const FLAGGED: &str = "from openhands.sdk import RemoteConversation\n\n\nasync def go(agent, workspace):\n    conversation = RemoteConversation(agent=agent, workspace=workspace)\n    await conversation.arun()\n";
const HARMLESS: &str = "x = 1\n";

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The only cache file under `cache`.
fn cache_file(cache: &Path) -> PathBuf {
    let files: Vec<PathBuf> = files_in(cache)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "bin"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

/// A project whose `flag.py` has a DL003 finding, and a cache under which
/// that finding is hidden: the cache entry of the harmless file re-keyed to
/// the flagged file's bytes (what someone who can write the cache could do).
struct Tampered {
    project: tempfile::TempDir,
    cache: tempfile::TempDir,
    file: PathBuf,
    bytes: Vec<u8>,
}

fn tampered() -> Tampered {
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    let flag = dir.join("flag.py");
    std::fs::write(&flag, FLAGGED).unwrap();
    let honest = tempfile::tempdir().unwrap();
    let flagged = check(dir, honest.path(), &[]);
    assert!(flagged.contains("DL003"), "{flagged}");
    let flagged_key = std::fs::read(cache_file(honest.path())).unwrap()[16..32].to_vec();

    std::fs::write(&flag, HARMLESS).unwrap();
    let cache = tempfile::tempdir().unwrap();
    check(dir, cache.path(), &[]);
    let file = cache_file(cache.path());
    let mut bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[..8], b"dlcache2");
    assert_eq!(u64::from_le_bytes(bytes[8..16].try_into().unwrap()), 1);
    bytes[16..32].copy_from_slice(&flagged_key);
    std::fs::write(&file, &bytes).unwrap();
    std::fs::write(&flag, FLAGGED).unwrap();
    // Trusted, the tampered cache hides the finding: the tests below show
    // that it is not trusted when someone else could have written it.
    let hidden = check(dir, cache.path(), &[]);
    assert!(
        !hidden.contains("DL003"),
        "the tampering did not work: {hidden}"
    );
    Tampered {
        project,
        cache,
        file,
        bytes,
    }
}

#[test]
fn a_cache_others_can_write_is_not_used_and_says_so() {
    let t = tampered();
    let dir = t.project.path();
    let build = t.file.parent().unwrap().to_path_buf();
    let base = t.cache.path().to_path_buf();
    let cases: [(&Path, u32, u32, &str); 6] = [
        (&t.file, 0o666, 0o600, "it is writable by others"),
        (&t.file, 0o660, 0o600, "it is writable by its group"),
        (&build, 0o777, 0o700, "it is writable by others"),
        (&build, 0o770, 0o700, "it is writable by its group"),
        (&base, 0o777, 0o700, "it is writable by others"),
        (&base, 0o1777, 0o700, "it is writable by others"),
    ];
    for (path, mode, restore, why) in cases {
        chmod(path, mode);
        let (findings, stderr) = check_with_stderr(dir, &base, &[]);
        assert!(findings.contains("DL003"), "{mode:o} {path:?}: {findings}");
        let warning = format!(
            "dispatchlint: warning: not using the cache at {}: {why}\n",
            path.display()
        );
        assert_eq!(stderr, warning, "{mode:o} {path:?}");
        assert_eq!(std::fs::read(&t.file).unwrap(), t.bytes, "rewritten");
        chmod(path, restore);
    }
    // Owned by another user (only root can make that here).
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&t.file, Some(65534), Some(65534)).unwrap();
        let (findings, stderr) = check_with_stderr(dir, &base, &[]);
        assert!(findings.contains("DL003"), "{findings}");
        assert!(stderr.contains("it is owned by another user"), "{stderr}");
        std::os::unix::fs::chown(&t.file, Some(0), Some(0)).unwrap();
    }
    // Private again, it is used again (and still hides the finding).
    assert!(!check(dir, &base, &[]).contains("DL003"));
}

#[test]
fn a_symlink_in_the_cache_files_place_is_not_followed() {
    let t = tampered();
    let dir = t.project.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("tampered.bin");
    std::fs::write(&target, &t.bytes).unwrap();

    std::fs::remove_file(&t.file).unwrap();
    std::os::unix::fs::symlink(&target, &t.file).unwrap();
    let (findings, stderr) = check_with_stderr(dir, t.cache.path(), &[]);
    assert!(
        findings.contains("DL003"),
        "read through a symlink: {findings}"
    );
    assert!(stderr.contains("it is a symlink"), "{stderr}");
    assert_eq!(std::fs::read(&target).unwrap(), t.bytes);
    assert!(t.file.symlink_metadata().unwrap().file_type().is_symlink());

    // The build's directory a symlink to a directory holding the tampered file.
    let build = t.file.parent().unwrap();
    std::fs::copy(&target, elsewhere.path().join(t.file.file_name().unwrap())).unwrap();
    std::fs::remove_file(&t.file).unwrap();
    std::fs::remove_dir(build).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), build).unwrap();
    let (findings, stderr) = check_with_stderr(dir, t.cache.path(), &[]);
    assert!(findings.contains("DL003"), "followed a symlink: {findings}");
    let warning = format!(
        "dispatchlint: warning: not using the cache at {}: it is a symlink\n",
        build.display()
    );
    assert_eq!(stderr, warning);
}

#[test]
fn a_fifo_in_the_cache_files_place_is_not_opened() {
    let t = tampered();
    let dir = t.project.path();
    // A FIFO would block a plain open forever: the run must not hang.
    std::fs::remove_file(&t.file).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&t.file)
        .status()
        .unwrap();
    assert!(made.success());
    let (findings, stderr) = check_with_stderr(dir, t.cache.path(), &[]);
    assert!(findings.contains("DL003"), "{findings}");
    assert!(stderr.contains("it is not a regular file"), "{stderr}");

    // A socket cannot even be opened: the same warning.
    std::fs::remove_file(&t.file).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(&t.file).unwrap();
    let (findings, stderr) = check_with_stderr(dir, t.cache.path(), &[]);
    assert!(findings.contains("DL003"), "{findings}");
    assert!(stderr.contains("it is not a regular file"), "{stderr}");
}

/// The pids the next processes on this machine will probably get.
fn next_pids(count: u32) -> impl Iterator<Item = u32> {
    let read = |path: &str| -> u32 {
        std::fs::read_to_string(path)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let last = read("/proc/sys/kernel/ns_last_pid");
    let max = read("/proc/sys/kernel/pid_max");
    (1..=count).map(move |i| (last + i) % max)
}

#[test]
fn a_symlink_planted_at_a_temporary_name_redirects_no_write() {
    let project = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = project.path();
    std::fs::write(dir.join("flag.py"), FLAGGED).unwrap();
    check(dir, cache.path(), &[]);
    let file = cache_file(cache.path());
    let victim_dir = tempfile::tempdir().unwrap();
    let victim = victim_dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();

    // Older builds wrote `{project}.{pid}.tmp`, then renamed it: plant a
    // symlink at that name for every pid the next run is likely to get.
    std::fs::write(dir.join("new.py"), HARMLESS).unwrap();
    let stem = file.file_stem().unwrap().to_str().unwrap().to_owned();
    for pid in next_pids(20_000) {
        let planted = file.with_file_name(format!("{stem}.{pid}.tmp"));
        std::os::unix::fs::symlink(&victim, planted).unwrap();
    }
    let warm = check(dir, cache.path(), &[]);
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"precious\n",
        "the cache was written through a planted symlink"
    );
    assert!(file.symlink_metadata().unwrap().is_file());
    assert_eq!(warm, check(dir, cache.path(), &["--no-cache"]));
    // The new entry was written: a third run finds everything cached.
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    assert_eq!(check(dir, cache.path(), &[]), warm);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        written
    );
}

#[test]
fn the_cache_is_private_to_its_user() {
    let project = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("flag.py"), FLAGGED).unwrap();
    let base = cache.path().join("made/by/dispatchlint");
    check(project.path(), &base, &[]);
    let file = cache_file(&base);
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&base), 0o700);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    assert_eq!(mode(&file), 0o600);
}

fn set_used(dir: &Path, ago: Duration) {
    std::fs::File::open(dir)
        .unwrap()
        .set_modified(SystemTime::now() - ago)
        .unwrap();
}

#[test]
fn other_builds_are_pruned_when_the_cache_is_written() {
    let project = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("flag.py"), FLAGGED).unwrap();
    let base = cache.path();
    let hour = Duration::from_secs(3600);
    let build = |name: &str, ago: Duration| {
        let dir = base.join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("0123456789abcdef.bin"), "old facts").unwrap();
        std::fs::write(dir.join("0123456789abcdef.4242.tmp"), "old temporary").unwrap();
        std::fs::write(dir.join(".dlcache-AbC123.tmp"), "temporary").unwrap();
        set_used(&dir, ago);
        dir
    };
    // Used lately, in turn with this one: the two most recent are kept.
    let recent = build("0.1.0-00000000000000a1", hour);
    let recent2 = build("0.1.0-00000000000000a2", 2 * hour);
    let third = build("0.1.0-00000000000000a3", 3 * hour);
    // Unused for ten days: removed.
    let old = build("0.0.9-00000000000000b1", 240 * hour);
    // A file that is not ours keeps its directory.
    let kept_file = build("0.0.9-00000000000000b2", 240 * hour);
    std::fs::write(kept_file.join("notes.txt"), "mine").unwrap();
    set_used(&kept_file, 240 * hour);
    // Not named like a build: left alone.
    let other = base.join("not-a-build");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("0123456789abcdef.bin"), "x").unwrap();
    // A symlink named like a build, to a directory that looks like one: not followed.
    let lure = outside.path().join("lure");
    std::fs::create_dir(&lure).unwrap();
    std::fs::write(lure.join("0123456789abcdef.bin"), "not ours to delete").unwrap();
    let link = base.join("0.1.0-00000000000000c1");
    std::os::unix::fs::symlink(&lure, &link).unwrap();

    check(project.path(), base, &[]);
    let made = [&recent, &recent2, &third, &old, &kept_file, &other, &link];
    let current: Vec<PathBuf> = std::fs::read_dir(base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !made.contains(&p))
        .collect();
    assert_eq!(current.len(), 1, "{current:?}");
    assert!(current[0]
        .join(cache_file(&current[0]).file_name().unwrap())
        .is_file());
    assert!(recent.is_dir() && recent2.is_dir());
    assert!(recent.join("0123456789abcdef.bin").is_file());
    assert!(!third.exists(), "third most recent other build kept");
    assert!(!old.exists(), "a build unused for ten days kept");
    assert!(kept_file.join("notes.txt").is_file());
    assert!(!kept_file.join("0123456789abcdef.bin").exists());
    assert!(!kept_file.join(".dlcache-AbC123.tmp").exists());
    assert!(other.join("0123456789abcdef.bin").is_file());
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(lure.join("0123456789abcdef.bin").is_file());

    // A run that writes nothing prunes nothing.
    let fourth = build("0.1.0-00000000000000a4", 4 * hour);
    check(project.path(), base, &[]);
    assert!(fourth.is_dir());
}

#[test]
fn audit_uses_no_cache() {
    let project = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("flag.py"), FLAGGED).unwrap();
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(project.path())
        .env("DISPATCHLINT_CACHE_DIR", cache.path())
        .args(["audit", ".", "--isolated", "--exit-zero"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("DL003"));
    assert!(
        std::fs::read_dir(cache.path()).unwrap().next().is_none(),
        "audit wrote to the cache"
    );
}
