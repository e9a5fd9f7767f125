//! The command line as users meet it: discovery, DL000, the JSON shapes,
//! exit codes, configuration, suppressions, the baseline and the formats.

use std::fs;
use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;

mod support;
use support::copy_tree;

fn dispatchlint(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("dispatchlint").unwrap();
    command
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1");
    command
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

const SYNC_AGENT: &str = "from openhands.sdk import AgentBase\n\nclass SyncAgent(AgentBase):\n    def step(self, conversation, on_event):\n        pass\n";

fn agent_names(dir: &Path, args: &[&str]) -> Vec<String> {
    let output = dispatchlint(dir)
        .args(["agents", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<String> = json(&output)["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["qualname"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn discovery_honours_gitignore_default_excludes_and_exclude_but_not_for_named_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, ".gitignore", "generated/\n");
    write(dir, "pkg/__init__.py", "");
    write(dir, "pkg/kept.py", SYNC_AGENT);
    write(dir, "generated/gen.py", SYNC_AGENT);
    write(dir, ".venv/lib/site.py", SYNC_AGENT);
    write(dir, "node_modules/x/mod.py", SYNC_AGENT);
    write(dir, "vendor/v.py", SYNC_AGENT);
    assert_eq!(
        agent_names(dir, &["."]),
        ["pkg.kept.SyncAgent", "vendor.v.SyncAgent"]
    );
    assert_eq!(
        agent_names(dir, &[".", "--exclude", "vendor"]),
        ["pkg.kept.SyncAgent"]
    );
    // Named on the command line: analyzed although .gitignore excludes it.
    assert_eq!(agent_names(dir, &["generated/gen.py"]), ["gen.SyncAgent"]);
}

#[test]
fn agents_json_has_the_documented_shape_and_relative_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "pkg/__init__.py", "");
    write(dir, "pkg/agents.py", SYNC_AGENT);
    let output = dispatchlint(dir)
        .args(["agents", "--format", "json", "pkg"])
        .output()
        .unwrap();
    let document = json(&output);
    assert_eq!(document["version"], 1);
    let entry = &document["types"][0];
    assert_eq!(entry["name"], "SyncAgent");
    assert_eq!(entry["qualname"], "pkg.agents.SyncAgent");
    assert_eq!(entry["language"], "python");
    assert_eq!(entry["path"], "pkg/agents.py");
    assert_eq!(entry["line"], 3);
    assert_eq!(entry["role"], "agent");
    assert_eq!(entry["verdict"], "inherited");
    assert_eq!(
        entry["provider"]["qualname"],
        "openhands.sdk.agent.base.AgentBase"
    );
    assert!(
        entry["provider"]["path"].is_null(),
        "known only from the pack"
    );
    assert!(entry["provider"]["line"].is_null());
    assert!(entry["reason"].is_null());
    assert_eq!(document["diagnostics"], Value::Array(vec![]));
}

#[test]
fn undecodable_and_unparsable_files_are_dl000_with_exact_positions_and_the_rest_goes_on() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = dispatchlint(root)
        .args([
            "agents",
            "--format",
            "json",
            "fixtures/python/bad",
            "fixtures/python/packonly",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let document = json(&output);
    let diagnostics = document["diagnostics"].as_array().unwrap();
    let find = |path: &str| {
        diagnostics
            .iter()
            .find(|d| d["path"] == path)
            .unwrap_or_else(|| panic!("no diagnostic for {path}: {diagnostics:?}"))
    };
    let syntax = find("fixtures/python/bad/syntax_error.py");
    assert_eq!(
        (
            syntax["code"].as_str(),
            syntax["line"].as_u64(),
            syntax["column"].as_u64()
        ),
        (Some("DL000"), Some(10), Some(24))
    );
    let undecodable = find("fixtures/python/bad/undecodable.py");
    assert_eq!(
        (undecodable["line"].as_u64(), undecodable["column"].as_u64()),
        (Some(8), Some(11))
    );
    assert!(undecodable["message"].as_str().unwrap().contains("UTF-8"));
    // The latin-1 file declares its encoding (PEP 263): no diagnostic.
    assert!(!diagnostics
        .iter()
        .any(|d| d["path"] == "fixtures/python/bad/latin1.py"));
    // The other files were still analyzed.
    assert!(document["types"].as_array().unwrap().len() >= 5);
}

#[test]
fn check_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "ok.py", SYNC_AGENT);
    dispatchlint(dir).args(["check", "ok.py"]).assert().code(0);
    write(dir, "bad.py", "def broken(:\n");
    dispatchlint(dir).args(["check", "."]).assert().code(1);
    dispatchlint(dir)
        .args(["check", ".", "--exit-zero"])
        .assert()
        .code(0);
    dispatchlint(dir)
        .args(["check", "missing-dir"])
        .assert()
        .code(2);
    dispatchlint(dir)
        .args(["check", ".", "--select", "DL999"])
        .assert()
        .code(2);
    // DL000 is a finding in `findings`, not an I/O error.
    let output = dispatchlint(dir)
        .args(["check", ".", "--output-format", "json"])
        .output()
        .unwrap();
    let document = json(&output);
    assert_eq!(document["findings"][0]["code"], "DL000");
    assert_eq!(document["summary"]["files"], 2);
    assert_eq!(document["summary"]["findings"], 1);
}

#[test]
fn config_files_closest_wins_and_errors_name_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "pyproject.toml",
        "[tool.dispatchlint]\nignore = [\"DL000\"]\n",
    );
    write(dir, "top.py", "def broken(:\n");
    write(dir, "sub/dispatchlint.toml", "select = [\"DL000\"]\n");
    write(dir, "sub/inner.py", "def broken(:\n");
    let output = dispatchlint(dir)
        .args(["check", ".", "--output-format", "json"])
        .output()
        .unwrap();
    let findings: Vec<String> = json(&output)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        findings,
        ["sub/inner.py"],
        "pyproject ignores DL000 at the top, sub/ selects it"
    );
    // --isolated ignores both.
    let output = dispatchlint(dir)
        .args(["check", ".", "--isolated", "--output-format", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&output)["findings"].as_array().unwrap().len(), 2);
    // --config applies one file everywhere.
    write(
        dir,
        "strict.toml",
        "select = [\"DL000\"]\nseverity = { DL000 = \"warning\" }\n",
    );
    let output = dispatchlint(dir)
        .args([
            "check",
            ".",
            "--config",
            "strict.toml",
            "--output-format",
            "json",
        ])
        .output()
        .unwrap();
    let document = json(&output);
    assert_eq!(document["findings"].as_array().unwrap().len(), 2);
    assert_eq!(document["findings"][0]["severity"], "warning");
    dispatchlint(dir)
        .args([
            "check",
            ".",
            "--config",
            "strict.toml",
            "--fail-level",
            "error",
        ])
        .assert()
        .code(0);
    // Per-file ignores, relative to the config file.
    write(
        dir,
        "pf.toml",
        "[per-file-ignores]\n\"sub/*.py\" = [\"DL000\"]\n",
    );
    let output = dispatchlint(dir)
        .args([
            "check",
            ".",
            "--config",
            "pf.toml",
            "--output-format",
            "json",
        ])
        .output()
        .unwrap();
    let paths: Vec<Value> = json(&output)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].clone())
        .collect();
    assert_eq!(paths, [Value::from("top.py")]);
    // An unknown key or code is an error naming it, exit 2.
    write(dir, "typo.toml", "selct = [\"DL001\"]\n");
    let output = dispatchlint(dir)
        .args(["check", ".", "--config", "typo.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("selct"));
    write(dir, "code.toml", "ignore = [\"DL777\"]\n");
    let output = dispatchlint(dir)
        .args(["check", ".", "--config", "code.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("DL777"));
    let output = dispatchlint(dir)
        .args(["show-settings", "sub"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("dispatchlint.toml") && text.contains("enabled rules: DL000"),
        "{text}"
    );
}

#[test]
fn unused_suppressions_are_dl900_and_other_tools_codes_are_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "a.py",
        "x = 1  # noqa: DL000\ny = 2  # noqa: E501\n# dispatchlint: ignore[DL000]\nz = 3\n",
    );
    let output = dispatchlint(dir)
        .args(["check", ".", "--output-format", "json"])
        .output()
        .unwrap();
    let findings = json(&output)["findings"].as_array().unwrap().clone();
    let lines: Vec<(Value, Value)> = findings
        .iter()
        .map(|f| (f["code"].clone(), f["line"].clone()))
        .collect();
    assert_eq!(
        lines,
        [
            (Value::from("DL900"), Value::from(1)),
            (Value::from("DL900"), Value::from(3))
        ]
    );
    // Not reported when DL900 is not selected.
    dispatchlint(dir)
        .args(["check", ".", "--ignore", "DL900"])
        .assert()
        .code(0);
}

#[test]
fn baseline_write_read_and_shrink() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "a.py", "def broken(:\n");
    write(dir, "b.py", "class Broken\n");
    dispatchlint(dir)
        .args(["check", ".", "--write-baseline", "baseline.json"])
        .assert()
        .code(0);
    let baseline: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(baseline["files"]["a.py"]["DL000"]["count"], 1);
    dispatchlint(dir)
        .args(["check", ".", "--baseline", "baseline.json"])
        .assert()
        .code(0);
    // A new finding is reported; the old ones stay hidden.
    write(dir, "c.py", "while\n");
    let output = dispatchlint(dir)
        .args([
            "check",
            ".",
            "--baseline",
            "baseline.json",
            "--output-format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document = json(&output);
    let paths: Vec<Value> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].clone())
        .collect();
    assert_eq!(paths, [Value::from("c.py")]);
    // A fixed finding makes the baseline say it can shrink.
    fs::remove_file(dir.join("c.py")).unwrap();
    write(dir, "a.py", "def fixed():\n    pass\n");
    let output = dispatchlint(dir)
        .args([
            "check",
            ".",
            "--baseline",
            "baseline.json",
            "--output-format",
            "concise",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("1 finding(s) that are gone"), "{text}");
}

#[test]
fn github_format_is_chosen_under_github_actions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "a.py", "def broken(:\n");
    let output = dispatchlint(dir)
        .env("GITHUB_ACTIONS", "true")
        .args(["check", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("::error file=a.py,line=1,col=12,endLine=1,endColumn=13,title=dispatchlint (DL000)::DL000 "),
        "{text}"
    );
}

#[test]
fn rule_docs_are_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let output = dispatchlint(tmp.path())
        .args(["rule", "DL000"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for section in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Fix",
    ] {
        assert!(text.contains(section), "missing {section}");
    }
    dispatchlint(tmp.path())
        .args(["rule", "DL999"])
        .assert()
        .code(2);
}

const SHARED_AGENT: &str = "from openhands.sdk import AgentBase\n\n\nclass SyncAgent(AgentBase):\n    def step(self, conversation, on_event):\n        pass\n";

/// A DL002 on line 7 (`await conversation.arun()`), with `suppress` put where asked.
fn dl002_file(suppress_on_line: Option<&str>, suppress_above: Option<&str>) -> String {
    let mut text = String::from(
        "from openhands.sdk import LocalConversation\n\nfrom agents import SyncAgent\n\n\nasync def main():\n",
    );
    text.push_str("    conversation = LocalConversation(agent=SyncAgent())\n");
    if let Some(comment) = suppress_above {
        text.push_str(&format!("    {comment}\n"));
    }
    text.push_str("    await conversation.arun()");
    if let Some(comment) = suppress_on_line {
        text.push_str(&format!("  {comment}"));
    }
    text.push('\n');
    text
}

fn codes(dir: &Path) -> Vec<(String, u64)> {
    let output = dispatchlint(dir)
        .args(["check", ".", "--output-format", "json"])
        .output()
        .unwrap();
    json(&output)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn suppression_on_the_line_above_and_for_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "agents.py", SHARED_AGENT);
    write(dir, "main.py", &dl002_file(None, None));
    assert_eq!(codes(dir), [("DL002".to_owned(), 8)]);
    for (on_line, above) in [
        (Some("# noqa: DL002"), None),
        (Some("# dispatchlint: ignore[DL002]"), None),
        (None, Some("# noqa: DL002")),
        (None, Some("# dispatchlint: ignore[DL001, DL002]")),
    ] {
        write(dir, "main.py", &dl002_file(on_line, above));
        let found = codes(dir);
        // The DL001 in the list above suppresses nothing: DL900.
        let expected: Vec<(String, u64)> = if above.is_some_and(|a| a.contains("DL001")) {
            vec![("DL900".to_owned(), 8)]
        } else {
            vec![]
        };
        assert_eq!(found, expected, "{on_line:?} {above:?}");
    }
    // The wrong code does not suppress, and is itself unused.
    write(dir, "main.py", &dl002_file(Some("# noqa: DL003"), None));
    assert_eq!(
        codes(dir),
        [("DL002".to_owned(), 8), ("DL900".to_owned(), 8)]
    );
    // A whole-file suppression.
    let mut text = String::from("# dispatchlint: ignore-file[DL002]\n");
    text.push_str(&dl002_file(None, None));
    write(dir, "main.py", &text);
    assert_eq!(codes(dir), []);
    let output = dispatchlint(dir)
        .args(["check", ".", "--output-format", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&output)["summary"]["suppressed"], 1);
}

#[test]
fn python_path_resolves_framework_subclasses_through_their_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // `Agent` is a framework subclass; with the framework's source on the
    // python path its provider is found in that source, not only in the pack.
    write(
        dir,
        "mine.py",
        "from openhands.sdk import Agent\n\n\nclass Mine(Agent):\n    pass\n",
    );
    let framework = root.join("fixtures/python/openhands-sdk");
    let output = dispatchlint(dir)
        .args(["agents", "--format", "json", "mine.py", "--python-path"])
        .arg(&framework)
        .output()
        .unwrap();
    let document = json(&output);
    let types = document["types"].as_array().unwrap();
    assert_eq!(types.len(), 1, "library classes are not listed: {types:?}");
    assert_eq!(types[0]["verdict"], "native");
    assert_eq!(
        types[0]["provider"]["qualname"],
        "openhands.sdk.agent.agent.Agent"
    );
    assert!(
        types[0]["provider"]["path"]
            .as_str()
            .unwrap()
            .ends_with("openhands/sdk/agent/agent.py"),
        "{types:?}"
    );
    // The same through $VIRTUAL_ENV's site-packages, found automatically.
    let venv = dir.join("venv");
    let site = venv.join("lib/python3.12/site-packages");
    fs::create_dir_all(&site).unwrap();
    copy_tree(&framework, &site);
    let output = dispatchlint(dir)
        .env("VIRTUAL_ENV", &venv)
        .args(["agents", "--format", "json", "mine.py"])
        .output()
        .unwrap();
    let document = json(&output);
    assert!(document["types"][0]["provider"]["path"]
        .as_str()
        .unwrap()
        .contains("site-packages"));
}

#[test]
fn config_above_the_working_directory_applies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "pyproject.toml",
        "[tool.dispatchlint]\nignore = [\"DL000\"]\n",
    );
    write(dir, "sub/bad.py", "def broken(:\n");
    // Run from sub/: the project's configuration is in the parent, as with ruff.
    dispatchlint(&dir.join("sub"))
        .args(["check", "."])
        .assert()
        .code(0);
    dispatchlint(&dir.join("sub"))
        .args(["check", "bad.py"])
        .assert()
        .code(0);
    dispatchlint(&dir.join("sub"))
        .args(["check", ".", "--isolated"])
        .assert()
        .code(1);
}
