//! What makes the tool adoptable: `--version` with the packs, shell
//! completions, the graph outputs (rendered by Graphviz), and `audit`.

use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;

fn dispatchlint(args: &[&str]) -> std::process::Output {
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn version_names_the_packs() {
    let text = String::from_utf8(dispatchlint(&["--version"]).stdout).unwrap();
    assert!(
        text.contains("openhands 1.58.2") && text.contains("dispatchlint-runtime"),
        "{text}"
    );
}

#[test]
fn completions_are_valid_scripts() {
    let bash = dispatchlint(&["completions", "bash"]).stdout;
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), &bash).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(tmp.path())
        .status()
        .unwrap();
    assert!(syntax.success(), "bash -n rejects the completion script");
    assert!(String::from_utf8_lossy(&bash).contains("check"));
    for shell in ["zsh", "fish"] {
        let script = String::from_utf8(dispatchlint(&["completions", shell]).stdout).unwrap();
        assert!(
            script.contains("dispatchlint") && script.contains("audit"),
            "{shell}"
        );
    }
}

#[test]
fn dot_output_renders_with_graphviz() {
    let dot = dispatchlint(&["agents", "--format", "dot", "fixtures/python"]).stdout;
    let text = String::from_utf8_lossy(&dot);
    // The verdict colours and an edge from a subclass to the root.
    assert!(
        text.contains(
            "\"app.services.workers.pool.PoolAgent\" -> \"app.agents.basic.StepOnlyAgent\""
        ),
        "{text}"
    );
    assert!(text.contains("#b7e1a1") && text.contains("#f6c38b") && text.contains("#d9d9d9"));
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("roles.dot");
    let png = tmp.path().join("roles.png");
    std::fs::write(&source, &dot).unwrap();
    let render = Command::new("dot")
        .arg("-Tpng")
        .arg(&source)
        .arg("-o")
        .arg(&png)
        .output()
        .expect("Graphviz `dot` (bash .ci/setup installs it)");
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000);
}

#[test]
fn mermaid_output_declares_every_node_and_class() {
    let text = String::from_utf8(
        dispatchlint(&["agents", "--format", "mermaid", "fixtures/python/packonly"]).stdout,
    )
    .unwrap();
    assert!(text.starts_with("flowchart BT\n"));
    assert!(
        text.contains("PackStepAgent<br/>inherited\"]:::inherited"),
        "{text}"
    );
    assert!(text.contains("classDef native fill:#b7e1a1"));
    let nodes = text.lines().filter(|l| l.contains("[\"")).count();
    let edges = text.lines().filter(|l| l.contains(" --> ")).count();
    assert!(nodes >= 8 && edges >= 7, "{nodes} nodes, {edges} edges");
}

#[test]
fn audit_reports_types_routes_findings_and_unknowns() {
    let text = String::from_utf8(
        dispatchlint(&[
            "audit",
            "fixtures/python-checks",
            "fixtures/python/openhands-sdk",
            "--exit-zero",
        ])
        .stdout,
    )
    .unwrap();
    for heading in [
        "# dispatchlint audit",
        "## Agents and conversations",
        "## Routes",
        "## Findings",
        "## Unknowns",
    ] {
        assert!(text.contains(heading), "missing {heading}");
    }
    assert!(text.contains("| `openhands.sdk.conversation.impl.local_conversation.LocalConversation` | `shared.agents.SyncAgent` | sync-in-executor |"), "{text}");
    assert!(
        text.contains("DL001(guard-ignores-agent)") && text.contains("╭─["),
        "findings carry code frames"
    );
    let json: Value = serde_json::from_slice(
        &dispatchlint(&[
            "audit",
            "--format",
            "json",
            "fixtures/python",
            "--exit-zero",
        ])
        .stdout,
    )
    .unwrap();
    let unknown = json["unknown"].as_array().unwrap();
    assert!(unknown
        .iter()
        .any(|u| u["qualname"] == "app.agents.unknown_bases.UnknownFirst"
            && u["reason"].as_str().unwrap().contains("TracingMixin")));
    assert_eq!(json["version"], 1);
    assert!(json["agents"]["types"].as_array().unwrap().len() >= 100);
}

#[test]
fn audit_routes_show_the_route_the_code_takes_beside_route() {
    // checklist() awaits `arun()` on a conversation built with a sync-only
    // agent: the code takes the native path where route() would not.
    let output = dispatchlint(&["audit", "--format", "json", "fixtures/audit", "--exit-zero"]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let route = |agent: &str| {
        json["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == agent)
            .unwrap_or_else(|| panic!("no route for {agent}: {json}"))
            .clone()
    };
    let checklist = route("app.agents.ChecklistAgent");
    assert_eq!(checklist["route"], "sync-in-executor");
    assert_eq!(checklist["taken_route"], "native-async");
    assert_eq!(checklist["taken"], "awaits `arun()` (line 19)");
    let streaming = route("app.agents.StreamingAgent");
    assert_eq!(streaming["route"], streaming["taken_route"]);
    let text = String::from_utf8(dispatchlint(&["audit", "fixtures/audit", "--exit-zero"]).stdout)
        .unwrap();
    let marked: Vec<&str> = text.lines().filter(|l| l.contains(" ✗ |")).collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0].contains("ChecklistAgent"), "{text}");
}
