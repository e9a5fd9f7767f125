//! A hostile tree (DESIGN.md, "The analyzed tree is untrusted"): nothing in
//! it may make dispatchlint read or print outside it, block, read without
//! bound or write over what it analyzes. Each test builds the attack for
//! real (symlinks, FIFOs from `mkfifo`, sparse files) in a temporary tree.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

/// A file whose DL003 finding proves the good part of the tree was analyzed.
const GOOD: &str = "\
from openhands.sdk import RemoteConversation


async def go(agent, workspace):
    conversation = RemoteConversation(agent=agent, workspace=workspace)
    await conversation.arun()
";

/// In files outside the tree and in the environment: must never be printed.
const SECRET: &str = "CANARY_hunter2_do_not_print";

/// Long enough for a read that never ends, a blocked open or a multi-GB
/// read to show; far longer than any of these runs takes when right.
const LIMIT: Duration = Duration::from_secs(60);

struct Setup {
    tree: TempDir,
    outside: TempDir,
}

impl Setup {
    fn new() -> Setup {
        let tree = tempfile::tempdir().unwrap();
        std::fs::write(tree.path().join("good.py"), GOOD).unwrap();
        let outside = tempfile::tempdir().unwrap();
        // Parses as neither TOML nor Python: any error that quotes it shows it.
        std::fs::write(
            outside.path().join("secret.env"),
            format!("TOKEN={SECRET}\n"),
        )
        .unwrap();
        std::fs::write(
            outside.path().join("secret.py"),
            format!("def (:  # {SECRET}\n"),
        )
        .unwrap();
        Setup { tree, outside }
    }

    fn root(&self) -> &Path {
        self.tree.path()
    }

    fn secret(&self, name: &str) -> PathBuf {
        self.outside.path().join(name)
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(dir)
        .env("DISPATCHLINT_TEST_CANARY", SECRET)
        .env("DISPATCHLINT_CACHE_DIR", dir.join(".cache-for-test"))
        .args(args)
        .timeout(LIMIT)
        .output()
        .unwrap()
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Exit code, and neither stream holds the secret, a panic or a timeout.
fn expect(output: &Output, code: i32) -> (String, String) {
    let (stdout, stderr) = text(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for stream in [&stdout, &stderr] {
        assert!(!stream.contains(SECRET), "printed the secret:\n{stream}");
        assert!(!stream.contains("internal error"), "{stream}");
    }
    (stdout, stderr)
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn sparse(path: &Path, size: u64) {
    let file = std::fs::File::create(path).unwrap();
    file.set_len(size).unwrap();
}

#[test]
fn configuration_symlinked_out_of_the_tree_is_neither_read_nor_quoted() {
    for name in ["dispatchlint.toml", "pyproject.toml"] {
        for environ in [true, false] {
            let setup = Setup::new();
            // The environment holds the canary; so does the outside file.
            let target = if environ {
                PathBuf::from("/proc/self/environ")
            } else {
                setup.secret("secret.env")
            };
            symlink(&target, setup.root().join(name)).unwrap();
            for command in [&["check", "."][..], &["audit", "."], &["agents", "."]] {
                let (_, stderr) = expect(&run_in(setup.root(), command), 2);
                assert!(
                    stderr.contains(name) && stderr.contains("leaves the analyzed tree"),
                    "{name} -> {}: {stderr}",
                    target.display()
                );
            }
        }
    }
}

#[test]
fn paths_a_tree_configuration_names_stay_inside_the_tree() {
    let setup = Setup::new();
    let secret = setup.secret("secret.env");
    let relative_escape = format!(
        "{}{}",
        "../".repeat(setup.root().components().count() + 2),
        secret.display().to_string().trim_start_matches('/')
    );
    for config in [
        "packs = [\"/dev/zero\"]".to_owned(),
        format!("packs = [\"{}\"]", secret.display()),
        format!("packs = [\"{relative_escape}\"]"),
        format!("python-path = [\"{}\"]", setup.outside.path().display()),
    ] {
        std::fs::write(setup.root().join("dispatchlint.toml"), &config).unwrap();
        let (_, stderr) = expect(&run_in(setup.root(), &["check", "."]), 2);
        assert!(
            stderr.contains("outside the analyzed tree"),
            "{config}: {stderr}"
        );
    }
    // Inside the tree, the same keys work.
    std::fs::write(
        setup.root().join("dispatchlint.toml"),
        "python-path = [\"vendor\"]\n",
    )
    .unwrap();
    std::fs::create_dir(setup.root().join("vendor")).unwrap();
    expect(&run_in(setup.root(), &["check", "."]), 1);
}

#[test]
fn a_pack_that_is_a_fifo_or_a_device_is_refused_without_blocking() {
    let setup = Setup::new();
    mkfifo(&setup.root().join("fifo.toml"));
    std::fs::write(
        setup.root().join("dispatchlint.toml"),
        "packs = [\"fifo.toml\"]\n",
    )
    .unwrap();
    let (_, stderr) = expect(&run_in(setup.root(), &["check", "."]), 2);
    assert!(stderr.contains("a FIFO"), "{stderr}");
    // Named on the command line, by the user: still never opened.
    std::fs::remove_file(setup.root().join("dispatchlint.toml")).unwrap();
    for pack in ["fifo.toml", "/dev/zero"] {
        let (_, stderr) = expect(&run_in(setup.root(), &["check", "--pack", pack, "."]), 2);
        assert!(stderr.contains("not a regular file"), "{pack}: {stderr}");
    }
}

#[test]
fn a_huge_sparse_configuration_is_refused_unread() {
    let setup = Setup::new();
    sparse(&setup.root().join("pyproject.toml"), 20 << 30);
    let (_, stderr) = expect(&run_in(setup.root(), &["check", "."]), 2);
    assert!(
        stderr.contains("20.0 GiB is over the 1.0 MiB limit"),
        "{stderr}"
    );
    let setup = Setup::new();
    sparse(&setup.root().join("big.toml"), 20 << 30);
    let (_, stderr) = expect(
        &run_in(setup.root(), &["check", "--config", "big.toml", "."]),
        2,
    );
    assert!(stderr.contains("over the 1.0 MiB limit"), "{stderr}");
}

#[test]
fn fifos_are_said_to_be_skipped_never_opened() {
    let setup = Setup::new();
    mkfifo(&setup.root().join("y.py"));
    let (stdout, _) = expect(
        &run_in(
            setup.root(),
            &["check", "--output-format", "concise", "y.py"],
        ),
        1,
    );
    assert!(
        stdout.contains("y.py:1:1: DL000 skipped: not a regular file (a FIFO)"),
        "{stdout}"
    );
    assert!(!stdout.contains("All checks passed"), "{stdout}");
    // Found by a walk, and shown in a code frame's format too.
    for format in ["concise", "full", "json"] {
        let (stdout, _) = expect(
            &run_in(setup.root(), &["check", "--output-format", format, "."]),
            1,
        );
        assert!(
            stdout.contains("a FIFO") && stdout.contains("DL003"),
            "{stdout}"
        );
    }
}

#[test]
fn a_file_symlinked_out_of_the_tree_is_not_shown() {
    let setup = Setup::new();
    symlink(setup.secret("secret.py"), setup.root().join("x.py")).unwrap();
    for format in ["full", "concise", "json", "sarif", "github"] {
        let (stdout, _) = expect(
            &run_in(setup.root(), &["check", "--output-format", format, "x.py"]),
            1,
        );
        assert!(stdout.contains("leaves the analyzed tree"), "{stdout}");
    }
    // A symlink to a file inside the tree is followed.
    symlink("good.py", setup.root().join("alias.py")).unwrap();
    let (stdout, _) = expect(
        &run_in(
            setup.root(),
            &["check", "--output-format", "concise", "alias.py"],
        ),
        1,
    );
    assert!(stdout.contains("alias.py:6:5: DL003"), "{stdout}");
}

#[test]
fn ignore_files_that_would_block_or_never_end_are_not_read() {
    let setup = Setup::new();
    let sub = setup.root().join("sub");
    std::fs::create_dir_all(sub.join("deeper")).unwrap();
    std::fs::write(sub.join("deeper/also.py"), GOOD).unwrap();
    mkfifo(&setup.root().join(".gitignore"));
    symlink("/dev/zero", sub.join(".ignore")).unwrap();
    sparse(&sub.join("deeper/.gitignore"), 20 << 30);
    let (stdout, _) = expect(
        &run_in(setup.root(), &["check", "--output-format", "concise", "."]),
        1,
    );
    // Every source is still analyzed: no ignore file applied.
    assert!(stdout.contains("good.py:6:5: DL003"), "{stdout}");
    assert!(stdout.contains("sub/deeper/also.py:6:5: DL003"), "{stdout}");
    assert!(
        stdout.contains(".gitignore:1:1: DL000 ignore file not read"),
        "{stdout}"
    );
}

#[test]
fn reports_never_overwrite_an_analyzed_file() {
    let setup = Setup::new();
    let good = setup.root().join("good.py");
    symlink("good.py", setup.root().join("report.txt")).unwrap();
    for args in [
        &["check", "-o", "good.py", "."][..],
        &["check", "-o", "report.txt", "."],
        &["check", "--write-baseline", "good.py", "."],
        &["audit", "-o", "good.py", "."],
    ] {
        let (_, stderr) = expect(&run_in(setup.root(), args), 2);
        assert!(stderr.contains("an analyzed file"), "{args:?}: {stderr}");
        assert_eq!(std::fs::read_to_string(&good).unwrap(), GOOD, "{args:?}");
    }
}

#[test]
fn a_report_replaces_a_symlink_at_its_path_instead_of_writing_through_it() {
    let setup = Setup::new();
    let victim = setup.secret("victim.txt");
    std::fs::write(&victim, "untouched\n").unwrap();
    symlink(&victim, setup.root().join("out.txt")).unwrap();
    expect(&run_in(setup.root(), &["check", "-o", "out.txt", "."]), 1);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched\n");
    let written = setup.root().join("out.txt");
    assert!(std::fs::symlink_metadata(&written).unwrap().is_file());
    assert!(std::fs::read_to_string(&written).unwrap().contains("DL003"));
}

#[test]
fn a_file_given_from_the_filesystem_root_analyzes_only_its_project() {
    let setup = Setup::new();
    // `Mine` inherits the inline `arun`: a finding only when `other.py`,
    // the rest of the project, is analyzed with the file.
    std::fs::write(
        setup.root().join("other.py"),
        "from openhands.sdk import BaseConversation\n\n\nclass Mine(BaseConversation):\n    pass\n",
    )
    .unwrap();
    std::fs::write(
        setup.root().join("uses.py"),
        "from other import Mine\n\n\nasync def go(agent):\n    conversation = Mine(agent=agent)\n    await conversation.arun()\n",
    )
    .unwrap();
    let file = setup.root().join("uses.py");
    let args = [
        "check",
        "--no-cache",
        "--output-format",
        "concise",
        file.to_str().unwrap(),
    ];
    // No project marker: the file alone (the run once walked all of `/`).
    let (stdout, _) = expect(&run_in(Path::new("/"), &args), 0);
    assert!(stdout.contains("All checks passed (1 file"), "{stdout}");
    // With a marker, its project, reporting only on the file.
    std::fs::write(setup.root().join("pyproject.toml"), "").unwrap();
    let (stdout, _) = expect(&run_in(Path::new("/"), &args), 1);
    assert!(stdout.contains("uses.py:6:5: DL003"), "{stdout}");
    assert!(stdout.contains("(1 file"), "{stdout}");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let setup = Setup::new();
    for i in 0..400 {
        std::fs::write(setup.root().join(format!("m{i}.py")), GOOD).unwrap();
    }
    let binary = assert_cmd::cargo::cargo_bin("dispatchlint");
    for format in ["json", "concise", "full", "sarif"] {
        let mut child = std::process::Command::new(&binary)
            .current_dir(setup.root())
            .args(["check", "--no-cache", "--output-format", format, "."])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is gone, as `| head -1` leaves it.
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{format}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{format}");
    }
}

#[test]
fn a_broken_standard_error_loses_its_lines_not_the_run() {
    let setup = Setup::new();
    std::fs::write(setup.root().join("m.py"), GOOD).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("dispatchlint");
    let mut child = std::process::Command::new(&binary)
        .current_dir(setup.root())
        .args(["check", "--no-cache", "--exit-zero", "--stats", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader of standard error is gone before the timings are written
    // there, as `2>&1 | head -1` leaves it once it has its line.
    drop(child.stderr.take());
    let output = child.wait_with_output().unwrap();
    // Not aborted (a panic writing the line, then the panic hook's own).
    assert_eq!(output.status.code(), Some(0), "{:?}", output.status);
    assert!(String::from_utf8_lossy(&output.stdout).contains("m.py:6:5: DL003"));
}

#[test]
fn an_audit_says_what_the_tree_hid_and_can_look_anyway() {
    let setup = Setup::new();
    let root = setup.root();
    std::fs::write(root.join(".gitignore"), "hidden.py\n").unwrap();
    std::fs::write(root.join("hidden.py"), GOOD).unwrap();
    std::fs::write(
        root.join("filewide.py"),
        format!("# dispatchlint: ignore-file[DL003]\n{GOOD}"),
    )
    .unwrap();
    std::fs::write(
        root.join("inline.py"),
        GOOD.replace("arun()", "arun()  # noqa: DL003"),
    )
    .unwrap();
    let (report, _) = expect(&run_in(root, &["audit", "--isolated", "."]), 1);
    assert!(
        report
            .contains("- 1 source file excluded by `.gitignore`, `.ignore` or `.git/info/exclude`"),
        "{report}"
    );
    assert!(
        report.contains("- 2 findings suppressed: 1 by comments on their line, 1 by file-wide"),
        "{report}"
    );
    assert!(!report.contains("hidden.py"), "{report}");
    let (report, _) = expect(
        &run_in(
            root,
            &[
                "audit",
                "--isolated",
                "--no-respect-gitignore",
                "--ignore-noqa",
                ".",
            ],
        ),
        1,
    );
    for at in [
        "hidden.py:6:5",
        "filewide.py:7:5",
        "inline.py:6:5",
        "good.py:6:5",
    ] {
        assert!(report.contains(at), "{at}: {report}");
    }
    let json = run_in(root, &["audit", "--isolated", "--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["coverage"]["ignored_by_ignore_files"], 1);
    assert_eq!(json["coverage"]["suppressed_by_file_comments"], 1);
    // `check` has the same two switches.
    let (stdout, _) = expect(
        &run_in(
            root,
            &[
                "check",
                "--isolated",
                "--output-format",
                "concise",
                "--no-respect-gitignore",
                "--ignore-noqa",
                ".",
            ],
        ),
        1,
    );
    assert!(stdout.contains("Found 4 findings"), "{stdout}");
}

/// Runs as `nobody` when the tests run as root, who can read a mode-000
/// directory.
fn run_unprivileged(dir: &Path, args: &[&str]) -> Output {
    let binary = assert_cmd::cargo::cargo_bin("dispatchlint");
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut command = if root {
        let mut command = std::process::Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary);
        command
    } else {
        std::process::Command::new(&binary)
    };
    command
        .current_dir(dir)
        .env("HOME", dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_command_reports_a_directory_it_cannot_read() {
    use std::os::unix::fs::PermissionsExt;
    let setup = Setup::new();
    let root = setup.root();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir(root.join("locked")).unwrap();
    std::fs::write(root.join("locked/inner.py"), GOOD).unwrap();
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let said = |args: &[&str]| {
        let mut all = vec![args[0], "--no-cache", "--isolated"];
        all.extend_from_slice(&args[1..]);
        all.push(".");
        let output = run_unprivileged(root, &all);
        let (stdout, stderr) = text(&output);
        assert!(
            stdout.contains("locked") && stdout.contains("Permission denied"),
            "{args:?}: {stdout}\n{stderr}"
        );
    };
    said(&["check", "--output-format", "concise"]);
    said(&["check", "--output-format", "json"]);
    said(&["check", "--output-format", "sarif"]);
    said(&["audit"]);
    said(&["audit", "--format", "json"]);
    said(&["agents"]);
    said(&["agents", "--format", "json"]);
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A site-packages holding `sneaky.Sneaky`, a conversation with its own `arun`.
fn venv_at(dir: &Path) {
    let site = dir.join("lib/python3.12/site-packages");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("sneaky.py"),
        "from openhands.sdk import BaseConversation\n\n\nclass Sneaky(BaseConversation):\n    async def arun(self):\n        pass\n",
    )
    .unwrap();
}

#[test]
fn a_venv_symlinked_out_of_the_tree_is_not_read() {
    let verdict = |root: &Path| {
        let (stdout, _) = expect(&run_in(root, &["agents", "--format", "json", "."]), 0);
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        json["types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "Mine")
            .map(|t| t["verdict"].as_str().unwrap().to_owned())
    };
    let mine = "from sneaky import Sneaky\n\n\nclass Mine(Sneaky):\n    pass\n";
    // A `.venv` of the tree's own is read...
    let setup = Setup::new();
    std::fs::write(setup.root().join("mine.py"), mine).unwrap();
    venv_at(&setup.root().join(".venv"));
    assert_eq!(verdict(setup.root()).as_deref(), Some("native"));
    // ...one that leads out of the tree is not.
    let setup = Setup::new();
    std::fs::write(setup.root().join("mine.py"), mine).unwrap();
    venv_at(&setup.outside.path().join("venv"));
    symlink(
        setup.outside.path().join("venv"),
        setup.root().join(".venv"),
    )
    .unwrap();
    // Unresolved base: not a conversation the analysis knows of.
    assert_eq!(verdict(setup.root()), None);
}

/// cargo obeys a tree's `.cargo/config.toml`, which can name a program to
/// run (`build.rustc`): an audit refuses to run cargo at all.
#[test]
fn an_audit_never_runs_cargo() {
    let setup = Setup::new();
    std::fs::create_dir(setup.root().join(".cargo")).unwrap();
    let planted = setup.outside.path().join("ran");
    std::fs::write(
        setup.root().join(".cargo/config.toml"),
        format!(
            "[build]\nrustc = \"/bin/sh -c 'touch {}'\"\n",
            planted.display()
        ),
    )
    .unwrap();
    let (_, stderr) = expect(&run_in(setup.root(), &["audit", "--cargo", "."]), 2);
    assert!(stderr.contains("audit never runs cargo"), "{stderr}");
    assert!(!planted.exists());
}
