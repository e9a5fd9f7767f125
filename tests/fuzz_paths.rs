//! Fuzz harness (proptest) for configuration files that name paths: a tree
//! holds a `dispatchlint.toml` or `pyproject.toml` whose `packs`,
//! `python-path` and `exclude` name what an attacker would (FIFOs, devices,
//! `/proc`, symlinks out of the tree, `..` chains, huge sparse files, loops)
//! next to what a user would. Whatever the text, loading the settings and
//! analyzing the tree must not block, panic, read or quote anything outside
//! the tree.
//!
//! Like tests/fuzz.rs, CI runs a small budget; by hand:
//!
//! ```sh
//! DISPATCHLINT_FUZZ_CASES=100000 cargo test --release --test fuzz_paths -- --nocapture
//! ```
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::PathBuf;

use proptest::prelude::*;

use dispatchlint::settings::{self, Config, Resolver, RunOptions};
use dispatchlint::untrusted::Tree;

const SECRET: &str = "FUZZ_SECRET_never_printed";

fn cases() -> u32 {
    std::env::var("DISPATCHLINT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// A pack that parses: loading it proves the path was followed.
const PACK: &str = "name = \"fuzz\"\nversion = \"1\"\nlanguage = \"python\"\n";

/// What a case's configuration can name, relative to the tree unless absolute.
const NAMES: &[&str] = &[
    "pack.toml",
    "fifo.toml",
    "big.toml",
    "link_in.toml",
    "link_out.toml",
    "link_dev.toml",
    "loop.toml",
    "dir",
    "vendor",
    "vendor_out",
    "missing.toml",
    "../outside/secret.toml",
    "../outside",
    "../../../../../../../../../../etc/passwd",
    "..",
    ".",
    "",
    "/dev/zero",
    "/dev/stdin",
    "/proc/self/environ",
    "/proc/self/fd/0",
    "/etc/passwd",
    "/",
    "~",
    "$HOME",
    "vendor/../../outside",
    "./pack.toml",
    "dir/../pack.toml",
    "pack.toml/",
    "\\u0000",
];

struct Case {
    _dir: tempfile::TempDir,
    tree: PathBuf,
}

/// A fresh tree and its outside, with every kind of trap in place.
fn layout() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let outside = dir.path().join("outside");
    for d in [&tree, &outside, &tree.join("dir"), &tree.join("vendor")] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(outside.join("secret.toml"), format!("x = {SECRET}\n")).unwrap();
    std::fs::write(outside.join("secret.py"), format!("def (: {SECRET}\n")).unwrap();
    std::fs::write(outside.join("pack.toml"), PACK).unwrap();
    std::fs::write(tree.join("pack.toml"), PACK).unwrap();
    std::fs::write(
        tree.join("good.py"),
        "import secret\nfrom openhands.sdk import RemoteConversation\n",
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(tree.join("fifo.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::File::create(tree.join("big.toml"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    symlink("pack.toml", tree.join("link_in.toml")).unwrap();
    symlink(outside.join("secret.toml"), tree.join("link_out.toml")).unwrap();
    symlink("/dev/zero", tree.join("link_dev.toml")).unwrap();
    symlink("loop.toml", tree.join("loop.toml")).unwrap();
    symlink(&outside, tree.join("vendor_out")).unwrap();
    // A module the good file imports, outside: it must never be loaded.
    std::fs::write(outside.join("secret.toml.py"), "").unwrap();
    Case { _dir: dir, tree }
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Writes the configuration into a fresh tree and loads the settings.
fn load(
    case: &Case,
    packs: &[String],
    python_path: &[String],
    exclude: &[String],
    form: u8,
) -> (Tree, Result<dispatchlint::Settings, String>) {
    let body = format!(
        "packs = {}\npython-path = {}\nexclude = {}\n",
        toml_list(packs),
        toml_list(python_path),
        toml_list(exclude)
    );
    match form % 3 {
        0 => std::fs::write(case.tree.join("dispatchlint.toml"), body).unwrap(),
        1 => std::fs::write(
            case.tree.join("pyproject.toml"),
            format!("[tool.dispatchlint]\n{body}"),
        )
        .unwrap(),
        // The configuration is itself a trap.
        _ => symlink(
            case.tree.join("../outside/secret.toml"),
            case.tree.join("dispatchlint.toml"),
        )
        .unwrap(),
    }
    let tree = Tree::new(&case.tree, [case.tree.as_path()]);
    let resolver = Resolver::new(None, false, Config::default())
        .unwrap()
        .with_tree(tree.clone());
    let options = RunOptions {
        respect_ignore_files: true,
        ..RunOptions::default()
    };
    let loaded =
        settings::analysis_settings(&options, &resolver, &case.tree).map_err(|error| error.0);
    (tree, loaded)
}

fn run(packs: Vec<String>, python_path: Vec<String>, exclude: Vec<String>, form: u8) {
    let case = layout();
    let (tree, loaded) = load(&case, &packs, &python_path, &exclude, form);
    let settings = match loaded {
        Ok(settings) => settings,
        Err(error) => {
            assert!(!error.contains(SECRET), "quoted the secret: {error}");
            return;
        }
    };
    for dir in &settings.python_path {
        assert!(
            !std::fs::canonicalize(dir).is_ok_and(|real| !tree.contains_resolved(&real)),
            "python-path {} leaves the tree",
            dir.display()
        );
    }
    let analysis = dispatchlint::analyze(std::slice::from_ref(&case.tree), &settings)
        .expect("the analysis of a readable tree");
    for file in &analysis.files {
        let real = std::fs::canonicalize(case.tree.join(&file.path))
            .or_else(|_| std::fs::canonicalize(&file.path))
            .unwrap_or_default();
        assert!(
            tree.contains_resolved(&real),
            "read {} outside the tree",
            file.path.display()
        );
    }
}

fn names() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(NAMES).prop_map(str::to_owned),
            1 => "[./a-z_]{0,12}",
        ],
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn configuration_naming_paths_never_leaves_the_tree(
        packs in names(),
        python_path in names(),
        exclude in names(),
        form in any::<u8>(),
    ) {
        run(packs, python_path, exclude, form);
    }
}

#[test]
fn every_trap_alone() {
    for name in NAMES {
        for form in 0..3 {
            run(vec![(*name).to_owned()], Vec::new(), Vec::new(), form);
            run(Vec::new(), vec![(*name).to_owned()], Vec::new(), form);
        }
    }
}

/// The harness is not vacuous: real paths load, every trap is refused.
#[test]
fn traps_are_refused_and_real_paths_load() {
    let one = |s: &str| vec![s.to_owned()];
    for form in 0..2 {
        for good in [
            "pack.toml",
            "link_in.toml",
            "./pack.toml",
            "dir/../pack.toml",
        ] {
            let case = layout();
            let (_, loaded) = load(&case, &one(good), &[], &[], form);
            let settings = loaded.unwrap_or_else(|e| panic!("{good}: {e}"));
            assert!(
                settings.packs.versions().contains(&"fuzz 1".to_owned()),
                "{good}"
            );
        }
        let case = layout();
        assert!(load(&case, &[], &one("vendor"), &[], form).1.is_ok());
        for trap in [
            "fifo.toml",
            "big.toml",
            "link_out.toml",
            "link_dev.toml",
            "loop.toml",
            "dir",
            "/dev/zero",
            "/proc/self/environ",
            "../outside/secret.toml",
            "/etc/passwd",
        ] {
            let case = layout();
            let (_, loaded) = load(&case, &one(trap), &[], &[], form);
            assert!(loaded.is_err(), "pack {trap} was loaded");
        }
        for trap in ["vendor_out", "../outside", "/", "vendor/../../outside"] {
            let case = layout();
            let (_, loaded) = load(&case, &[], &one(trap), &[], form);
            assert!(loaded.is_err(), "python-path {trap} was accepted");
        }
    }
    let case = layout();
    let (_, loaded) = load(&case, &[], &[], &[], 2);
    let error = loaded.unwrap_err();
    assert!(error.contains("leaves the analyzed tree"), "{error}");
}
