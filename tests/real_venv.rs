//! Real framework sources from PyPI: `.ci/setup` installs langchain-core,
//! pydantic, openhands-sdk and llama-index-core (pinned, `--no-deps`) into
//! `target/test-deps/venv`, and unpacks langchain-community next to it. The
//! tool only reads them. Before the resolver bounded its recursion, a
//! subclass of langchain-core's `BaseTool` with that venv on the python path
//! overflowed the main thread's stack (pydantic's star imports search each
//! other).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

mod support;
use support::copy_tree;

const LANGCHAIN: &str = "\
from langchain_core.tools.base import BaseTool as CoreBaseTool


class MyTool(CoreBaseTool):
    name: str = \"my_tool\"
    description: str = \"a tool\"

    def _run(self, query: str) -> str:
        return query


class MyAsyncTool(CoreBaseTool):
    name: str = \"my_async_tool\"
    description: str = \"a tool\"

    def _run(self, query: str) -> str:
        return query

    async def _arun(self, query: str) -> str:
        return query
";

const OPENHANDS: &str = "\
from openhands.sdk import AgentBase, LocalConversation
from openhands.sdk.agent import Agent


class SyncAgent(AgentBase):
    def step(self, conversation, on_event, on_token=None):
        pass


class NativeAgent(AgentBase):
    async def astep(self, conversation, on_event, on_token=None):
        pass


class Derived(Agent):
    pass


async def go():
    conversation = LocalConversation(agent=SyncAgent())
    await conversation.arun()
";

const LLAMA_INDEX: &str = "\
from llama_index.core.llms import CustomLLM


class MyLLM(CustomLLM):
    def complete(self, prompt, formatted=False, **kwargs):
        return prompt
";

/// A user's pack for roles the built-in `langchain-core` and
/// `llama-index-core` packs declare too: both give the same verdicts.
const PACK: &str = r#"
name = "test-frameworks"
version = "0"
language = "python"
description = "langchain-core BaseTool and llama-index CustomLLM"

[[roles]]
name = "tool"
root = "langchain_core.tools.base.BaseTool"
aliases = ["langchain_core.tools.BaseTool"]
sync = "_run"
async = "_arun"

[[roles]]
name = "llm"
root = "llama_index.core.llms.custom.CustomLLM"
aliases = ["llama_index.core.llms.CustomLLM"]
sync = "complete"
async = "acomplete"
"#;

fn test_deps() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-deps")
}

/// The venv `.ci/setup` made.
fn venv() -> PathBuf {
    let venv = std::env::var_os("DISPATCHLINT_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| test_deps().join("venv"));
    assert!(
        venv.join("pyvenv.cfg").is_file(),
        "no test venv at {}: run `bash .ci/setup`",
        venv.display()
    );
    venv
}

fn site_packages(venv: &Path) -> PathBuf {
    std::fs::read_dir(venv.join("lib"))
        .expect("venv lib")
        .flatten()
        .map(|entry| entry.path().join("site-packages"))
        .find(|site| site.join("langchain_core").is_dir())
        .expect("langchain_core in the venv's site-packages: run `bash .ci/setup`")
}

fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

fn frameworks() -> TempDir {
    project(&[
        ("lc.py", LANGCHAIN),
        ("oh.py", OPENHANDS),
        ("li.py", LLAMA_INDEX),
        ("packs.toml", PACK),
    ])
}

/// `dispatchlint COMMAND --isolated --no-cache ARGS...` in `dir`.
fn run(dir: &Path, command: &str, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut run = Command::cargo_bin("dispatchlint").expect("binary");
    run.current_dir(dir).env_remove("VIRTUAL_ENV");
    for (name, value) in env {
        run.env(name, value);
    }
    run.args([command, "--isolated", "--no-cache"])
        .args(args)
        .output()
        .expect("run")
}

/// What every run must give: exit 0 or 1, no crash, no internal error.
fn ran(output: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?} (none is a signal: a crash)\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for bad in ["overflowed", "internal error", "panicked"] {
        assert!(!stderr.contains(bad), "{stderr}");
    }
    (stdout, stderr)
}

/// `agents --format json ARGS... .`, parsed.
fn agents(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let output = run(dir, "agents", &all, env);
    let (stdout, _) = ran(&output);
    serde_json::from_str(&stdout).expect("json")
}

/// The verdict and provider of one type in `agents --format json`, in the
/// role these tests are about (a LangChain tool is also a `Runnable`, native
/// through `BaseTool.ainvoke`).
fn verdict(report: &serde_json::Value, qualname: &str) -> (String, String) {
    let entry = report["types"]
        .as_array()
        .expect("types")
        .iter()
        .find(|t| {
            t["qualname"] == qualname
                && ["_arun", "acomplete", "astep"]
                    .contains(&t["async"].as_str().unwrap_or_default())
        })
        .unwrap_or_else(|| panic!("{qualname} not in {report:#}"));
    let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
    (
        text("verdict"),
        entry["provider"]["qualname"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn assert_framework_verdicts(report: &serde_json::Value) {
    let expected = [
        (
            "lc.MyTool",
            "inherited",
            "langchain_core.tools.base.BaseTool",
        ),
        ("lc.MyAsyncTool", "native", "lc.MyAsyncTool"),
        (
            "li.MyLLM",
            "inherited",
            "llama_index.core.llms.custom.CustomLLM",
        ),
        (
            "oh.SyncAgent",
            "inherited",
            "openhands.sdk.agent.base.AgentBase",
        ),
        ("oh.NativeAgent", "native", "oh.NativeAgent"),
        ("oh.Derived", "native", "openhands.sdk.agent.agent.Agent"),
    ];
    for (qualname, want, provider) in expected {
        assert_eq!(
            verdict(report, qualname),
            (want.to_owned(), provider.to_owned()),
            "{qualname}"
        );
    }
}

#[test]
fn langchain_base_tool_with_its_venv_on_the_python_path() {
    // The case from the issue, as written there: no pack, only the import.
    let site = site_packages(&venv());
    let site = site.to_str().expect("utf-8 path");
    let dir = project(&[(
        "tool.py",
        "from langchain_core.tools.base import BaseTool as CoreBaseTool\n\n\nclass MyTool(CoreBaseTool):\n    pass\n",
    )]);
    for command in ["check", "agents"] {
        let output = run(dir.path(), command, &["--python-path", site, "."], &[]);
        let (stdout, _) = ran(&output);
        assert_eq!(output.status.code(), Some(0), "{command}: {stdout}");
    }
}

#[test]
fn frameworks_from_a_real_venv_on_the_python_path() {
    let site = site_packages(&venv());
    let dir = frameworks();
    let site = site.to_str().expect("utf-8 path");
    let with_venv = ["--pack", "packs.toml", "--python-path", site, "."];
    assert_framework_verdicts(&agents(dir.path(), &with_venv, &[]));
    let concise = [&["--output-format", "concise"], &with_venv[..]].concat();
    let output = run(dir.path(), "check", &concise, &[]);
    let (stdout, _) = ran(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("oh.py:21:5: DL002"), "{stdout}");
}

#[test]
fn virtual_env_is_found() {
    let venv = venv();
    let dir = frameworks();
    let report = agents(
        dir.path(),
        &["--pack", "packs.toml", "."],
        &[("VIRTUAL_ENV", &venv)],
    );
    assert_framework_verdicts(&report);
}

#[test]
fn dot_venv_is_found() {
    // A `.venv` of the project's own, holding what the langchain file needs.
    let site = site_packages(&venv());
    let dir = frameworks();
    let own = dir.path().join(".venv/lib/python3.12/site-packages");
    for package in ["langchain_core", "pydantic"] {
        copy_tree(&site.join(package), &own.join(package));
    }
    std::fs::write(dir.path().join(".venv/pyvenv.cfg"), "home = /usr/bin\n").expect("cfg");
    let report = agents(dir.path(), &["--pack", "packs.toml", "."], &[]);
    assert_eq!(
        verdict(&report, "lc.MyTool"),
        (
            "inherited".to_owned(),
            "langchain_core.tools.base.BaseTool".to_owned()
        )
    );
}

#[test]
fn all_of_langchain_community_with_the_venv() {
    let community = test_deps().join("langchain-community-0.4.2");
    assert!(
        community.join("langchain_community").is_dir(),
        "no langchain-community source at {}: run `bash .ci/setup`",
        community.display()
    );
    let site = site_packages(&venv());
    let dir = project(&[("packs.toml", PACK)]);
    let pack = dir.path().join("packs.toml");
    let (pack, site) = (pack.to_str().unwrap(), site.to_str().unwrap());
    let args = ["--pack", pack, "--python-path", site, "langchain_community"];
    ran(&run(&community, "check", &args, &[]));
    let report = agents(&community, &args, &[]);
    // Overrides `_arun` (with a real async body).
    assert_eq!(
        verdict(
            &report,
            "langchain_community.tools.requests.tool.RequestsGetTool"
        ),
        (
            "native".to_owned(),
            "langchain_community.tools.requests.tool.RequestsGetTool".to_owned()
        )
    );
    let types = report["types"].as_array().expect("types");
    assert!(types.len() > 100, "{} types", types.len());
}
