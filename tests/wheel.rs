//! The wheel, as pip users get it: `maturin build` (maturin from PyPI,
//! installed by `.ci/setup`), then `pip install --no-index` of the wheel
//! into a fresh virtualenv; the binary it puts on the venv's PATH, and
//! `python -m dispatchlint`, must find DL001 in the agent server's guard.
//!
//! The wheel is built with `--profile dev`, which reuses the binary `cargo
//! test` has just built in the same target directory (a release build would
//! take minutes of CI's budget); the release wheel's size and install time
//! were measured by hand (README, "Install").

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

mod support;

const GUARD: &str = "fixtures/python-checks/dl001/flag/openhands_guard.py";

fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    output
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn python() -> Command {
    // The interpreter `.ci/setup` installed maturin and pre-commit into.
    Command::new("python3")
}

/// Builds the wheel into `out` and returns its path.
fn build_wheel(root: &Path, out: &Path) -> PathBuf {
    let output = support::keeping_our_binary(|| {
        run(python()
            .current_dir(root)
            .args([
                "-m",
                "maturin",
                "build",
                "--profile",
                "dev",
                "--quiet",
                "--out",
            ])
            .arg(out))
    });
    assert!(
        output.status.success(),
        "maturin build (bash .ci/setup installs maturin):\n{}",
        text(&output)
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels[0].clone()
}

#[test]
fn the_wheel_installs_a_dispatchlint_that_finds_dl001() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let wheel = build_wheel(root, &tmp.path().join("dist"));
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("dispatchlint-"), "{name}");

    let venv = tmp.path().join("venv");
    let output = run(python().args(["-m", "venv"]).arg(&venv));
    assert!(output.status.success(), "{}", text(&output));
    let bin = venv.join("bin");
    let started = Instant::now();
    let output = run(Command::new(bin.join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--no-index",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(&wheel));
    assert!(output.status.success(), "{}", text(&output));
    eprintln!(
        "wheel {name}: {} bytes, installed in {:.1} s",
        std::fs::metadata(&wheel).unwrap().len(),
        started.elapsed().as_secs_f64()
    );

    // On the venv's PATH, as an activated venv has it.
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let output = run(Command::new("dispatchlint")
        .current_dir(root)
        .env("PATH", &path)
        .env("DISPATCHLINT_CACHE_DIR", tmp.path().join("cache"))
        .args(["check", "--output-format", "concise", GUARD]));
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("dl001/flag/openhands_guard.py:19:13: DL001"),
        "{shown}"
    );
    let installed = run(Command::new("which").env("PATH", &path).arg("dispatchlint"));
    assert_eq!(
        Path::new(String::from_utf8_lossy(&installed.stdout).trim()),
        bin.join("dispatchlint")
    );

    // `python -m dispatchlint`, from any directory.
    let output = run(Command::new(bin.join("python"))
        .current_dir(root)
        .env("DISPATCHLINT_CACHE_DIR", tmp.path().join("cache"))
        .args([
            "-m",
            "dispatchlint",
            "check",
            "--output-format",
            "concise",
            GUARD,
        ]));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("DL001"), "{}", text(&output));
    let output = run(Command::new(bin.join("python")).args(["-m", "dispatchlint", "--version"]));
    assert!(output.status.success(), "{}", text(&output));
    // No warning from runpy about the package importing its `__main__`.
    assert!(output.stderr.is_empty(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .starts_with(concat!("dispatchlint ", env!("CARGO_PKG_VERSION"))),
        "{}",
        text(&output)
    );
}
