//! Snapshots of every `check` output format on one fixture, and the SARIF
//! output validated against the official SARIF 2.1.0 schema.

use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;

const FIXTURE: &str = "fixtures/formats";

fn check(format: &str) -> String {
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .args(["check", FIXTURE, "--isolated", "--output-format", format])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Every `--output-format`.
const FORMATS: [&str; 7] = [
    "full",
    "concise",
    "json",
    "json-lines",
    "github",
    "markdown",
    "sarif",
];

#[test]
fn every_format_snapshot() {
    for format in FORMATS {
        let text = check(format).replace(env!("CARGO_PKG_VERSION"), "[version]");
        insta::assert_snapshot!(format!("check_{format}"), text);
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema = std::env::var("DISPATCHLINT_SARIF_SCHEMA").unwrap_or_else(|_| {
        format!(
            "{}/target/test-deps/sarif-schema-2.1.0.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    assert!(
        Path::new(&schema).is_file(),
        "the SARIF 2.1.0 schema is missing at {schema}: run `bash .ci/setup`"
    );
    let sarif = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(sarif.path(), check("sarif")).unwrap();
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             document = json.load(open(sys.argv[2]))\n\
             jsonschema.Draft4Validator.check_schema(schema)\n\
             errors = list(jsonschema.Draft4Validator(schema).iter_errors(document))\n\
             [print(e.json_path, e.message) for e in errors]\n\
             sys.exit(1 if errors else 0)",
            &schema,
        ])
        .arg(sarif.path())
        .output()
        .expect("python3 with jsonschema (bash .ci/setup)");
    assert!(
        output.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The fingerprints are stable from run to run.
    assert_eq!(check("sarif"), check("sarif"));
}

fn run(args: &[&str]) -> String {
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
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

#[test]
fn agents_and_audit_snapshots() {
    let packonly = "fixtures/python/packonly";
    insta::assert_snapshot!("agents_human", run(&["agents", packonly, "--no-cache"]));
    insta::assert_snapshot!(
        "agents_json",
        run(&["agents", "--format", "json", packonly])
    );
    insta::assert_snapshot!("agents_dot", run(&["agents", "--format", "dot", packonly]));
    insta::assert_snapshot!(
        "agents_mermaid",
        run(&["agents", "--format", "mermaid", packonly])
    );
    insta::assert_snapshot!(
        "audit_markdown",
        run(&["audit", "fixtures/audit", "--isolated", "--exit-zero"])
    );
}

#[test]
fn unselected_checks_report_nothing() {
    let paths = [std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/python-checks"
    ))];
    let analysis = dispatchlint::analyze(&paths, &dispatchlint::Settings::default()).unwrap();
    let all =
        dispatchlint::checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|_| true);
    assert!(all.iter().any(|f| f.code == "DL001") && all.iter().any(|f| f.code == "DL003"));
    let only =
        dispatchlint::checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|code| {
            code == "DL003"
        });
    assert!(!only.is_empty() && only.iter().all(|f| f.code == "DL003"));
    let asked = std::sync::Mutex::new(Vec::new());
    let none =
        dispatchlint::checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|code| {
            asked.lock().unwrap().push(code.to_owned());
            false
        });
    assert!(none.is_empty());
    // Every rule was asked about once, and none ran.
    assert_eq!(
        asked.lock().unwrap().len(),
        dispatchlint::checks::rules().len()
    );
}

/// Spaces before the flagged code: past the 65,535 columns that a width in
/// a Rust format string can hold (miette pads its frames with one).
const PAD: usize = 70_000;

/// Files whose finding, syntax error and unused suppression sit past column
/// `PAD`, and the column each is reported at.
fn wide_lines() -> (tempfile::TempDir, [(&'static str, String); 3]) {
    let dir = tempfile::tempdir().unwrap();
    let pad = " ".repeat(PAD);
    let finding = format!(
        "from openhands.sdk import RemoteConversation\n\n\nasync def go(agent, workspace):\n    conversation = RemoteConversation(agent=agent, workspace=workspace)\n    x = ({pad}await conversation.arun())\n"
    );
    let syntax = format!("x = ({pad}:\n");
    let suppression = format!("x = 1{pad}  # noqa: DL003\n");
    for (name, text) in [
        ("finding.py", finding),
        ("syntax.py", syntax),
        ("suppression.py", suppression),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let at = [
        ("finding.py", format!("finding.py:6:{}", 9 + PAD + 1)),
        ("syntax.py", format!("syntax.py:1:{}", 5 + PAD + 1)),
        (
            "suppression.py",
            format!("suppression.py:1:{}", 5 + PAD + 3),
        ),
    ];
    (dir, at)
}

#[test]
fn findings_past_column_65535_render_in_every_format() {
    let (dir, at) = wide_lines();
    let out = dir.path().join("report.txt");
    for format in FORMATS {
        let output = Command::cargo_bin("dispatchlint")
            .unwrap()
            .current_dir(dir.path())
            .env_remove("GITHUB_ACTIONS")
            .env("NO_COLOR", "1")
            .args([
                "check",
                "--isolated",
                "--no-cache",
                "--output-format",
                format,
            ])
            .args(["-o", out.to_str().unwrap(), "."])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{format}: {stderr}");
        assert!(!stderr.contains("internal error"), "{format}: {stderr}");
        let report = std::fs::read_to_string(&out).unwrap();
        assert!(report.contains("DL003"), "{format}: {report}");
        if format == "full" {
            // Each frame names the real place and shows a window of the line.
            for (_, place) in &at {
                assert!(report.contains(&format!("[{place}]")), "{report}");
            }
            assert!(report.contains("await conversation.arun()"), "{report}");
            assert!(report.contains("Found 3 findings (3 files)"), "{report}");
            let widest = report.lines().map(|l| l.chars().count()).max().unwrap();
            assert!(widest < 400, "a frame line of {widest} characters");
        }
        if format == "concise" {
            for (_, place) in &at {
                assert!(report.contains(place.as_str()), "{report}");
            }
        }
    }
    // The audit report holds the same frames.
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(dir.path())
        .args(["audit", "--isolated", "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{stderr}");
    assert!(stdout.contains(&format!("[{}]", at[0].1)), "{stdout}");
}
