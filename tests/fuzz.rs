//! Fuzz harnesses (proptest) for the inputs dispatchlint reads from users:
//! Python and Rust source, rule packs and configuration files.
//!
//! CI runs each for a small fixed budget. A longer session is the same code
//! with more cases:
//!
//! ```sh
//! DISPATCHLINT_FUZZ_CASES=200000 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! Inputs are the fixtures (and the built-in packs) mutated by a list of
//! edits: delete or duplicate a span, insert a token that tends to break
//! parsers and visitors (brackets, indentation, `async`, attributes, stray
//! bytes), or swap two spans. Mutating real code keeps most cases deep in
//! the extractor instead of stopping at the first token. Each case runs on a
//! thread with the same 64 MB stack as the tool's parsing pool, so a stack
//! overflow here is one the tool would also hit.
//!
//! A case that ever failed stays below as a plain regression test.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;

use dispatchlint::analysis;
use dispatchlint::checks;
use dispatchlint::model::{FileFacts, Language};
use dispatchlint::packs::{self, Packs};
use dispatchlint::report::{agents, audit, findings};
use dispatchlint::settings;

/// Cases per harness: small in CI, as many as wanted by hand.
fn cases() -> u32 {
    std::env::var("DISPATCHLINT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Shrinking a 10 kB mutated file takes long and the failing edit
        // list is printed anyway.
        max_shrink_iters: 200,
        // Regressions are kept as named tests below, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The tool parses on threads with this stack (src/analysis.rs).
const STACK: usize = 64 * 1024 * 1024;

fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn");
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, extension: &str, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path, text));
            }
        }
    }
}

fn seeds(extension: &'static str, dirs: &[&str]) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in dirs {
        files_under(&root().join(dir), extension, &mut out);
    }
    assert!(!out.is_empty(), "no {extension} seeds");
    out
}

fn python_seeds() -> &'static [(PathBuf, String)] {
    static SEEDS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| seeds("py", &["fixtures"]))
}

fn rust_seeds() -> &'static [(PathBuf, String)] {
    static SEEDS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| seeds("rs", &["fixtures/rust", "runtime/src"]))
}

fn pack_seeds() -> &'static [(PathBuf, String)] {
    static SEEDS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| seeds("toml", &["rules"]))
}

fn config_seeds() -> Vec<String> {
    vec![
        concat!(
            "select = [\"DL0\"]\nextend-select = [\"DL900\"]\nignore = [\"DL005\"]\n",
            "per-file-ignores = { \"tests/*.py\" = [\"DL004\"] }\n",
            "severity = { DL005 = \"warning\" }\npacks = [\"rules/x.toml\"]\n",
            "exclude = [\"generated\"]\npython-path = [\".venv/lib\"]\n"
        )
        .to_owned(),
        "[tool.dispatchlint]\nselect = [\"DL001\", \"DL1\"]\n[tool.ruff]\nline-length = 100\n"
            .to_owned(),
    ]
}

/// Tokens that tend to matter to a parser or an extractor.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "=",
    "\n",
    "    ",
    "\t",
    "\\\n",
    "#",
    "\"",
    "'",
    "\"\"\"",
    "f\"{",
    "}\"",
    "\0",
    "\u{feff}",
    "é",
    "\r",
    "class A(B, C):\n    pass\n",
    "async def astep(self):\n",
    "await ",
    "if ",
    "else:",
    "lambda: ",
    "yield ",
    "import ",
    "from . import ",
    "*",
    "**",
    "@",
    "->",
    "::",
    "<",
    ">",
    "impl ",
    "trait ",
    "fn ",
    "#[",
    "]\n",
    "async ",
    "dyn ",
    "macro_rules! m { () => {} }",
    "r#\"",
    "'a",
    "!",
    ";",
    "=>",
    "agent",
    "arun",
    "astep",
    "step",
    "run",
    "self",
    "super()",
    "type(c).arun is not ",
    "[[roles]]\n",
    "root = ",
    "sync = \"step\"\n",
    "\"\"",
    "true",
    "1e999",
    "-",
    "=[",
    // Shapes that decide whether a function body may be skipped.
    "\n    def f(x):\n        x.astep = g\n",
    "setattr(",
    "if TYPE_CHECKING:\n",
    "\n    self.astep = ",
    "\ndef f():\n    A.helper = g\n",
    "y = a.b\n",
];

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, usize),
    Swap(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..64).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<usize>(), 0usize..256).prop_map(|(at, len)| Edit::Duplicate(at, len)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), any::<usize>(), 1usize..32).prop_map(|(a, b, l)| Edit::Swap(a, b, l)),
    ]
}

/// Applies the edits at byte offsets, snapped to character boundaries so
/// that the result stays a `&str` (bad bytes are the decoder's business,
/// covered in tests/robustness.rs).
fn mutate(seed: &str, edits: &[Edit]) -> String {
    let mut text = seed.to_owned();
    let snap = |text: &String, at: usize| -> usize {
        if text.is_empty() {
            return 0;
        }
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    for edit in edits {
        match *edit {
            Edit::Delete(at, len) => {
                let start = snap(&text, at);
                let end = snap(&text, start + len.min(text.len() - start));
                text.replace_range(start..end.max(start), "");
            }
            Edit::Duplicate(at, len) => {
                let start = snap(&text, at);
                let end = snap(&text, start + len.min(text.len() - start)).max(start);
                let copy = text[start..end].to_owned();
                text.insert_str(end, &copy);
            }
            Edit::Insert(at, token) => {
                let at = snap(&text, at);
                text.insert_str(at, TOKENS[token]);
            }
            Edit::Swap(a, b, len) => {
                let (a, b) = (snap(&text, a), snap(&text, b));
                let (first, second) = (a.min(b), a.max(b));
                let first_end = snap(&text, first + len.min(text.len() - first)).max(first);
                if first_end > second {
                    continue;
                }
                let second_end = snap(&text, second + len.min(text.len() - second)).max(second);
                let x = text[first..first_end].to_owned();
                let y = text[second..second_end].to_owned();
                text.replace_range(second..second_end, &x);
                text.replace_range(first..first_end, &y);
            }
        }
    }
    text
}

/// Facts from the text as module `module`, and the analysis of them with
/// one unmutated neighbour file so that resolution has something to cross.
fn python_analysis(path: PathBuf, module: String, text: &str) -> analysis::Analysis {
    let facts = FileFacts::empty(path.clone(), Language::Python, module);
    let facts = dispatchlint::python::from_text(facts, text);
    let (other_path, other_text) = &python_seeds()[0];
    let other = dispatchlint::python::from_text(
        FileFacts::empty(other_path.clone(), Language::Python, "other".into()),
        other_text,
    );
    let paths = vec![path, other_path.clone()];
    analysis::from_facts(vec![facts, other], &paths, &Packs::builtin())
}

/// Python: facts from the text, then the whole pipeline after extraction
/// (hierarchy, verdicts, every check) with one unmutated neighbour file so
/// that resolution has something to cross.
fn run_python(path: PathBuf, text: String) {
    on_big_stack(move || {
        let module = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let analysis = python_analysis(path, module, &text);
        checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|_| true);
    });
}

/// Ways to wrap an expression in one more level without brackets (the
/// tokenizer allows 200 of those): chain links, which nest to the left,
/// and prefixes and right-nesting operators, which nest the other way.
const WRAPS: &[(&str, &str)] = &[
    ("", " + a"),
    ("", " * a"),
    ("", ".b"),
    ("", "()"),
    ("", "[0]"),
    ("", ".arun()"),
    ("not ", ""),
    ("-", ""),
    ("await ", ""),
    ("a ** ", ""),
    ("a if c else ", ""),
    ("lambda: ", ""),
    ("", " and a"),
    ("", " < a"),
];

/// `conversation.arun()` wrapped by each of `wraps`, innermost first, in an
/// async function that builds the conversation.
fn deep_chain(wraps: &[usize]) -> String {
    let mut expr = String::from("conversation.arun()");
    for &wrap in wraps {
        let (before, after) = WRAPS[wrap];
        expr = format!("{before}{expr}{after}");
    }
    format!(
        "from openhands.sdk import RemoteConversation\n\n\nasync def go(agent, workspace):\n    conversation = RemoteConversation(agent=agent, workspace=workspace)\n    x = {expr}\n"
    )
}

/// What a wide line is made of: spaces (code pushed to the right, or bad
/// indentation), a long name, a long string, a long comment, tabs, and
/// multi-byte characters (columns count characters, offsets bytes).
const WIDE: &[&str] = &[" ", "a", "\"a", "# x", "\t", "é", "\"€"];

/// A run of `WIDE[fill]` past column 65,536, inserted at `at` (snapped as
/// the other edits are); a string or comment it opens is closed after it.
fn widen(text: &str, at: usize, fill: usize, width: usize) -> String {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let token = WIDE[fill];
    let (open, body) = token.split_at(token.len() - token.chars().last().map_or(0, char::len_utf8));
    let close = if open == "\"" { "\"" } else { "" };
    let run = format!("{open}{}{close}", body.repeat(width));
    format!("{}{run}{}", &text[..at], &text[at..])
}

/// Python through everything a user sees: the file on disk (code frames
/// read it back), facts, checks, `lint`, then every `check` output format,
/// `agents` and the audit report, rendered in memory.
fn report_python(text: String) {
    on_big_stack(move || {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("wide.py");
        std::fs::write(&path, &text).expect("write");
        let analysis = python_analysis(path, "wide".into(), &text);
        let config = settings::Resolver::new(None, true, settings::Config::default())
            .expect("no configuration");
        let semantic = dispatchlint::semantic::Semantic::new(&analysis);
        let result = dispatchlint::lint::lint(&semantic, &config, &None).expect("lint");
        let report = agents::build(&semantic);
        let mut out = Vec::new();
        for format in [
            findings::Format::Full,
            findings::Format::Concise,
            findings::Format::Json,
            findings::Format::JsonLines,
            findings::Format::Sarif,
            findings::Format::Github,
            findings::Format::Markdown,
        ] {
            for color in [false, true] {
                findings::write(format, &result, &report, color, &mut out).expect("write");
            }
        }
        agents::write_human(&report, &mut out).expect("agents");
        agents::write_json(&report, &mut out).expect("agents json");
        let coverage = audit::Coverage::default();
        audit::write_markdown(&semantic, &result, &coverage, "fuzz", &mut out).expect("audit");
    });
}

/// Skipping the function bodies that `python::inert` calls inert must leave
/// exactly the facts a walk of every body leaves (with the CLI's `Follow`).
fn skipping_changes_no_fact(path: PathBuf, text: String) {
    on_big_stack(move || {
        let names = dispatchlint::python::Mentions::new(vec!["arun".into(), "astep".into()]);
        let follow = dispatchlint::python::Follow::Mentioning(&names);
        let empty = || FileFacts::empty(path.clone(), Language::Python, "m".into());
        let skipped = dispatchlint::python::from_text_following(empty(), &text, follow);
        let walked = dispatchlint::python::from_text_walking_every_body(empty(), &text, follow);
        let skipped = serde_json::to_string(&skipped).expect("facts serialize");
        let walked = serde_json::to_string(&walked).expect("facts serialize");
        assert!(skipped == walked, "skipping changed the facts of:\n{text}");
    });
}

#[test]
fn skipping_inert_bodies_changes_no_fact_of_any_fixture() {
    for (path, text) in python_seeds() {
        skipping_changes_no_fact(path.clone(), text.clone());
    }
}

/// Rust: facts from the text, then linking (the file keeps its fixture path,
/// so it sits in its crate), hierarchy and checks.
fn run_rust(path: PathBuf, text: String) {
    on_big_stack(move || {
        let facts = FileFacts::empty(path.clone(), Language::Rust, String::new());
        let facts = dispatchlint::rust::from_text(facts, &text);
        let analysis = analysis::from_facts(vec![facts], &[path], &Packs::builtin());
        checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|_| true);
    });
}

/// Packs: parse, and when the pack is accepted, add it to the built-in ones
/// and analyze a fixture with it (a pack can name anything).
fn run_pack(text: String) {
    on_big_stack(move || {
        let Ok(pack) = packs::parse_pack("fuzz.toml", &text) else {
            return;
        };
        let mut all = Packs::builtin();
        all.add(pack);
        let (path, source) = &python_seeds()[0];
        let facts = dispatchlint::python::from_text(
            FileFacts::empty(path.clone(), Language::Python, "m".into()),
            source,
        );
        let analysis = analysis::from_facts(vec![facts], std::slice::from_ref(path), &all);
        checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|_| true);
    });
}

fn run_config(text: String, pyproject: bool) {
    let name = if pyproject {
        "pyproject.toml"
    } else {
        "dispatchlint.toml"
    };
    let _ = settings::from_text(Path::new(name), &text);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn python_extractor_survives_mutations(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        let (path, text) = seed.get(python_seeds());
        run_python(path.clone(), mutate(text, &edits));
    }

    #[test]
    fn python_extractor_survives_token_soup(
        tokens in prop::collection::vec(0..TOKENS.len(), 0..200),
    ) {
        let text: String = tokens.iter().map(|&t| TOKENS[t]).collect();
        run_python(PathBuf::from("soup.py"), text);
    }

    #[test]
    fn python_reports_survive_wide_lines(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 0..6),
        wide in prop::collection::vec(
            (any::<usize>(), 0..WIDE.len(), 65_000usize..140_000),
            1..3,
        ),
    ) {
        let (_, text) = seed.get(python_seeds());
        let mut text = mutate(text, &edits);
        for (at, fill, width) in wide {
            text = widen(&text, at, fill, width);
        }
        report_python(text);
    }

    #[test]
    fn python_reports_survive_deep_chains(
        runs in prop::collection::vec((0..WRAPS.len(), 1usize..2_000), 1..6),
    ) {
        // Runs of one wrapping each, up to a few thousand levels in all:
        // around CPython's limit of 3,000 and past it.
        let wraps: Vec<usize> = runs
            .iter()
            .flat_map(|&(wrap, times)| std::iter::repeat_n(wrap, times))
            .collect();
        report_python(deep_chain(&wraps));
    }

    #[test]
    fn skipping_inert_bodies_changes_no_fact(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        let (path, text) = seed.get(python_seeds());
        skipping_changes_no_fact(path.clone(), mutate(text, &edits));
    }

    #[test]
    fn rust_extractor_survives_mutations(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        let (path, text) = seed.get(rust_seeds());
        run_rust(path.clone(), mutate(text, &edits));
    }

    #[test]
    fn rust_extractor_survives_token_soup(
        tokens in prop::collection::vec(0..TOKENS.len(), 0..200),
    ) {
        let text: String = tokens.iter().map(|&t| TOKENS[t]).collect();
        run_rust(root().join("fixtures/rust/loose/soup.rs"), text);
    }

    #[test]
    fn pack_loader_survives_mutations(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let (_, text) = seed.get(pack_seeds());
        run_pack(mutate(text, &edits));
    }

    #[test]
    fn config_loader_survives_mutations(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
        pyproject in any::<bool>(),
    ) {
        let seeds = config_seeds();
        let text: &String = seed.get(&seeds);
        run_config(mutate(text, &edits), pyproject);
    }

    #[test]
    fn config_loader_survives_arbitrary_text(text in "\\PC{0,200}", pyproject in any::<bool>()) {
        run_config(text, pyproject);
    }
}
