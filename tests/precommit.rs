//! The pre-commit hook, run by the real `pre-commit` (from PyPI, installed by
//! `.ci/setup`) with `pre-commit try-repo` against a throwaway repository
//! holding a sync-only agent and the agent server's guard as it stood before
//! the fix. The hook must fail with DL001; after the fix it must pass.
//!
//! The hook is `language: python`: pre-commit makes a virtualenv and
//! `pip install`s this repository into it, which builds the maturin wheel
//! (pyproject.toml). `try-repo` does that in a temporary store on every run,
//! so each run is a first use; each prints how long it took.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod support;

const AGENTS: &str = r#"from openhands.sdk import AgentBase


class SyncAgent(AgentBase):
    def step(self, conversation, on_event, on_token=None):
        on_event("step")
"#;

const GUARD: &str = r#"import asyncio

from openhands.sdk import BaseConversation


async def run_conversation(conversation, executor):
    loop = asyncio.get_running_loop()
    arun = getattr(conversation, "arun", None)
    has_native_arun = (
        arun is not None
        and asyncio.iscoroutinefunction(arun)
        and type(conversation).arun is not BaseConversation.arun
    )
    if has_native_arun:
        await conversation.arun()
    else:
        await loop.run_in_executor(executor, conversation.run)
"#;

const FIX: &str = "        and type(conversation).arun is not BaseConversation.arun\n        and type(conversation.agent).astep is not AgentBase.astep\n";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// The target directory this test was built in (`CARGO_TARGET_DIR` or
/// `target/`): the dispatchlint binary sits in its `debug/`.
fn target_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .parent()
        .and_then(Path::parent)
        .expect("target/debug/dispatchlint")
}

fn try_repo(dir: &Path) -> (bool, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    // The hook's `pip install` builds the wheel with maturin, which runs
    // cargo. try-repo installs the hook into a temporary store every time,
    // so each run is a first use.
    let pip_log = dir.join(".git/pip.log");
    let _ = std::fs::remove_file(&pip_log);
    let started = Instant::now();
    let output = support::keeping_our_binary(|| {
        Command::new("python3")
            .current_dir(dir)
            .args([
                "-m",
                "pre_commit",
                "try-repo",
                root,
                "dispatchlint",
                "--all-files",
                "--color",
                "never",
            ])
            // The wheel is built in the target directory `cargo test` uses, with
            // its dev profile: only the repository's own crates are compiled
            // again (try-repo's copy of them sits at another path), not every
            // dependency in release. Incremental state for that copy would pile
            // up on every run.
            .env("CARGO_TARGET_DIR", target_dir())
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .env("CARGO_INCREMENTAL", "0")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PIP_LOG", &pip_log)
            .output()
            .expect("pre-commit from PyPI (bash .ci/setup)")
    });
    eprintln!(
        "pre-commit try-repo, the hook installed on first use: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!text.contains("No module named pre_commit"), "{text}");
    // The python hook ran: pip built the wheel with maturin and installed it
    // (a `language: rust` hook would not run pip at all).
    let pip = std::fs::read_to_string(&pip_log).unwrap_or_default();
    assert!(
        pip.contains("Successfully installed dispatchlint") && pip.contains("maturin"),
        "pip's log ({}):\n{pip}",
        pip_log.display()
    );
    (output.status.success(), text)
}

#[test]
fn hook_fails_on_the_guard_and_passes_after_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/__init__.py"), "").unwrap();
    std::fs::write(dir.join("app/agents.py"), AGENTS).unwrap();
    std::fs::write(dir.join("app/server.py"), GUARD).unwrap();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "agent server"]);

    let (passed, text) = try_repo(dir);
    assert!(!passed, "the hook must fail on the guard:\n{text}");
    assert!(text.contains("app/server.py:9:5: DL001"), "{text}");

    let fixed = GUARD
        .replace(
            "from openhands.sdk import BaseConversation",
            "from openhands.sdk import AgentBase, BaseConversation",
        )
        .replace(
            "        and type(conversation).arun is not BaseConversation.arun\n",
            FIX,
        );
    std::fs::write(dir.join("app/server.py"), fixed).unwrap();
    git(dir, &["commit", "-qam", "fix the guard"]);
    let (passed, text) = try_repo(dir);
    assert!(passed, "the hook must pass after the fix:\n{text}");
}
