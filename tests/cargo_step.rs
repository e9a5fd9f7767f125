//! `cargo dispatchlint` on fixture workspaces (fixtures/cargo): the real
//! `cargo metadata` (offline: path dependencies only), a role trait read
//! from a dependency's source, features deciding `#[cfg(feature)]`, and the
//! front end's shapes (items in function bodies, `#[cfg]` on a `mod`,
//! `macro_rules!`). Also a run on this repository's own workspace.

use std::path::PathBuf;
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/cargo")
        .join(name)
}

/// `cargo-dispatchlint dispatchlint ARGS` in `dir`, as cargo runs it.
fn cargo_dispatchlint(dir: &PathBuf, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("cargo-dispatchlint")
        .unwrap()
        .current_dir(dir)
        .arg("dispatchlint")
        .args(args)
        .output()
        .unwrap()
}

/// `(qualname, verdict, reason)` of every type, sorted.
fn verdicts(output: std::process::Output) -> Vec<(String, String, String)> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<(String, String, String)> = report["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["qualname"].as_str().unwrap().to_owned(),
                t["verdict"].as_str().unwrap().to_owned(),
                t["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn agents(dir: &str, pack: &str, extra: &[&str]) -> Vec<(String, String, String)> {
    let mut args = vec!["agents", "--format", "json", "--offline", "--pack", pack];
    args.extend_from_slice(extra);
    verdicts(cargo_dispatchlint(&fixture(dir), &args))
}

fn short(found: &[(String, String, String)]) -> Vec<(&str, &str)> {
    found
        .iter()
        .map(|(name, verdict, _)| (name.as_str(), verdict.as_str()))
        .collect()
}

#[test]
fn dependency_trait_is_read_from_its_source() {
    let found = agents("app", "agentfw.toml", &[]);
    // `Llm` is a chain only through the blanket impl in `agentfw`'s source.
    assert_eq!(
        short(&found),
        [
            ("app::Gated", "unknown"),
            ("app::Llm", "native"),
            ("app::Plain", "inherited"),
            ("app::extra::Extra", "inherited"),
            ("it::TestChain", "native"),
        ]
    );
    assert!(
        found[0].2.contains(r#"`#[cfg(feature = "streaming")]`"#),
        "{found:?}"
    );
    // Without cargo, the dependency is not read and `Llm` is no chain.
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(fixture("app"))
        .args([
            "agents",
            "--format",
            "json",
            "--pack",
            "agentfw.toml",
            "src",
        ])
        .output()
        .unwrap();
    assert!(!verdicts(output).iter().any(|(name, ..)| name == "app::Llm"));
}

#[test]
fn features_decide_feature_cfgs() {
    let streaming = agents("app", "agentfw.toml", &["--features", "streaming"]);
    assert_eq!(
        short(&streaming),
        [
            ("app::Gated", "native"),
            ("app::Llm", "native"),
            ("app::Plain", "inherited"),
            ("it::TestChain", "native"),
        ]
    );
    let all = agents("app", "agentfw.toml", &["--all-features"]);
    assert!(short(&all).contains(&("app::extra::Extra", "inherited")));
    assert!(short(&all).contains(&("app::Gated", "native")));
    let none = agents("app", "agentfw.toml", &["--no-default-features"]);
    assert!(short(&none).contains(&("app::Gated", "inherited")));
    assert!(!short(&none)
        .iter()
        .any(|(name, _)| *name == "app::extra::Extra"));
}

#[test]
fn manifest_path_from_elsewhere() {
    let manifest = fixture("app").join("Cargo.toml");
    let output = cargo_dispatchlint(
        &fixture("gaps"),
        &[
            "agents",
            "--format",
            "json",
            "--offline",
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--pack",
            fixture("app").join("agentfw.toml").to_str().unwrap(),
        ],
    );
    assert!(verdicts(output)
        .iter()
        .any(|(name, verdict, _)| name == "app::Llm" && verdict == "native"));
}

#[test]
fn front_end_gaps() {
    let found = agents("gaps", "gaps.toml", &[]);
    assert_eq!(
        short(&found),
        [
            // An impl in a `#[cfg(feature = "fast")] mod` its type is not in.
            ("gaps::Outside", "unknown"),
            // Inside a function body.
            ("gaps::build::Local", "native"),
            // `sync_agents!` from src/macros.rs (`#[macro_use]`), expanded here.
            ("gaps::generated::Alpha", "inherited"),
            ("gaps::generated::Beta", "inherited"),
            // `agent_pair!` cannot be expanded: every type it names is unknown.
            ("gaps::generated::Delta", "unknown"),
            ("gaps::generated::Gamma", "unknown"),
            // `native_methods!()` inside the impl writes `astep`.
            ("gaps::generated::Inner", "native"),
            // One `macro_rules!` invocation, one type and impl each.
            ("gaps::generated::One", "inherited"),
            ("gaps::generated::Three", "inherited"),
            ("gaps::generated::Two", "native"),
            // A macro invoked inside a function body.
            ("gaps::make::InBody", "inherited"),
            // `#[cfg(test)] mod tests`, and an impl inside a `#[test]` fn.
            ("gaps::tests::InTests", "inherited"),
            ("gaps::tests::in_a_test_fn::InTestFn", "native"),
        ]
    );
    assert!(found[0].2.contains(r#"feature = "fast""#), "{found:?}");
    for unknown in &found[4..6] {
        assert!(
            unknown.2.contains("`agent_pair!`")
                && unknown
                    .2
                    .contains("the fragment kind `expr_2021` is not supported"),
            "{unknown:?}"
        );
    }
    let fast = agents("gaps", "gaps.toml", &["--features", "fast"]);
    assert!(short(&fast).contains(&("gaps::Outside", "native")));
    let slow = agents("gaps", "gaps.toml", &["--no-default-features"]);
    assert!(short(&slow).contains(&("gaps::Outside", "inherited")));
}

#[test]
fn a_failing_cargo_metadata_is_an_error() {
    let output = cargo_dispatchlint(
        &fixture("app"),
        &[
            "check",
            "--offline",
            "--manifest-path",
            "no/such/Cargo.toml",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cargo metadata"));
}

/// The CI step: this repository's own workspace passes.
#[test]
fn this_workspace_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let output = cargo_dispatchlint(&root, &["check", "--offline", "--no-cache", "--quiet"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("All checks passed"));
}

/// `(code, line, message)` of every finding, sorted.
fn findings(dir: &str, pack: &str) -> Vec<(String, u64, String)> {
    let output = cargo_dispatchlint(
        &fixture(dir),
        &[
            "check",
            "--offline",
            "--output-format",
            "json",
            "--pack",
            pack,
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn capability_method_and_forwarded_defaults() {
    let found = findings("checks", "execfw.toml");
    let codes: Vec<(&str, u64)> = found.iter().map(|(c, l, _)| (c.as_str(), *l)).collect();
    assert_eq!(
        codes,
        [
            // `Boastful::is_streaming` says true; `Quiet` inherits a false default.
            ("DL102", 14),
            ("DL102", 22),
            // Only `executor.is_streaming()`, never `executor.chain().is_streaming()`.
            ("DL103", 89),
            // `Logged` forwards `call` and `stream`, not `is_streaming` and `name`.
            ("DL104", 57),
        ]
    );
    assert!(found[1]
        .2
        .contains("leaves `is_streaming` to the trait's default"));
    assert!(found[2].2.contains("`executor.is_streaming()` alone"));
    assert!(
        found[3].2.contains("but not `is_streaming`, `name`"),
        "{}",
        found[3].2
    );
}

/// No `--pack`: the built-in langchain-rust pack names `Chain` by the paths
/// of langchain-rust 7.0.0, here a path dependency with the same layout.
#[test]
fn builtin_langchain_rust_pack() {
    let dir = fixture("lcr/app");
    let found = verdicts(cargo_dispatchlint(
        &dir,
        &["agents", "--format", "json", "--offline"],
    ));
    assert_eq!(
        short(&found),
        [
            ("app::Logged", "inherited"),
            ("app::Streaming", "native"),
            ("app::SyncOnly", "inherited"),
        ]
    );
    let output = cargo_dispatchlint(&dir, &["check", "--offline", "--output-format", "concise"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("src/lib.rs:31:8: DL104 `impl Chain for Logged` forwards `call` but not `stream`, `invoke`"),
        "{text}"
    );
}

/// `chainfw::Chain: base::Runnable`, where `base` is `chainfw`'s name for
/// the `basefw` crate, and `basefw::Runnable: Streams`, `streamfw::Streamer`
/// under another name: the entries and their defaults are read from the
/// sources of crates the linted crate does not depend on itself.
#[test]
fn supertrait_in_another_dependency() {
    let found = agents("superdep/app", "chainfw.toml", &[]);
    assert_eq!(
        found,
        [
            ("app::Streams".into(), "native".into(), String::new()),
            ("app::SyncOnly".into(), "inherited".into(), String::new()),
        ]
    );
}

/// `#[cfg(feature = "stream")]` on the trait's default of the async entry
/// (and of its capability method): the features decide it, and without
/// them a type that leaves the entry to the trait is `unknown`, the cfg named.
#[test]
fn cfg_on_a_trait_default_method() {
    let undecided = agents("cfgdefault/app", "cfgfw.toml", &[]);
    assert_eq!(
        short(&undecided),
        [("app::Plain", "unknown"), ("app::Streams", "unknown")]
    );
    assert!(
        undecided[0].2.contains(r#"`#[cfg(feature = "stream")]`"#)
            && undecided[0].2.contains("`cfgfw::Chain::stream`"),
        "{undecided:?}"
    );
    let on = agents("cfgdefault/app", "cfgfw.toml", &["--features", "stream"]);
    assert_eq!(
        short(&on),
        [("app::Plain", "inherited"), ("app::Streams", "native")]
    );
    let all = agents("cfgdefault/app", "cfgfw.toml", &["--all-features"]);
    assert_eq!(short(&all), short(&on));
    // Without the feature the trait has no `stream`: nothing streams.
    let off = agents("cfgdefault/app", "cfgfw.toml", &["--no-default-features"]);
    assert_eq!(
        short(&off),
        [("app::Plain", "inherited"), ("app::Streams", "inherited")]
    );
}

/// The capability method's default exists only under the feature: DL102
/// judges a type that leaves it to that default only when it does.
#[test]
fn cfg_on_a_trait_default_capability() {
    let dir = fixture("cfgdefault/app");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--offline",
            "--output-format",
            "concise",
            "--pack",
            "cfgfw.toml",
        ];
        args.extend_from_slice(extra);
        let output = cargo_dispatchlint(&dir, &args);
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let on = run(&["--features", "stream"]);
    assert!(
        on.contains("DL102 `app::Streams` leaves `is_streaming` to the trait's default"),
        "{on}"
    );
    for quiet in [run(&[]), run(&["--no-default-features"])] {
        assert!(!quiet.contains("DL102"), "{quiet}");
    }
}
