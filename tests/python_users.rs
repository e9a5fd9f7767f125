//! ruff's command-line habits, as Python users bring them (issue 16): source
//! on standard input, the warning when nothing was found, `--statistics`,
//! `--show-files`, `--color`, `--output-format` and `-o` on every command that
//! prints, `rule NAME`, bare and malformed suppressions, `audit`'s exit code,
//! the fail level, short concise lines, and SARIF's message and fix.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use assert_cmd::prelude::*;
use serde_json::Value;

const AGENTS: &str = "from openhands.sdk import AgentBase\n\n\nclass SyncAgent(AgentBase):\n    def step(self, conversation, on_event):\n        pass\n";

/// The agent server's guard before the fix: DL001 on line 9, column 8.
const GUARD: &str = r#"import asyncio

from openhands.sdk import BaseConversation


async def run_conversation(conversation, executor):
    loop = asyncio.get_running_loop()
    arun = getattr(conversation, "arun", None)
    if arun is not None and type(conversation).arun is not BaseConversation.arun:
        await conversation.arun()
    else:
        await loop.run_in_executor(executor, conversation.run)
"#;

const FIXED: &str = r#"import asyncio

from openhands.sdk import AgentBase, BaseConversation


async def run_conversation(conversation, executor):
    loop = asyncio.get_running_loop()
    arun = getattr(conversation, "arun", None)
    if (
        arun is not None
        and type(conversation).arun is not BaseConversation.arun
        and type(conversation.agent).astep is not AgentBase.astep
    ):
        await conversation.arun()
    else:
        await loop.run_in_executor(executor, conversation.run)
"#;

/// A DL002 on line 8 (`await conversation.arun()`), `comment` after it.
fn dl002(comment: &str) -> String {
    format!(
        "from openhands.sdk import LocalConversation\n\nfrom app.agents import SyncAgent\n\n\nasync def main():\n    conversation = LocalConversation(agent=SyncAgent())\n    await conversation.arun(){comment}\n"
    )
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A project: a `pyproject.toml` marks its root.
fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "pyproject.toml", "[project]\nname = \"app\"\n");
    write(tmp.path(), "app/__init__.py", "");
    write(tmp.path(), "app/agents.py", AGENTS);
    tmp
}

fn dispatchlint(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("dispatchlint").unwrap();
    command
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .env("DISPATCHLINT_CACHE_DIR", dir.join(".cache-dl"));
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    dispatchlint(dir).args(args).output().unwrap()
}

fn run_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = dispatchlint(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(output), stderr(output)))
}

#[test]
fn stdin_is_judged_as_the_named_file_of_its_project() {
    let tmp = project();
    let dir = tmp.path();
    // On disk the guard is fixed; the editor's unsaved text is not.
    write(dir, "app/server.py", FIXED);
    let args = [
        "check",
        "--output-format",
        "concise",
        "--stdin-filename",
        "app/server.py",
        "-",
    ];
    let output = run_with_stdin(dir, &args, GUARD);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("app/server.py:9:8: DL001 "), "{text}");
    // Only that file is reported, though the project was read.
    assert!(text.ends_with("Found 1 finding (1 file)\n"), "{text}");
    // And the other way round: the text on stdin wins over the file.
    write(dir, "app/server.py", GUARD);
    let output = run_with_stdin(dir, &args, FIXED);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // `--stdin-filename` alone reads stdin too; a file that does not exist yet
    // is judged against its project as well (its agent comes from app/).
    let output = run_with_stdin(
        dir,
        &[
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            "app/new.py",
        ],
        &dl002(""),
    );
    let findings = json(&output)["findings"].clone();
    assert_eq!(findings[0]["code"], "DL002", "{findings}");
    assert_eq!(findings[0]["path"], "app/new.py");
    // Code frames show the text that was read.
    let output = run_with_stdin(
        dir,
        &[
            "check",
            "--output-format",
            "full",
            "--stdin-filename",
            "app/server.py",
        ],
        &GUARD.replace("\"arun\", None)", "\"arun\", None)  # from stdin"),
    );
    assert!(
        stdout(&output).contains("# from stdin"),
        "{}",
        stdout(&output)
    );
    // `check -` without a name: the text alone, shown as `-`.
    let output = run_with_stdin(
        dir,
        &["check", "--output-format", "concise", "-"],
        "x = (\n",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("-:"), "{}", stdout(&output));
    assert!(stdout(&output).contains("DL000"), "{}", stdout(&output));
}

#[test]
fn a_run_that_finds_nothing_to_analyze_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "dist/pkg-1.0-py3-none-any.whl", "PK\x03\x04");
    for command in ["check", "agents", "audit"] {
        let output = run(dir, &[command, "dist"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("warning: no Python or Rust files found under dist"),
            "{command}: {}",
            stderr(&output)
        );
    }
    let output = run(dir, &["check", "dist/pkg-1.0-py3-none-any.whl"]);
    assert!(
        stderr(&output)
            .contains("no Python or Rust files found under dist/pkg-1.0-py3-none-any.whl"),
        "{}",
        stderr(&output)
    );
    // A run that found files says nothing of the kind.
    write(dir, "src/ok.py", "x = 1\n");
    let output = run(dir, &["check", "src"]);
    assert!(
        !stderr(&output).contains("no Python"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn statistics_show_files_and_color() {
    let tmp = project();
    let dir = tmp.path();
    write(dir, "app/run.py", &dl002("  # noqa: DL003"));
    let output = run(dir, &["check", "--statistics", "."]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("1\tDL002\tsync-agent-async-path\n"), "{text}");
    assert!(text.contains("1\tDL900\tunused-suppression\n"), "{text}");
    assert!(!text.contains("app/run.py"), "{text}");
    let output = run(
        dir,
        &["check", "--statistics", "--output-format", "json", "."],
    );
    let rows = json(&output);
    assert_eq!(
        rows[0],
        serde_json::json!({"code": "DL002", "name": "sync-agent-async-path", "count": 1})
    );

    let output = run(dir, &["check", "--show-files", "."]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "app/__init__.py\napp/agents.py\napp/run.py\n"
    );
    // Files alone, as pre-commit gives them: only those.
    let output = run(dir, &["check", "--show-files", "app/run.py"]);
    assert_eq!(stdout(&output), "app/run.py\n");

    let escape = "\x1b[";
    let full = |color: &str| {
        stdout(&run(
            dir,
            &["check", "--output-format", "full", "--color", color, "."],
        ))
    };
    assert!(full("always").contains(escape));
    assert!(!full("never").contains(escape));
    // Not a terminal: no colour.
    assert!(!full("auto").contains(escape));
}

#[test]
fn every_printing_command_takes_output_format_and_o() {
    let tmp = project();
    let dir = tmp.path();
    write(dir, "app/run.py", &dl002(""));
    let by_new = run(dir, &["agents", "--output-format", "json", "."]);
    let by_alias = run(dir, &["agents", "--format", "json", "."]);
    assert_eq!(json(&by_new), json(&by_alias));
    assert_eq!(
        json(&by_new)["types"][0]["qualname"],
        "app.agents.SyncAgent"
    );

    let output = run(dir, &["agents", "-o", "agents.txt", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let written = fs::read_to_string(dir.join("agents.txt")).unwrap();
    assert!(written.contains("SyncAgent"), "{written}");

    let output = run(
        dir,
        &["audit", "--output-format", "json", "--exit-zero", "."],
    );
    assert_eq!(json(&output)["check"]["findings"][0]["code"], "DL002");
}

#[test]
fn rule_by_name_lists_every_rule_of_that_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run(dir, &["rule", "guard-ignores-agent"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("# DL001 guard-ignores-agent"), "{text}");
    assert!(text.contains("# DL103 guard-ignores-agent"), "{text}");
    let text = stdout(&run(dir, &["rule", "blocking-arun"]));
    assert!(text.starts_with("# DL003 blocking-arun"), "{text}");
    assert!(stdout(&run(dir, &["rule", "dl003"])).starts_with("# DL003"));
    let output = run(dir, &["rule", "no-such-rule"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown rule `no-such-rule`"));
}

/// A finding as the JSON output gives it.
#[derive(Debug, serde::Deserialize)]
struct Found {
    code: String,
    line: u64,
    message: String,
}

fn codes(dir: &Path) -> Vec<Found> {
    let output = run(dir, &["check", ".", "--output-format", "json"]);
    serde_json::from_value(json(&output)["findings"].clone()).unwrap()
}

#[test]
fn a_bare_noqa_suppresses_every_code_and_malformed_ones_are_reported() {
    let tmp = project();
    let dir = tmp.path();
    write(dir, "app/run.py", &dl002("  # noqa"));
    assert!(codes(dir).is_empty());
    // Unused, it is DL900 like any other suppression.
    write(dir, "app/run.py", "x = 1  # noqa\n");
    let found = codes(dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].code.as_str(), found[0].line), ("DL900", 1));
    assert!(found[0].message.contains("bare `noqa`"), "{found:?}");
    // Other tools' codes are still left alone.
    write(dir, "app/run.py", "x = 1  # noqa: E501\n");
    assert!(codes(dir).is_empty());

    for comment in [
        "# dispatchlint: ignore-file",
        "# dispatchlint: ignore-file[]",
        "# dispatchlint: ignore[dl002]",
        "# dispatchlint: ignore[DL9]",
        "# noqa: dl002",
    ] {
        write(dir, "app/run.py", &dl002(&format!("  {comment}")));
        let found = codes(dir);
        // It suppresses nothing, and says why.
        assert_eq!(found.len(), 2, "{comment}: {found:?}");
        assert_eq!(found[0].code, "DL002", "{comment}");
        assert_eq!(found[1].code, "DL900", "{comment}");
        assert!(
            found[1].message.starts_with("malformed suppression: "),
            "{comment}: {found:?}"
        );
    }
}

#[test]
fn audit_exits_1_on_findings_and_the_fail_level_decides() {
    let tmp = project();
    let dir = tmp.path();
    write(dir, "app/run.py", &dl002(""));
    assert_eq!(run(dir, &["audit", "."]).status.code(), Some(1));
    assert_eq!(
        run(dir, &["audit", "--exit-zero", "."]).status.code(),
        Some(0)
    );
    // A warning only (DL900): the default level fails on it, as ruff does;
    // `--fail-level error` lets it pass, as clippy without `-D warnings`.
    write(dir, "app/run.py", "x = 1  # noqa: DL001\n");
    for command in ["check", "audit"] {
        assert_eq!(
            run(dir, &[command, "."]).status.code(),
            Some(1),
            "{command}"
        );
        assert_eq!(
            run(dir, &[command, "--fail-level", "error", "."])
                .status
                .code(),
            Some(0),
            "{command}"
        );
    }
}

#[test]
fn concise_lines_are_short_and_sarif_separates_the_fix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run(
        root,
        &[
            "check",
            "--output-format",
            "concise",
            "--no-cache",
            "fixtures/python-checks",
        ],
    );
    let text = stdout(&output);
    assert!(text.lines().count() > 10, "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 200, "{} chars: {line}", line.len());
    }
    let one = stdout(&run(
        root,
        &[
            "check",
            "--output-format",
            "concise",
            "--no-cache",
            "fixtures/python-checks/dl001/flag/openhands_guard.py",
        ],
    ));
    assert!(one.ends_with("(1 file)\n"), "{one}");

    let sarif = json(&run(
        root,
        &[
            "check",
            "--output-format",
            "sarif",
            "--no-cache",
            "fixtures/python-checks/dl001/flag/openhands_guard.py",
        ],
    ));
    let message = sarif["runs"][0]["results"][0]["message"]["text"]
        .as_str()
        .unwrap();
    let (said, fix) = message.split_once("\nhelp: ").expect(message);
    assert!(said.ends_with("runtime test can decide"), "{message}");
    assert!(
        fix.starts_with("add `and type(conversation.agent).astep"),
        "{message}"
    );
}

/// Every file under `dir` with its bytes, sorted.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in fs::read_dir(&next).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push((path.clone(), fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn stdin_runs_read_the_cache_but_never_rewrite_it() {
    let tmp = project();
    let dir = tmp.path();
    write(dir, "app/server.py", FIXED);
    let root = dir.display().to_string();
    assert_eq!(run(dir, &["check", &root]).status.code(), Some(0));
    let cache = dir.join(".cache-dl");
    let before = files_under(&cache);
    assert!(!before.is_empty(), "the full run wrote its cache");
    let output = run_with_stdin(dir, &["check", "--stdin-filename", "app/server.py"], GUARD);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        files_under(&cache) == before,
        "a stdin run rewrote the cache"
    );
}
