//! Every built-in Python pack's verdicts against the real frameworks.
//!
//! `tests/oracle/frameworks_oracle.py` imports `fixtures/frameworks` in the
//! venv `.ci/setup` makes with langchain-core, llama-index-core and
//! openhands-sdk installed from PyPI with their dependencies, and reports per
//! class and role the class whose own namespace provides the async entry.
//! `dispatchlint agents --format json` on the same fixtures must agree,
//! twice: from the packs alone (no framework source), and with the venv's
//! sources on `--python-path`, where the source wins over the pack. A
//! verdict may instead be `unknown` with a reason when its class is listed in
//! `fixtures/frameworks/expected_unknown.txt`.
//!
//! crewAI cannot be installed beside them (its release pins an older
//! pydantic, and its import pulls a large tree), so its verdicts come from
//! `tests/oracle/source_oracle.py`, which applies Python's MRO rule to the
//! released source `.ci/setup` unpacks, with `ast`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use dispatchlint::model::Language;
use dispatchlint::packs::Packs;
use serde_json::{json, Value};

const FIXTURES: &str = "fixtures/frameworks";
/// The packs the runtime oracle checks by importing the frameworks.
const RUNTIME_PACKS: &[&str] = &["langchain-core", "llama-index-core", "openhands"];
/// The packs checked from the framework's released source instead: (pack,
/// its fixture package, the unpacked wheel `.ci/setup` leaves).
const SOURCE_PACKS: &[(&str, &str, &str)] =
    &[("crewai", "crewai_app", "target/test-deps/crewai-1.15.30")];
const PACKS: &[&str] = &["langchain-core", "llama-index-core", "openhands", "crewai"];

fn venv() -> PathBuf {
    std::env::var_os("DISPATCHLINT_ORACLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/test-deps/oracle-venv"))
}

fn site_packages() -> PathBuf {
    venv().join("lib/python3.12/site-packages")
}

/// The built-in packs' Python roles among `which`, as the oracles take them.
fn roles(which: &[&str]) -> Value {
    let packs = Packs::builtin();
    let roles: Vec<Value> = packs
        .roles_by_pack()
        .filter(|(pack, _)| pack.language == Language::Python && which.contains(&&*pack.name))
        .map(|(pack, role)| {
            json!({"pack": pack.name, "role": role.name, "root": role.root,
                   "sync": role.sync, "async": role.async_})
        })
        .collect();
    Value::Array(roles)
}

/// The oracle's report, made once per test binary: importing the frameworks
/// takes 15-25 s.
fn oracle() -> Value {
    static REPORT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    REPORT.get_or_init(run_oracle).clone()
}

fn run_oracle() -> Value {
    let python = venv().join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash .ci/setup` (it makes the oracle venv)",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let roles_file = dir.path().join("roles.json");
    std::fs::write(&roles_file, roles(RUNTIME_PACKS).to_string()).unwrap();
    let output = Command::new(&python)
        .arg("tests/oracle/frameworks_oracle.py")
        .arg(FIXTURES)
        .arg(&roles_file)
        .args(
            SOURCE_PACKS
                .iter()
                .map(|(_, fixture, _)| format!("--skip={fixture}")),
        )
        // No network at import (LiteLLM fetches its price list otherwise), no banner.
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("OPENHANDS_SUPPRESS_BANNER", "1")
        .output()
        .expect("run the oracle");
    assert!(
        output.status.success(),
        "oracle failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut report: Value = serde_json::from_slice(&output.stdout).expect("the oracle prints JSON");
    for (pack, fixture, source) in SOURCE_PACKS {
        let types = source_oracle(&python, pack, fixture, source);
        report["types"]
            .as_array_mut()
            .unwrap()
            .extend(types["types"].as_array().unwrap().iter().cloned());
    }
    report
}

fn source_oracle(python: &Path, pack: &str, fixture: &str, source: &str) -> Value {
    assert!(
        Path::new(source).join(".complete").exists(),
        "{source} is missing: run `bash .ci/setup`"
    );
    let dir = tempfile::tempdir().unwrap();
    let roles_file = dir.path().join("roles.json");
    std::fs::write(&roles_file, roles(&[pack]).to_string()).unwrap();
    let output = Command::new(python)
        .arg("tests/oracle/source_oracle.py")
        .arg("verdicts")
        .arg(Path::new(FIXTURES).join(fixture))
        .arg(&roles_file)
        .arg(source)
        .output()
        .expect("run the source oracle");
    assert!(
        output.status.success(),
        "source oracle failed for {pack}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the source oracle prints JSON")
}

fn analyzer(python_path: &[&Path]) -> Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dispatchlint"));
    command
        .args(["agents", "--format", "json", "--isolated", "--no-cache"])
        .env_remove("VIRTUAL_ENV");
    for path in python_path {
        command.arg("--python-path").arg(path);
    }
    let output = command.arg(FIXTURES).output().expect("run dispatchlint");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("agents prints JSON")
}

fn expected_unknown() -> BTreeSet<String> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("expected_unknown.txt"))
        .expect("fixtures/frameworks/expected_unknown.txt");
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

type Key = (String, String, String);
type Entry = (String, Option<String>, Option<String>);

/// (qualname, pack, role) -> (verdict, provider, reason), for the packs tested.
fn by_class(document: &Value) -> BTreeMap<Key, Entry> {
    document["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter(|t| PACKS.contains(&t["pack"].as_str().unwrap_or_default()))
        .map(|t| {
            let text = |v: &Value| v.as_str().map(str::to_owned);
            let provider = t["provider"]
                .get("qualname")
                .and_then(&text)
                .or_else(|| text(&t["provider"]));
            (
                (
                    text(&t["qualname"]).unwrap(),
                    text(&t["pack"]).unwrap(),
                    text(&t["role"]).unwrap(),
                ),
                (text(&t["verdict"]).unwrap(), provider, text(&t["reason"])),
            )
        })
        .collect()
}

fn disagreements(oracle: &BTreeMap<Key, Entry>, analyzer: &BTreeMap<Key, Entry>) -> Vec<String> {
    let unknown = expected_unknown();
    let mut found = Vec::new();
    for (key @ (qualname, pack, role), (truth, true_provider, _)) in oracle {
        let Some((verdict, provider, reason)) = analyzer.get(key) else {
            found.push(format!("{qualname} ({pack} {role}): missing from `agents`"));
            continue;
        };
        if unknown.contains(qualname) {
            if verdict != "unknown" || reason.as_deref().is_none_or(str::is_empty) {
                found.push(format!(
                    "{qualname} ({pack} {role}): expected unknown with a reason, got {verdict}"
                ));
            }
        } else if verdict != truth || provider != true_provider {
            found.push(format!(
                "{qualname} ({pack} {role}): Python says {truth} from {true_provider:?}, \
                 dispatchlint {verdict} from {provider:?} ({})",
                reason.as_deref().unwrap_or("no reason")
            ));
        }
    }
    for (qualname, pack, role) in analyzer.keys() {
        if !oracle.contains_key(&(qualname.clone(), pack.clone(), role.clone())) {
            found.push(format!(
                "{qualname} ({pack} {role}): listed by `agents`, not a subclass of the root at runtime"
            ));
        }
    }
    found
}

fn assert_agrees(analyzer: &Value, what: &str) {
    let oracle = by_class(&oracle());
    // Every role of every pack is exercised, with both verdicts where a
    // fixture can give them.
    for role in roles(PACKS).as_array().unwrap() {
        let (pack, name) = (
            role["pack"].as_str().unwrap(),
            role["role"].as_str().unwrap(),
        );
        let verdicts: BTreeSet<&str> = oracle
            .iter()
            .filter(|((_, p, r), _)| p == pack && r == name)
            .map(|(_, (verdict, _, _))| verdict.as_str())
            .collect();
        assert!(!verdicts.is_empty(), "no fixture class plays {pack} {name}");
    }
    let found = disagreements(&oracle, &by_class(analyzer));
    assert!(
        found.is_empty(),
        "{} disagreement(s) between dispatchlint ({what}) and Python:\n  {}",
        found.len(),
        found.join("\n  ")
    );
}

#[test]
fn verdicts_from_the_packs_alone_agree_with_the_real_frameworks() {
    assert_agrees(&analyzer(&[]), "packs only");
}

#[test]
fn verdicts_from_the_framework_sources_agree_with_the_real_frameworks() {
    let site = site_packages();
    assert!(
        site.is_dir(),
        "{} is missing: run `bash .ci/setup`",
        site.display()
    );
    assert_agrees(&analyzer(&[&site, &crewai_source()]), "with --python-path");
}

fn crewai_source() -> PathBuf {
    PathBuf::from(SOURCE_PACKS[0].2)
}

#[test]
fn a_planted_default_and_a_wrapped_method_are_told_apart() {
    // The two cases where `vars()` and identity disagree with a naive reading:
    // BaseRetriever plants an executor wrapper in OldStyleSync's namespace
    // (still inherited), and LlamaIndex's decorators make `is` always false.
    let oracle = by_class(&oracle());
    let get = |q: &str, pack: &str, role: &str| {
        oracle[&(q.to_owned(), pack.to_owned(), role.to_owned())]
            .0
            .clone()
    };
    assert_eq!(
        get(
            "langchain_app.retrievers.OldStyleSync",
            "langchain-core",
            "retriever"
        ),
        "inherited"
    );
    assert_eq!(
        get(
            "llamaindex_app.llms.SyncLLM",
            "llama-index-core",
            "llm-complete"
        ),
        "inherited"
    );
    assert_eq!(
        get(
            "llamaindex_app.llms.AsyncCompleteLLM",
            "llama-index-core",
            "llm-complete"
        ),
        "native"
    );
}

#[test]
fn a_pseudo_native_provider_is_native_and_marked() {
    // SimpleChatModel._agenerate is an override to Python (so `native`, as
    // the oracle says), yet it only hands `_generate` to the executor;
    // LlamaIndex's BaseToolAsyncAdapter.acall hands `call` to a thread, and
    // crewAI's Tool._arun calls its function on the loop.
    let site = site_packages();
    let crewai = crewai_source();
    for python_path in [&[][..], &[&*site, &*crewai][..]] {
        let document = analyzer(python_path);
        let marked: Vec<(&str, &str, &str)> = document["types"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["pseudo_native"] == true)
            .map(|t| {
                (
                    t["qualname"].as_str().unwrap(),
                    t["role"].as_str().unwrap(),
                    t["verdict"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            marked,
            [
                ("crewai_app.tools.FunctionBackedTool", "tool", "native"),
                ("langchain_app.models.Simple", "chat-model", "native"),
                ("llamaindex_app.tools.MyAdapter", "async-tool", "native"),
            ],
            "python path {python_path:?}"
        );
    }
}

#[test]
fn what_the_packs_say_of_framework_classes_holds() {
    // Each root's async entry does what the pack's `default` says, aliases
    // are the same class, and each known type defines exactly the entries
    // the pack lists: what the verdicts from the packs alone rest on, for
    // classes no fixture derives from.
    let python = venv().join("bin/python");
    let packs: Vec<String> = RUNTIME_PACKS
        .iter()
        .map(|p| format!("rules/{p}.toml"))
        .collect();
    let output = Command::new(&python)
        .arg("tests/oracle/pack_facts.py")
        .args(&packs)
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("OPENHANDS_SUPPRESS_BANNER", "1")
        .output()
        .expect("run pack_facts.py");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The same facts of crewAI, read from its released source.
    for (pack, _, source) in SOURCE_PACKS {
        let output = Command::new(&python)
            .arg("tests/oracle/source_oracle.py")
            .arg("facts")
            .arg(format!("rules/{pack}.toml"))
            .arg(source)
            .output()
            .expect("run source_oracle.py facts");
        assert!(
            output.status.success(),
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
