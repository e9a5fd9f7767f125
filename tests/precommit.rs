//! The pre-commit hook, run by the real `pre-commit` (from PyPI, installed by
//! `.ci/setup`) with `pre-commit try-repo` against a throwaway repository
//! holding a sync-only agent and the agent server's guard as it stood before
//! the fix. The hook must fail with DL001; after the fix it must pass.
//!
//! The hook is `language: python`: pre-commit makes a virtualenv and
//! `pip install`s this repository into it, which builds the maturin wheel
//! (pyproject.toml). Each `try-repo` prints how long it took; the first one
//! after a change of the repository includes that install.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

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

fn try_repo(dir: &Path) -> (bool, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    // Reuse one build and one pre-commit cache between runs: the hook's
    // `pip install` builds the wheel with maturin, which runs cargo.
    let started = Instant::now();
    let output = Command::new("python3")
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
        .env("PRE_COMMIT_HOME", format!("{root}/target/pre-commit-home"))
        .env(
            "CARGO_TARGET_DIR",
            format!("{root}/target/pre-commit-build"),
        )
        // The wheel is built in release; optimizing is not what this test is about.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .expect("pre-commit from PyPI (bash .ci/setup)");
    eprintln!(
        "pre-commit try-repo (hook install on first use): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!text.contains("No module named pre_commit"), "{text}");
    // The python hook ran: pre-commit installed the wheel's binary into a
    // virtualenv (`py_env-*`), not with cargo (`rustenv-*`).
    assert!(python_hook_installed(&format!(
        "{root}/target/pre-commit-home"
    )));
    (output.status.success(), text)
}

fn python_hook_installed(home: &str) -> bool {
    let Ok(repos) = std::fs::read_dir(home) else {
        return false;
    };
    repos.flatten().any(|repo| {
        std::fs::read_dir(repo.path()).is_ok_and(|envs| {
            envs.flatten().any(|env| {
                env.file_name().to_string_lossy().starts_with("py_env-")
                    && env.path().join("bin/dispatchlint").is_file()
            })
        })
    })
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
