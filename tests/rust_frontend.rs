//! The Rust front end over fixtures/rust: every verdict, every finding with
//! its line, parse errors as DL000, a mixed Python + Rust directory, and the
//! runtime's own record of the runtime_agents fixture.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;

const PACK: &str = "fixtures/rust/agents_core/agents-core-pack.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_json(args: &[&str]) -> Value {
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `(qualname, role, verdict, line, reason)` of every Rust type.
fn verdicts(args: &[&str]) -> Vec<(String, String, String, u64, String)> {
    let mut all = vec!["agents", "--format", "json"];
    all.extend_from_slice(args);
    let report = run_json(&all);
    report["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["language"] == "rust")
        .map(|t| {
            (
                t["qualname"].as_str().unwrap().to_owned(),
                t["role"].as_str().unwrap().to_owned(),
                t["verdict"].as_str().unwrap().to_owned(),
                t["line"].as_u64().unwrap(),
                t["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn assert_verdicts(
    found: &[(String, String, String, u64, String)],
    expected: &[(&str, &str, &str, u64, &str)],
) {
    for (name, role, verdict, line, reason) in expected {
        let hit = found
            .iter()
            .find(|f| f.0 == *name && f.1 == *role)
            .unwrap_or_else(|| panic!("no verdict for {name} ({role}) in {found:#?}"));
        assert_eq!(
            (hit.2.as_str(), hit.3),
            (*verdict, *line),
            "{name}: {}",
            hit.4
        );
        assert!(
            hit.4.contains(reason),
            "{name}: reason {:?} lacks {reason:?}",
            hit.4
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

#[test]
fn agents_core_verdicts_with_its_pack() {
    let found = verdicts(&["--pack", PACK, "fixtures/rust/agents_core"]);
    let c = "agents_core";
    let expected: Vec<(String, &str, &str, u64, &str)> = vec![
        (format!("{c}::basic::Native"), "agent", "native", 3, ""),
        (
            format!("{c}::basic::SyncOnly"),
            "agent",
            "inherited",
            11,
            "",
        ),
        // Blanket `impl<T: Model + Send> Agent for T` with an `astep`.
        (format!("{c}::blanket::Gpt"), "agent", "native", 15, ""),
        (
            format!("{c}::cfgs::GatedMethod"),
            "agent",
            "unknown",
            3,
            "#[cfg(feature = \"async\")]",
        ),
        (
            format!("{c}::cfgs::GatedImpl"),
            "agent",
            "unknown",
            12,
            "#[cfg(not(feature = \"sync-only\"))]",
        ),
        (
            format!("{c}::cfgs::GatedOther"),
            "agent",
            "inherited",
            21,
            "",
        ),
        // A struct named `Agent` implementing the trait `Agent`.
        (
            format!("{c}::confusing::Agent"),
            "agent",
            "inherited",
            3,
            "",
        ),
        (
            // The file's own `macro_rules!` is expanded: its impl has no `astep`.
            format!("{c}::macros::FromMacro"),
            "agent",
            "inherited",
            11,
            "",
        ),
        (
            format!("{c}::macros::Derived"),
            "agent",
            "unknown",
            15,
            "#[derive(Agent)]",
        ),
        (
            format!("{c}::macros::Attributed"),
            "agent",
            "unknown",
            18,
            "#[agents_derive::with_astep]",
        ),
        (
            format!("{c}::macros::InnerMacro"),
            "agent",
            "unknown",
            25,
            "`astep_methods!`",
        ),
        (
            format!("{c}::nested::deep::Deep"),
            "agent",
            "inherited",
            3,
            "",
        ),
        (format!("{c}::nested::Globbed"), "agent", "native", 5, ""),
        (
            format!("{c}::nested::inline::Inline"),
            "agent",
            "inherited",
            16,
            "",
        ),
        // `#[path = "odd_place.rs"] mod pathed;`
        (format!("{c}::pathed::Pathed"), "agent", "native", 3, ""),
        // `use crate::traits::Agent as AgentTrait`, `fn astep -> impl Future`.
        (format!("{c}::renamed::Renamed"), "agent", "native", 7, ""),
        (
            format!("{c}::renamed::ThroughModule"),
            "agent",
            "inherited",
            17,
            "",
        ),
        // `impl crate::traits::Agent for ..`, `fn astep -> Pin<Box<dyn Future>>`.
        (format!("{c}::renamed::FullPath"), "agent", "native", 23, ""),
        // `awork` is declared on the supertrait `AsyncWork`.
        (
            format!("{c}::supers::NativeWorker"),
            "worker",
            "native",
            11,
            "",
        ),
        (
            format!("{c}::supers::PlainWorker"),
            "worker",
            "inherited",
            21,
            "",
        ),
        (
            format!("{c}::supers::SomePlanner"),
            "planner",
            "unknown",
            33,
            "planning::AsyncPlan",
        ),
        (
            format!("{c}::wrappers::Logged"),
            "agent",
            "inherited",
            21,
            "",
        ),
    ];
    let expected: Vec<(&str, &str, &str, u64, &str)> = expected
        .iter()
        .map(|(a, b, c, d, e)| (a.as_str(), *b, *c, *d, *e))
        .collect();
    assert_verdicts(&found, &expected);
}

#[test]
fn without_the_pack_a_user_trait_is_no_role() {
    assert!(verdicts(&["fixtures/rust/agents_core"]).is_empty());
}

#[test]
fn runtime_user_verdicts_through_a_renamed_dependency() {
    let found = verdicts(&["fixtures/rust/runtime_user"]);
    let expected = [
        ("runtime_user::Forgotten", "agent", "inherited", 9, ""),
        ("runtime_user::Denied", "agent", "inherited", 25, ""),
        ("runtime_user::Boastful", "agent", "inherited", 45, ""),
        ("runtime_user::Honest", "agent", "native", 59, ""),
        ("runtime_user::Quiet", "agent", "inherited", 79, ""),
        ("runtime_user::Boxed", "agent", "inherited", 96, ""),
        (
            "runtime_user::Traced",
            "agent",
            "unknown",
            105,
            "decided at run time",
        ),
    ];
    assert_verdicts(&found, &expected);
}

/// `(code, path, line)` of every finding of `check`.
fn findings(args: &[&str]) -> Vec<(String, String, u64)> {
    let mut all = vec!["check", "--output-format", "json"];
    all.extend_from_slice(args);
    let report = run_json(&all);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_rust_finding_with_its_line() {
    let found = findings(&[
        "--pack",
        PACK,
        "fixtures/rust/agents_core",
        "fixtures/rust/runtime_user",
    ]);
    let core = "fixtures/rust/agents_core/src";
    let user = "fixtures/rust/runtime_user/src";
    let expected = [
        ("DL101", format!("{core}/confusing.rs"), 12),
        ("DL104", format!("{core}/wrappers.rs"), 6),
        ("DL104", format!("{core}/wrappers.rs"), 24),
        ("DL103", format!("{user}/dispatch.rs"), 11),
        ("DL103", format!("{user}/dispatch.rs"), 25),
        ("DL101", format!("{user}/lib.rs"), 20),
        ("DL102", format!("{user}/lib.rs"), 33),
        ("DL102", format!("{user}/lib.rs"), 49),
        ("DL104", format!("{user}/lib.rs"), 100),
    ];
    let expected: Vec<(String, String, u64)> = expected
        .into_iter()
        .map(|(c, p, l)| (c.to_owned(), p, l))
        .collect();
    let mut sorted = found.clone();
    sorted.sort();
    let mut wanted = expected.clone();
    wanted.sort();
    assert_eq!(sorted, wanted);
}

#[test]
fn checks_through_the_library_api_see_suppressed_findings_too() {
    let settings = {
        let mut settings = dispatchlint::Settings::default();
        settings.packs.load_file(&root().join(PACK)).unwrap();
        settings
    };
    let analysis = dispatchlint::analyze(
        &[
            root().join("fixtures/rust/agents_core"),
            root().join("fixtures/rust/runtime_user"),
        ],
        &settings,
    )
    .unwrap();
    let all =
        dispatchlint::checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|code| {
            code.starts_with("DL1")
        });
    let at = |code: &str, file: &str, line: u32| {
        all.iter().any(|f| {
            f.code == code && analysis.files[f.file].path.ends_with(file) && f.location.line == line
        })
    };
    // Raw findings include the two that comments suppress...
    assert!(at("DL101", "runtime_user/src/lib.rs", 91));
    assert!(at("DL104", "agents_core/src/wrappers.rs", 31));
    // ...and the comments are in the facts, each covering the next line.
    let suppressed = |file: &str, code: &str, line: u32| {
        analysis.files.iter().any(|f| {
            f.path.ends_with(file)
                && f.suppressions
                    .iter()
                    .any(|s| s.codes.iter().any(|c| c == code) && s.line == Some(line))
        })
    };
    assert!(suppressed("runtime_user/src/lib.rs", "DL101", 91));
    assert!(suppressed("agents_core/src/wrappers.rs", "DL104", 31));
    assert_eq!(all.len(), 11, "{all:#?}");
}

#[test]
fn syntax_errors_are_dl000_with_line_and_column() {
    let report = run_json(&["agents", "--format", "json", "fixtures/rust/bad"]);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "DL000");
    assert!(d["path"].as_str().unwrap().ends_with("broken.rs"));
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(23))
    );
    assert!(d["message"].as_str().unwrap().starts_with("syntax error"));
}

#[test]
fn a_file_no_crate_reaches_is_its_own_crate() {
    let found = verdicts(&["fixtures/rust/loose"]);
    assert_verdicts(
        &found,
        &[("standalone::Loose", "agent", "inherited", 5, "")],
    );
}

#[test]
fn mixed_directory_reports_both_languages() {
    let report = run_json(&["agents", "--format", "json", "fixtures/rust/mixed"]);
    let mut seen: Vec<(String, String, String)> = report["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["language"].as_str().unwrap().to_owned(),
                t["name"].as_str().unwrap().to_owned(),
                t["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        ("python", "PyNative", "native"),
        ("python", "PySync", "inherited"),
        ("rust", "RustNative", "native"),
        ("rust", "RustSync", "inherited"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(seen, expected);
}

/// The analyzer's verdicts on fixtures/rust/runtime_agents agree with what
/// the runtime itself reports (`as_async().is_some()`), type by type.
#[test]
fn runtime_agents_match_the_runtime() {
    let runtime = support::runtime_fixture_capabilities();
    assert!(!runtime.is_empty());
    let found = verdicts(&["fixtures/rust/runtime_agents"]);
    assert_eq!(found.len(), runtime.len(), "{found:#?}");
    for entry in &runtime {
        let name = entry["name"].as_str().unwrap();
        let role = entry["role"].as_str().unwrap();
        let ours = found
            .iter()
            .find(|f| f.0.rsplit("::").next() == Some(name) && f.1 == role)
            .unwrap_or_else(|| panic!("no verdict for {name}"));
        let native = entry["native"].as_bool().unwrap();
        assert_eq!(
            ours.2,
            if native { "native" } else { "inherited" },
            "{name}: runtime says native={native}"
        );
    }
}

#[test]
fn fixture_paths_exist() {
    assert!(Path::new(&root().join(PACK)).is_file());
}

/// Macros the expander cannot expand (the `expr_2021` fragment): every type
/// they may write an impl for (named in the invocation or in the macro's
/// body, of the root or a supertrait), or write themselves, is `unknown`
/// with the macro and the fragment named; what is written by hand is not.
#[test]
fn unsupported_macro_fragments_make_unknowns() {
    let found = verdicts(&[
        "--pack",
        "fixtures/rust/macro_fragments/pack.toml",
        "fixtures/rust/macro_fragments",
    ]);
    let fragment = "the fragment kind `expr_2021` is not supported";
    assert_verdicts(
        &found,
        &[
            ("macro_fragments::Fixed", "agent", "unknown", 24, fragment),
            ("macro_fragments::Made", "agent", "unknown", 49, fragment),
            ("macro_fragments::Within", "agent", "unknown", 60, fragment),
            ("macro_fragments::Plain", "agent", "inherited", 70, ""),
        ],
    );
    for (name, macro_) in [
        ("Fixed", "`native_for_fixed!`"),
        ("Made", "`define_agent!`"),
        ("Within", "`astep_with!`"),
    ] {
        let hit = found.iter().find(|f| f.0.ends_with(name)).unwrap();
        assert!(hit.4.contains(macro_), "{name}: {}", hit.4);
    }
}
