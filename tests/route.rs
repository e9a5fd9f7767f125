//! `dispatchlint route` decides with the runtime crate's own `route()`: for
//! every (conversation, agent) pair of the runtime fixture crate, the CLI's
//! answer equals `route()` applied to what the runtime itself reports.

mod support;

use std::process::Command;

use assert_cmd::prelude::*;
use dispatchlint_runtime::{route, Capability};

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

fn route_cli(args: &[&str]) -> String {
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(root())
        .arg("route")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn chosen(text: &str) -> &str {
    text.lines()
        .find_map(|l| l.strip_prefix("route: "))
        .unwrap_or_else(|| panic!("no route line in:\n{text}"))
}

#[test]
fn every_runtime_fixture_pair_routes_as_the_runtime_does() {
    let types = support::runtime_fixture_capabilities();
    let of_role = |role: &str| -> Vec<(String, Capability)> {
        types
            .iter()
            .filter(|t| t["role"] == role)
            .map(|t| {
                let native = t["native"].as_bool().unwrap();
                (
                    t["name"].as_str().unwrap().to_owned(),
                    Capability::from_native(native),
                )
            })
            .collect()
    };
    let (conversations, agents) = (of_role("conversation"), of_role("agent"));
    assert!(conversations.len() >= 2 && agents.len() >= 4);
    for (conversation, conversation_capability) in &conversations {
        for (agent, agent_capability) in &agents {
            let text = route_cli(&[
                "fixtures/rust/runtime_agents",
                "--conversation",
                conversation,
                "--agent",
                agent,
            ]);
            assert_eq!(
                chosen(&text),
                route(*conversation_capability, *agent_capability).as_str(),
                "{conversation} x {agent}:\n{text}"
            );
        }
    }
}

#[test]
fn python_pairs_and_unknowns() {
    let native_pair = route_cli(&[
        "fixtures/python",
        "--conversation",
        "LocalConversation",
        "--agent",
        "app.agents.basic.NativeAgent",
    ]);
    assert_eq!(chosen(&native_pair), "native-async");
    let sync_agent = route_cli(&[
        "fixtures/python",
        "--conversation",
        "LocalConversation",
        "--agent",
        "PoolAgent",
    ]);
    assert_eq!(chosen(&sync_agent), "sync-in-executor");
    assert!(
        sync_agent.contains("provided by openhands.sdk.agent.base.AgentBase"),
        "{sync_agent}"
    );
    let remote = route_cli(&[
        "fixtures/python",
        "--conversation",
        "RemoteConversation",
        "--agent",
        "app.agents.basic.NativeAgent",
    ]);
    assert_eq!(chosen(&remote), "sync-in-executor");
    let unknown = route_cli(&[
        "fixtures/python",
        "--conversation",
        "LocalConversation",
        "--agent",
        "UnknownFirst",
    ]);
    assert_eq!(chosen(&unknown), "decided at runtime");
    assert!(
        unknown.contains("TracingMixin"),
        "the reason names the unresolved base:\n{unknown}"
    );
}

#[test]
fn ambiguous_or_missing_names_are_errors() {
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(root())
        .args([
            "route",
            "fixtures/python",
            "--conversation",
            "LocalConversation",
            "--agent",
            "NoSuchAgent",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("NoSuchAgent"));
}
