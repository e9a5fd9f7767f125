//! Hostile input: each test puts one bad thing next to a good file and
//! checks that dispatchlint exits 0 or 1 (never 2, never a panic or a
//! crash), says something about the bad thing when there is something to
//! say, and still analyzes the good file (its DL003 finding is reported).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// A file whose finding proves the run analyzed more than the hostile input.
const GOOD: &str = "\
from openhands.sdk import RemoteConversation


async def go(agent, workspace):
    conversation = RemoteConversation(agent=agent, workspace=workspace)
    await conversation.arun()
";

fn project() -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("good.py"), GOOD).expect("write");
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("dispatchlint")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run")
}

fn check(dir: &Path) -> (String, String) {
    check_with(dir, &[])
}

/// Runs `check` and asserts what every hostile input must give.
fn check_with(dir: &Path, extra: &[&str]) -> (String, String) {
    let mut args = vec!["check", "--isolated", "--output-format", "concise"];
    args.extend_from_slice(extra);
    args.push(".");
    let output = run(dir, &args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?} (a signal is a crash)\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(
        stdout.contains("good.py:6:5: DL003"),
        "the good file was not analyzed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

fn finding_for<'a>(stdout: &'a str, file: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| line.starts_with(file))
        .unwrap_or_else(|| panic!("no finding for {file}:\n{stdout}"))
}

#[test]
fn deeply_nested_parentheses_are_a_syntax_error() {
    let dir = project();
    let depth = 10_000;
    let parens = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    let brackets = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    std::fs::write(dir.path().join("parens.py"), parens).unwrap();
    std::fs::write(dir.path().join("brackets.py"), brackets).unwrap();
    let (stdout, _) = check(dir.path());
    assert!(finding_for(&stdout, "parens.py").contains("DL000 syntax error: too many nested"));
    assert!(finding_for(&stdout, "brackets.py").contains("DL000 syntax error: too many nested"));
}

#[test]
fn deep_trees_without_brackets_are_a_syntax_error() {
    // No brackets at all, yet a 100,000-level tree: unary, attribute and
    // binary chains. Walking or dropping it recursively would overflow.
    let dir = project();
    let n = 100_000;
    std::fs::write(
        dir.path().join("unary.py"),
        format!("x = {}y\n", "not ".repeat(n)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("chain.py"),
        format!("x = y{}\n", ".a".repeat(n)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("binop.py"),
        format!("x = 1{}\n", "+1".repeat(n)),
    )
    .unwrap();
    let (stdout, _) = check(dir.path());
    for file in ["unary.py", "chain.py", "binop.py"] {
        assert!(
            finding_for(&stdout, file).contains("too deeply nested"),
            "{stdout}"
        );
    }
}

/// `n` copies of `term` joined by `separator`.
fn joined(term: &str, separator: &str, n: usize) -> String {
    vec![term; n].join(separator)
}

/// A shape's name and its expression with `n` terms.
type Shape = (&'static str, fn(usize) -> String);

/// Chains and nestings of every shape, as `x = ...` statements.
const SHAPES: &[Shape] = &[
    ("plus", |n| joined("\"a\"", " + ", n)),
    ("times", |n| joined("a", " * ", n)),
    ("bitor", |n| joined("a", " | ", n)),
    ("power", |n| joined("a", " ** ", n)),
    ("and", |n| joined("a", " and ", n)),
    ("or", |n| joined("a", " or ", n)),
    ("compare", |n| joined("a", " < ", n)),
    ("concat", |n| joined("\"a\"", " ", n)),
    ("fstring", |n| joined("f\"{a}\"", " + ", n)),
    ("attribute", |n| format!("a{}", ".b".repeat(n))),
    ("call", |n| format!("f{}", "()".repeat(n))),
    ("subscript", |n| format!("a{}", "[0]".repeat(n))),
    ("method", |n| format!("a{}", ".b()".repeat(n))),
    ("not", |n| format!("{}a", "not ".repeat(n))),
    ("minus", |n| format!("{}a", "-".repeat(n))),
    ("conditional", |n| joined("a", " if c else ", n)),
    ("lambda", |n| format!("{}a", "lambda: ".repeat(n))),
];

/// Whether CPython 3.12 refuses to compile a file, run as a script: the
/// shallowest start, where it accepts the deepest trees (`compile()` called
/// from Python code refuses a few levels earlier). Running the file is
/// harmless here: each is one assignment from undefined names.
fn cpython_refuses(dir: &Path, file: &str) -> bool {
    let output = std::process::Command::new("python3.12")
        .env("PYENV_VERSION", "3.12.1")
        .current_dir(dir)
        .arg(file)
        .output()
        .expect("Python 3.12 (bash .ci/setup)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    [
        "SyntaxError",
        "during ast construction",
        "during compilation",
        "Parser stack overflowed",
    ]
    .iter()
    .any(|refusal| stderr.contains(refusal))
}

#[test]
fn nesting_limit_agrees_with_cpython() {
    // A chain of 1,001 terms is valid Python; 10,000 and 100,000 are not
    // for CPython 3.12 ("maximum recursion depth exceeded during ast
    // construction"), except where the tree stays flat (`and`, `<`,
    // implicit concatenation). DL000 exactly where CPython refuses, at the
    // limit too (2,999 and 3,000 terms, 2,998 and 2,999 attributes), and
    // never a crash, however long the chain.
    let dir = project();
    let mut files = Vec::new();
    let sizes = SHAPES.iter().flat_map(|shape| {
        [1_001, 10_000, 100_000]
            .into_iter()
            .map(move |n| (shape, n))
    });
    let limits = [
        (&SHAPES[0], 2_999),
        (&SHAPES[0], 3_000),
        (&SHAPES[9], 2_998),
        (&SHAPES[9], 2_999),
    ];
    for ((shape, make), n) in sizes.chain(limits) {
        let name = format!("{shape}_{n}.py");
        std::fs::write(dir.path().join(&name), format!("x = {}\n", make(n))).unwrap();
        files.push(name);
    }
    assert!(!cpython_refuses(dir.path(), "plus_1001.py"));
    let (stdout, _) = check(dir.path());
    let mut disagree = Vec::new();
    for file in &files {
        let syntax_error = stdout
            .lines()
            .any(|line| line.starts_with(file.as_str()) && line.contains("DL000"));
        let refused = cpython_refuses(dir.path(), file);
        if syntax_error != refused {
            disagree.push(format!(
                "{file}: CPython {}, dispatchlint {}",
                if refused { "refuses it" } else { "compiles it" },
                if syntax_error { "DL000" } else { "no DL000" },
            ));
        }
    }
    assert!(disagree.is_empty(), "{disagree:#?}\n{stdout}");
}

#[test]
fn an_await_at_the_far_end_of_a_long_chain_is_seen() {
    // The await is the innermost of 1,000 nested additions.
    let dir = project();
    let text = GOOD.replace(
        "    await conversation.arun()\n",
        &format!(
            "    x = await conversation.arun(){}\n",
            " + \"a\"".repeat(1_000)
        ),
    );
    std::fs::write(dir.path().join("chain.py"), text).unwrap();
    let (stdout, _) = check(dir.path());
    assert!(
        finding_for(&stdout, "chain.py").starts_with("chain.py:6:9: DL003"),
        "{stdout}"
    );
}

#[test]
fn deeply_nested_rust_is_a_syntax_error() {
    let dir = project();
    let n = 10_000;
    let parens = format!(
        "fn f() {{ let x = {}1{}; }}\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    let brackets = format!("fn f() {{ let x = {}{}; }}\n", "[".repeat(n), "]".repeat(n));
    let unary = format!("fn f() {{ let x = {}1; }}\n", "-".repeat(100_000));
    std::fs::write(dir.path().join("parens.rs"), parens).unwrap();
    std::fs::write(dir.path().join("brackets.rs"), brackets).unwrap();
    std::fs::write(dir.path().join("unary.rs"), unary).unwrap();
    let (stdout, _) = check(dir.path());
    for file in ["parens.rs", "brackets.rs", "unary.rs"] {
        assert!(
            finding_for(&stdout, file).contains("DL000 too deeply nested"),
            "{stdout}"
        );
    }
}

#[test]
fn fifty_megabyte_single_line_file() {
    let dir = project();
    // One logical line: a list of 25 million elements, 50 MB, flat.
    let mut text = String::with_capacity(50_000_010);
    text.push_str("x = [");
    for _ in 0..25_000_000 {
        text.push_str("1,");
    }
    text.push_str("]\n");
    std::fs::write(dir.path().join("big.py"), text).unwrap();
    let (stdout, _) = check(dir.path());
    // Valid Python: nothing to report on it, and no crash.
    assert!(!stdout.contains("big.py"), "{stdout}");
}

#[test]
fn binary_files_named_py_and_rs() {
    let dir = project();
    let bytes: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .chain([0, 0xff, 0xfe])
        .collect();
    std::fs::write(dir.path().join("blob.py"), &bytes).unwrap();
    std::fs::write(dir.path().join("blob.rs"), &bytes).unwrap();
    let (stdout, _) = check(dir.path());
    assert!(finding_for(&stdout, "blob.py").contains("DL000 cannot decode file"));
    assert!(finding_for(&stdout, "blob.rs").contains("DL000 cannot decode file"));
}

#[test]
fn invalid_utf8_is_located() {
    let dir = project();
    std::fs::write(dir.path().join("latin.py"), b"x = 1\ny = '\xe9'\n").unwrap();
    let (stdout, _) = check(dir.path());
    assert!(
        finding_for(&stdout, "latin.py")
            .starts_with("latin.py:2:6: DL000 cannot decode file: invalid UTF-8"),
        "{stdout}"
    );
}

#[test]
fn utf16_with_bom_is_explained() {
    let dir = project();
    let mut bytes = vec![0xff, 0xfe];
    for unit in "x = 1\n".encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(dir.path().join("wide.py"), bytes).unwrap();
    let (stdout, _) = check(dir.path());
    assert!(finding_for(&stdout, "wide.py").contains("UTF-16 byte order mark"));
}

#[test]
fn empty_files_are_fine() {
    let dir = project();
    std::fs::write(dir.path().join("empty.py"), "").unwrap();
    std::fs::write(dir.path().join("empty.rs"), "").unwrap();
    std::fs::create_dir(dir.path().join("pkg")).unwrap();
    std::fs::write(dir.path().join("pkg/__init__.py"), "").unwrap();
    let (stdout, _) = check(dir.path());
    assert!(!stdout.contains("empty"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    let dir = project();
    let root = dir.path();
    std::os::unix::fs::symlink("a.py", root.join("b.py")).unwrap();
    std::os::unix::fs::symlink("b.py", root.join("a.py")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("self", root.join("self")).unwrap();
    let (stdout, _) = check(root);
    assert!(stdout.contains("(1 file"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    // Would be a DL000 if it were read.
    std::fs::write(outside.path().join("secret.py"), "def (:\n").unwrap();
    let dir = project();
    std::os::unix::fs::symlink(outside.path().join("secret.py"), dir.path().join("link.py"))
        .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    let (stdout, _) = check(dir.path());
    assert!(!stdout.contains("link"), "{stdout}");
    assert!(stdout.contains("(1 file"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_diagnostic() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let path = dir.path().join("locked.py");
    std::fs::write(&path, "x = 1\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Root reads anything whatever its mode; the library test below
        // covers the same path with a file that fails for root too.
        eprintln!("skipped: running as root, a mode-000 file is still readable");
        return;
    }
    let (stdout, _) = check(dir.path());
    assert!(finding_for(&stdout, "locked.py").contains("DL000 cannot read file"));
}

/// The read-error path, with a file no user can read: `/proc/self/mem`
/// fails with EIO at offset 0, even for root.
#[cfg(target_os = "linux")]
#[test]
fn read_errors_become_diagnostics_even_as_root() {
    let path = Path::new("/proc/self/mem");
    let facts = dispatchlint::python::extract_as(
        path,
        path,
        "mem".into(),
        false,
        dispatchlint::python::Follow::All,
    );
    assert_eq!(facts.diagnostics.len(), 1);
    assert!(facts.diagnostics[0].message.starts_with("cannot read file"));
    let facts = dispatchlint::rust::extract(path, path);
    assert!(facts.diagnostics[0].message.starts_with("cannot read file"));
}

#[test]
fn directory_named_like_a_source_file() {
    let dir = project();
    std::fs::create_dir(dir.path().join("x.py")).unwrap();
    std::fs::create_dir(dir.path().join("y.rs")).unwrap();
    std::fs::write(dir.path().join("x.py/inner.py"), "x = 1\n").unwrap();
    let (stdout, _) = check(dir.path());
    assert!(stdout.contains("(2 files)"), "{stdout}");
}

fn agents_json(dir: &Path) -> serde_json::Value {
    let output = run(dir, &["agents", "--isolated", "--format", "json", "."]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("json")
}

fn verdict(report: &serde_json::Value, qualname: &str) -> (String, String) {
    let entry = report["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["qualname"] == qualname)
        .unwrap_or_else(|| panic!("{qualname} not in {report}"));
    (
        entry["verdict"].as_str().unwrap_or_default().to_owned(),
        entry["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn circular_imports_resolve() {
    let dir = project();
    std::fs::write(
        dir.path().join("a.py"),
        "from openhands.sdk import AgentBase\nfrom b import Helper\n\nclass Sync(AgentBase):\n    pass\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.py"),
        "from a import Sync\n\nclass Helper:\n    pass\n\nclass Native(Sync):\n    async def astep(self, *a):\n        pass\n",
    )
    .unwrap();
    check(dir.path());
    let report = agents_json(dir.path());
    assert_eq!(verdict(&report, "a.Sync").0, "inherited");
    assert_eq!(verdict(&report, "b.Native").0, "native");
}

#[test]
fn class_that_is_its_own_ancestor_through_an_import_cycle() {
    let dir = project();
    std::fs::write(
        dir.path().join("a.py"),
        "from openhands.sdk import AgentBase\nfrom b import B\n\nclass A(B, AgentBase):\n    pass\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.py"),
        "from a import A\n\nclass B(A):\n    pass\n",
    )
    .unwrap();
    check(dir.path());
    let report = agents_json(dir.path());
    let (verdict, reason) = verdict(&report, "a.A");
    assert_eq!(verdict, "unknown", "{reason}");
    assert!(!reason.is_empty());
}

#[test]
fn star_imports_that_search_each_other_are_unknown() {
    // Two modules that star-import each other, and a package that
    // star-imports submodules nobody wrote (each search of it asked the
    // package again for a longer and longer name): the name is unresolved
    // with a reason, where the search used to overflow the stack.
    let dir = project();
    let files = [
        ("a.py", "from b import *\n"),
        ("b.py", "from a import *\n"),
        (
            "c.py",
            "from openhands.sdk import AgentBase\nfrom a import Missing\n\nclass C(Missing, AgentBase):\n    pass\n",
        ),
        (
            "pkg/__init__.py",
            "from pkg.absent import *\nfrom pkg.other import *\nfrom . import *\n",
        ),
        (
            "d.py",
            "from openhands.sdk import AgentBase\nfrom pkg import Thing\n\nclass D(Thing, AgentBase):\n    pass\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    check(dir.path());
    let report = agents_json(dir.path());
    for class in ["c.C", "d.D"] {
        let (verdict, reason) = verdict(&report, class);
        assert_eq!(verdict, "unknown", "{class}: {reason}");
        assert!(reason.contains("cannot be resolved"), "{class}: {reason}");
    }
}

#[test]
fn star_imports_that_share_modules_are_searched_once() {
    // m0 star-imports m1 and m2, m1 star-imports m2 and m3, ...: a name none
    // of them defines was searched once per path through the diamond
    // (Fibonacci-many, past the step limit); searched once per module, it is
    // simply not defined, and a name at the bottom still resolves.
    let dir = project();
    let length = 40;
    for i in 0..length {
        let text = match i {
            _ if i + 1 == length => {
                "from openhands.sdk import AgentBase\n\nclass Base(AgentBase):\n    pass\n"
                    .to_owned()
            }
            _ if i + 2 == length => format!("from m{} import *\n", i + 1),
            _ => format!("from m{} import *\nfrom m{} import *\n", i + 1, i + 2),
        };
        std::fs::write(dir.path().join(format!("m{i}.py")), text).unwrap();
    }
    std::fs::write(
        dir.path().join("use.py"),
        "from openhands.sdk import AgentBase\nfrom m0 import Base, Missing\n\n\
         class Mine(Base):\n    pass\n\nclass Lost(Missing, AgentBase):\n    pass\n",
    )
    .unwrap();
    check(dir.path());
    let report = agents_json(dir.path());
    assert_eq!(verdict(&report, "use.Mine").0, "inherited");
    let (verdict, reason) = verdict(&report, "use.Lost");
    assert_eq!(verdict, "unknown", "{reason}");
    assert!(!reason.contains("steps"), "{reason}");
}

#[test]
fn long_reexport_chains_resolve_until_a_limit() {
    // m0 re-exports m1's `Base`, which re-exports m2's, ...: 20 modules
    // resolve; 200 stop with a reason instead of recursing 200 deep.
    let dir = project();
    for (prefix, length) in [("short", 20), ("long", 200)] {
        for i in 0..length {
            let text = if i + 1 == length {
                "from openhands.sdk import AgentBase\n\nclass Base(AgentBase):\n    pass\n"
                    .to_owned()
            } else {
                format!("from {prefix}{} import Base\n", i + 1)
            };
            std::fs::write(dir.path().join(format!("{prefix}{i}.py")), text).unwrap();
        }
        std::fs::write(
            dir.path().join(format!("use_{prefix}.py")),
            format!(
                "from openhands.sdk import AgentBase\nfrom {prefix}0 import Base\n\nclass Mine(Base, AgentBase):\n    pass\n"
            ),
        )
        .unwrap();
    }
    check(dir.path());
    let report = agents_json(dir.path());
    assert_eq!(verdict(&report, "use_short.Mine").0, "inherited");
    let (verdict, reason) = verdict(&report, "use_long.Mine");
    assert_eq!(verdict, "unknown", "{reason}");
    assert!(reason.contains("deeper than"), "{reason}");
}

#[test]
fn rust_globs_that_reexport_each_other_resolve_quickly() {
    // Twelve modules, each glob-importing all the others: every path
    // through them was searched (six modules took 26 s; twelve, hours).
    let dir = project();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"globs\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let modules: Vec<String> = (0..12).map(|i| format!("m{i}")).collect();
    let mut text = String::new();
    for module in &modules {
        text.push_str(&format!("pub mod {module} {{\n"));
        for other in modules.iter().filter(|other| *other != module) {
            text.push_str(&format!("    pub use super::{other}::*;\n"));
        }
        text.push_str("}\n");
    }
    text.push_str("pub struct X;\nimpl m0::Agent for X {\n    fn step(&mut self) {}\n}\n");
    std::fs::write(dir.path().join("src/lib.rs"), text).unwrap();
    let started = std::time::Instant::now();
    check(dir.path());
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn mro_that_c3_rejects_is_unknown() {
    let dir = project();
    std::fs::write(
        dir.path().join("mro.py"),
        "from openhands.sdk import AgentBase\n\nclass A(AgentBase):\n    pass\n\nclass B(A):\n    async def astep(self, *a):\n        pass\n\nclass Bad(A, B):\n    pass\n",
    )
    .unwrap();
    check(dir.path());
    let report = agents_json(dir.path());
    let (verdict, reason) = verdict(&report, "mro.Bad");
    assert_eq!(verdict, "unknown");
    assert!(
        reason.contains("C3") && reason.contains("TypeError"),
        "{reason}"
    );
}

#[test]
fn a_hundred_thousand_classes_in_one_file() {
    let dir = project();
    let mut text = String::from("from openhands.sdk import AgentBase\n\n");
    // A binary tree of classes: C{i} derives from C{i/2}, so every class
    // is an agent and the deepest is 17 levels down.
    for i in 0..100_000 {
        let base = if i == 0 {
            "AgentBase".to_owned()
        } else {
            format!("C{}", i / 2)
        };
        text.push_str(&format!("class C{i}({base}):\n    pass\n"));
    }
    text.push_str("class Last(C99999):\n    async def astep(self, *a):\n        pass\n");
    std::fs::write(dir.path().join("many.py"), text).unwrap();
    check(dir.path());
    let report = agents_json(dir.path());
    assert_eq!(verdict(&report, "many.C99999").0, "inherited");
    assert_eq!(verdict(&report, "many.Last").0, "native");
}

#[test]
fn very_deep_inheritance_is_unknown_not_a_crash() {
    // Each MRO would be as long as the chain; past the limit the verdict is
    // unknown, with the reason, instead of a deep recursion.
    let dir = project();
    let mut text =
        String::from("from openhands.sdk import AgentBase\n\nclass C0(AgentBase):\n    pass\n");
    for i in 1..5_000 {
        text.push_str(&format!("class C{i}(C{}):\n    pass\n", i - 1));
    }
    std::fs::write(dir.path().join("chain.py"), text).unwrap();
    check(dir.path());
    let report = agents_json(dir.path());
    assert_eq!(verdict(&report, "chain.C10").0, "inherited");
    let (verdict, reason) = verdict(&report, "chain.C4999");
    assert_eq!(verdict, "unknown");
    assert!(reason.contains("deeper than"), "{reason}");
}

/// Every file under `dir`, with its bytes and permissions.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        #[cfg(unix)]
        let mode = std::os::unix::fs::PermissionsExt::mode(&metadata.permissions());
        #[cfg(not(unix))]
        let mode = u32::from(metadata.permissions().readonly());
        if metadata.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
            out.push((path, Vec::new(), mode));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap(), mode));
        }
    }
    out.sort();
    out
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn set_read_only(dir: &Path, read_only: bool) {
    for (path, _, _) in snapshot(dir) {
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(read_only);
        std::fs::set_permissions(&path, permissions).unwrap();
    }
}

/// The tool never runs, imports or writes to the code it analyzes: on a
/// read-only copy of the fixtures nothing changes and no `__pycache__`
/// appears (as root the read-only bits do not stop writes, so the snapshot
/// comparison is what proves it).
#[test]
fn analyzed_code_is_never_written_or_executed() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join("fixtures");
    copy_tree(&fixtures, &copy);
    // A module that would leave a mark if anything imported it.
    std::fs::write(
        copy.join("python/tripwire.py"),
        format!(
            "open({:?}, 'w').write('imported')\n",
            work.path().join("tripwire").display()
        ),
    )
    .unwrap();
    set_read_only(&copy, true);
    let before = snapshot(&copy);
    for args in [
        &["check", "--isolated", "--exit-zero", "."][..],
        &["agents", "--isolated", "."][..],
        &[
            "check",
            "--isolated",
            "--exit-zero",
            "--python-path",
            "python",
            "python",
        ][..],
    ] {
        let output = run(&copy, args);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    }
    let after = snapshot(&copy);
    set_read_only(&copy, false);
    assert!(
        before == after,
        "the analyzed tree changed: {:?}",
        after
            .iter()
            .filter(|entry| !before.contains(entry))
            .map(|entry| &entry.0)
            .collect::<Vec<_>>()
    );
    assert!(!after
        .iter()
        .any(|(path, _, _)| path.components().any(|c| c.as_os_str() == "__pycache__")));
    assert!(!work.path().join("tripwire").exists());
}

/// A Rust file's DL000 says what Rust needs, not Python's PEP 263.
#[test]
fn input_errors_help_in_the_file_s_language() {
    let dir = project();
    std::fs::write(dir.path().join("broken.rs"), "fn (\n").unwrap();
    std::fs::write(dir.path().join("broken.py"), "def (:\n").unwrap();
    let output = run(
        dir.path(),
        &[
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "json",
            ".",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let help = |file: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(file)))
            .map(|f| f["help"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("no finding for {file}: {report}"))
    };
    assert!(help("broken.py").contains("PEP 263"));
    let rust = help("broken.rs");
    assert!(
        rust.contains("UTF-8") && !rust.contains("PEP 263"),
        "{rust}"
    );
}
