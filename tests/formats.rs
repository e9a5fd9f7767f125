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

#[test]
fn every_format_snapshot() {
    for format in [
        "full",
        "concise",
        "json",
        "json-lines",
        "github",
        "markdown",
        "sarif",
    ] {
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
