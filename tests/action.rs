//! The GitHub Action (`action.yml`), run here as a runner would run its
//! shell steps: inputs and step outputs substituted, `if:` evaluated,
//! `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and `GITHUB_PATH` as files, each
//! script under `bash -eo pipefail`. The install step (which builds the wheel)
//! is replaced by the binary `cargo test` built, and the SARIF upload, an
//! action of GitHub's, is only checked to run when asked.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const GUARD: &str = r#"import asyncio

from openhands.sdk import BaseConversation


async def run_conversation(conversation, executor):
    loop = asyncio.get_running_loop()
    if type(conversation).arun is not BaseConversation.arun:
        await conversation.arun()
    else:
        await loop.run_in_executor(executor, conversation.run)
"#;

/// `action.yml` as JSON (PyYAML comes with pre-commit, from `.ci/setup`).
fn action() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml");
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
            path,
        ])
        .output()
        .unwrap();
    let why = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "action.yml as JSON: {why}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// What a run of the action left behind.
struct Run {
    /// Each step's name and exit code; `None` when skipped.
    steps: Vec<(String, Option<i32>)>,
    log: String,
    summary: String,
    uploaded: bool,
}

/// `${{ inputs.x }}`, `${{ steps.id.outputs.k }}`, `${{ runner.temp }}`.
fn expand(
    text: &str,
    inputs: &HashMap<String, String>,
    outputs: &HashMap<String, String>,
    temp: &Path,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expression = rest[start + 3..end].trim();
        let value = if let Some(name) = expression.strip_prefix("inputs.") {
            inputs.get(name).cloned().expect(name)
        } else if let Some(path) = expression.strip_prefix("steps.") {
            outputs.get(path).cloned().unwrap_or_default()
        } else if expression == "runner.temp" {
            temp.display().to_string()
        } else {
            panic!("unknown expression {expression}")
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn run_action(project: &Path, given: &[(&str, &str)]) -> Run {
    let action = action();
    let mut inputs: HashMap<String, String> = action["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, spec)| {
            (
                name.clone(),
                spec["default"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (name, value) in given {
        assert!(inputs.contains_key(*name), "no input {name}");
        inputs.insert((*name).to_owned(), (*value).to_owned());
    }
    let temp = tempfile::tempdir().unwrap();
    let summary = temp.path().join("summary.md");
    let bin = Path::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .parent()
        .unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut outputs = HashMap::new();
    let mut run = Run {
        steps: Vec::new(),
        log: String::new(),
        summary: String::new(),
        uploaded: false,
    };
    for step in action["runs"]["steps"].as_array().unwrap() {
        let name = step["name"].as_str().unwrap().to_owned();
        if let Some(condition) = step["if"].as_str() {
            // The only form the action uses: `inputs.NAME == 'VALUE'`.
            let (left, right) = condition.split_once("==").expect(condition);
            let input = left.trim().strip_prefix("inputs.").expect(condition);
            let wanted = right.trim().trim_matches('\'');
            if inputs[input] != wanted {
                run.steps.push((name, None));
                continue;
            }
        }
        if let Some(uses) = step["uses"].as_str() {
            assert!(uses.starts_with("github/codeql-action/upload-sarif@"));
            assert_eq!(step["with"]["sarif_file"], "${{ inputs.sarif-file }}");
            run.uploaded = true;
            run.steps.push((name, Some(0)));
            continue;
        }
        let script = step["run"].as_str().unwrap();
        if step["name"] == "Install dispatchlint" {
            // Building the wheel is tests/wheel.rs's business.
            assert!(script.contains("-m pip install"), "{script}");
            run.steps.push((name, None));
            continue;
        }
        let github_output = temp.path().join("output");
        std::fs::write(&github_output, "").unwrap();
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(project)
            .env("PATH", &path)
            .env("GITHUB_OUTPUT", &github_output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_ACTIONS", "true")
            .env(
                "DISPATCHLINT_CACHE_DIR",
                temp.path().join("cache").display().to_string(),
            );
        if let Some(env) = step["env"].as_object() {
            for (key, value) in env {
                command.env(
                    key,
                    expand(value.as_str().unwrap(), &inputs, &outputs, temp.path()),
                );
            }
        }
        let output = command.output().unwrap();
        run.log.push_str(&String::from_utf8_lossy(&output.stdout));
        run.log.push_str(&String::from_utf8_lossy(&output.stderr));
        if let Some(id) = step["id"].as_str() {
            for line in std::fs::read_to_string(&github_output).unwrap().lines() {
                let (key, value) = line.split_once('=').unwrap();
                outputs.insert(format!("{id}.outputs.{key}"), value.to_owned());
            }
        }
        run.steps.push((name, output.status.code()));
    }
    run.summary = std::fs::read_to_string(&summary).unwrap_or_default();
    run
}

fn exit_of(run: &Run, step: &str) -> Option<i32> {
    run.steps
        .iter()
        .find(|(name, _)| name == step)
        .unwrap_or_else(|| panic!("no step {step}: {:?}", run.steps))
        .1
}

#[test]
fn the_action_annotates_summarizes_uploads_and_fails_on_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("server.py"), GUARD).unwrap();
    let run = run_action(dir, &[("sarif", "true")]);
    assert!(
        run.log.contains("::error file=server.py,line=8,col=8"),
        "{}",
        run.log
    );
    assert!(run.summary.contains("## dispatchlint"), "{}", run.summary);
    assert!(run.summary.contains("DL001"), "{}", run.summary);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dispatchlint.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "DL001");
    assert!(run.uploaded);
    assert_eq!(exit_of(&run, "Check"), Some(0), "{}", run.log);
    assert_eq!(exit_of(&run, "Fail on findings"), Some(1), "{}", run.log);

    // Fixed, without SARIF: nothing uploaded, the job passes.
    std::fs::write(
        dir.join("server.py"),
        GUARD.replace(
            "    if type(conversation).arun is not BaseConversation.arun:\n",
            "    if False:\n",
        ),
    )
    .unwrap();
    std::fs::remove_file(dir.join("dispatchlint.sarif")).unwrap();
    let run = run_action(dir, &[("args", ". --no-cache --fail-level error")]);
    assert_eq!(exit_of(&run, "Write SARIF"), None);
    assert!(!run.uploaded && !dir.join("dispatchlint.sarif").exists());
    assert_eq!(exit_of(&run, "Fail on findings"), Some(0), "{}", run.log);
}
