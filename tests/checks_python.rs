//! DL001-DL009 on the Python fixtures in `fixtures/python-checks`: what the
//! concise snapshots (tests/rule_snapshots.rs) do not show, spans, labels
//! and help lines, and the fixtures as a whole.

use std::path::{Path, PathBuf};

use dispatchlint::checks::{self, Finding};
use dispatchlint::{analyze, Analysis, Settings};

mod support;
use support::copy_tree;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest().join("fixtures/python-checks")
}

fn run(paths: &[PathBuf]) -> (Analysis, Vec<Finding>) {
    let analysis = analyze(paths, &Settings::default()).expect("analysis runs");
    let findings = checks::run(&dispatchlint::semantic::Semantic::new(&analysis), &|code| {
        code != "DL000"
    });
    (analysis, findings)
}

/// A finding as the tests compare it: code, path under the fixtures, line, column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    code: &'static str,
    path: String,
    line: u32,
    column: u32,
}

fn seen(analysis: &Analysis, findings: &[Finding]) -> Vec<Seen> {
    let base = fixtures();
    let mut out: Vec<Seen> = findings
        .iter()
        .map(|f| {
            let path = &analysis.files[f.file].path;
            let absolute = if path.is_absolute() {
                path.clone()
            } else {
                std::env::current_dir().unwrap().join(path)
            };
            let relative = absolute
                .strip_prefix(&base)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| path.display().to_string());
            Seen {
                code: f.code,
                path: relative,
                line: f.location.line,
                column: f.location.column,
            }
        })
        .collect();
    out.sort();
    out
}

/// The whole fixture tree analyzed and checked once, for every test here.
fn fixture_findings() -> &'static (Analysis, Vec<Finding>, Vec<Seen>) {
    static ONCE: std::sync::OnceLock<(Analysis, Vec<Finding>, Vec<Seen>)> =
        std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let (analysis, findings) = run(&[fixtures()]);
        let all = seen(&analysis, &findings);
        (analysis, findings, all)
    })
}

/// Asserts that a finding's message says `text`, showing the message if not.
#[track_caller]
fn says(finding: &Finding, text: &str) {
    assert!(
        finding.message.contains(text),
        "expected {text:?} in: {}",
        finding.message
    );
}

fn finding<'a>(
    analysis: &Analysis,
    findings: &'a [Finding],
    code: &str,
    file: &str,
    line: u32,
) -> &'a Finding {
    findings
        .iter()
        .find(|f| {
            f.code == code && f.location.line == line && analysis.files[f.file].path.ends_with(file)
        })
        .unwrap_or_else(|| panic!("no {code} at {file}:{line}"))
}

#[test]
fn dl001_flags_the_openhands_guard_as_it_stood() {
    let (analysis, findings, _) = fixture_findings();
    let guard = finding(analysis, findings, "DL001", "openhands_guard.py", 19);
    // The primary span is the whole helper assignment, as in the example.
    assert_eq!(
        (guard.location.end_line, guard.location.end_column),
        (23, 14)
    );
    assert_eq!(
        guard.help,
        "add `and type(conversation.agent).astep is not AgentBase.astep`"
    );
    let protected = &guard.labels[0];
    assert_eq!(
        (protected.location.line, protected.location.column),
        (25, 17)
    );
    assert_eq!(protected.location.end_column, 42);
    assert!(guard
        .labels
        .iter()
        .any(|l| l.location.line == 24 && l.message.contains("has_native_arun")));
    says(guard, "not known statically");
}

#[test]
fn dl001_flags_the_guard_written_other_ways() {
    let (analysis, findings, _) = fixture_findings();
    let weak = finding(analysis, findings, "DL001", "variants.py", 48);
    says(weak, "only by existence");
    let known = finding(analysis, findings, "DL001", "variants.py", 54);
    says(known, "`SyncAgent`");
    let early = finding(analysis, findings, "DL001", "variants.py", 40);
    assert_eq!(early.labels[0].location.line, 43);
}

/// The DL001 findings of one fixture file, as (line, column).
fn dl001_in(all: &[Seen], path: &str) -> Vec<(u32, u32)> {
    of_code(all, "DL001", path)
}

#[test]
fn dl001_counts_issubclass_against_a_native_class_as_the_capability() {
    let (analysis, findings, all) = fixture_findings();
    assert_eq!(dl001_in(all, "dl001/flag/subclass.py"), [(10, 8), (18, 8)]);
    let local = finding(analysis, findings, "DL001", "flag/subclass.py", 18);
    says(local, "`issubclass(type(conversation), LocalConversation)`");
    assert!(dl001_in(all, "dl001/clean/subclass.py").is_empty());
    assert!(dl001_in(all, "dl001/clean/subclass_agents.py").is_empty());
}

#[test]
fn dl001_reads_module_level_constants_assigned_once() {
    let (analysis, findings, all) = fixture_findings();
    assert_eq!(
        dl001_in(all, "dl001/flag/constants.py"),
        [(14, 8), (21, 8), (28, 8), (38, 8)]
    );
    // At import, `C.arun` is the class's own: comparable by identity.
    let identity = finding(analysis, findings, "DL001", "flag/constants.py", 38);
    says(
        identity,
        "(`LocalConversation.arun is not BaseConversation.arun`, through `OVERRIDES_ARUN`)",
    );
    let flag = finding(analysis, findings, "DL001", "flag/constants.py", 14);
    says(
        flag,
        "`iscoroutinefunction(LocalConversation.arun)`, through `USE_ASYNC`",
    );
    assert!(flag
        .labels
        .iter()
        .any(|l| l.location.line == 9 && l.message.contains("`USE_ASYNC` is decided here")));
    let tuple = finding(analysis, findings, "DL001", "flag/constants.py", 21);
    says(tuple, "`isinstance(conversation, LocalConversation)`");
    assert!(dl001_in(all, "dl001/clean/constants.py").is_empty());
    // Assigned twice, rebound under `global`: no test; a tuple of native
    // agents: the agent's test.
    assert!(dl001_in(all, "dl001/clean/constants_other.py").is_empty());
}

#[test]
fn dl001_names_the_stored_assignments_that_disagree() {
    let (analysis, findings, all) = fixture_findings();
    assert_eq!(
        dl001_in(all, "dl001/flag/stored_disagree.py"),
        [(18, 12), (36, 12)]
    );
    // `= True` in `reset()` beside a test of the conversation alone.
    let reset = finding(analysis, findings, "DL001", "flag/stored_disagree.py", 18);
    says(reset, "the assignments of `self._native` disagree: the one on line 12 tests only the conversation, the one on line 15 does not");
    let labelled: Vec<u32> = reset.labels.iter().map(|l| l.location.line).collect();
    assert_eq!(labelled, [19, 12, 15]);
    // A whole test in `__init__`, the conversation's alone in `refresh()`:
    // the agent test of one does not cover the other.
    let refresh = finding(analysis, findings, "DL001", "flag/stored_disagree.py", 36);
    says(
        refresh,
        "the one on line 33 tests only the conversation, the one on line 27 does not",
    );
    assert!(dl001_in(all, "dl001/clean/stored_disagree.py").is_empty());
}

/// The findings of `code` in one fixture file, as (line, column).
fn of_code(all: &[Seen], code: &str, path: &str) -> Vec<(u32, u32)> {
    all.iter()
        .filter(|s| s.code == code && s.path == path)
        .map(|s| (s.line, s.column))
        .collect()
}

#[test]
fn attributes_declared_in_a_method_and_agreeing_unions_give_a_class() {
    let (_, _, all) = fixture_findings();
    // `self.x: T` in `__init__` (with a value or bare), `Optional[Union[A, B]]`
    // and `A | B` whose members all inherit `arun`.
    assert_eq!(
        of_code(all, "DL003", "dl003/flag/declared.py"),
        [(21, 9), (33, 9), (41, 9), (45, 5)]
    );
    assert_eq!(
        of_code(all, "DL004", "dl004/flag/declared.py"),
        [(16, 9), (20, 5)]
    );
    // Native classes, and unions whose members disagree.
    for clean in ["dl003/clean/declared.py", "dl004/clean/declared.py"] {
        assert!(all.iter().all(|s| s.path != clean), "{clean}");
    }
}

#[test]
fn dl002_flags_sync_agents_on_the_async_path() {
    let (analysis, findings, _) = fixture_findings();
    let first = finding(analysis, findings, "DL002", "sync_agent.py", 13);
    let labels: Vec<u32> = first.labels.iter().map(|l| l.location.line).collect();
    assert_eq!(labels, [12, 11]);
}

#[test]
fn dl005_flags_pseudo_native_overrides() {
    let (analysis, findings, _) = fixture_findings();
    let executor = finding(analysis, findings, "DL005", "pseudo.py", 13);
    assert_eq!(executor.labels[0].location.line, 16);
}

/// Every finding of `code` as (file name, line, column).
fn spots(all: &[Seen], code: &str) -> Vec<(String, u32, u32)> {
    all.iter()
        .filter(|s| s.code == code)
        .map(|s| {
            (
                s.path.rsplit('/').next().unwrap().to_owned(),
                s.line,
                s.column,
            )
        })
        .collect()
}

fn at(file: &str, line: u32, column: u32) -> (String, u32, u32) {
    (file.to_owned(), line, column)
}

#[test]
fn dl006_flags_async_overrides_that_only_raise() {
    let (analysis, findings, all) = fixture_findings();
    let (tools, others) = ("langchain_tools.py", "llama_openhands.py");
    assert_eq!(
        spots(all, "DL006"),
        [
            at(tools, 19, 15),
            at(tools, 30, 15),
            at(tools, 42, 15),
            at(tools, 53, 15),
            at(tools, 66, 15),
            at(tools, 82, 15),
            at(others, 18, 15),
            at(others, 26, 15),
        ]
    );
    let echo = finding(analysis, findings, "DL006", tools, 19);
    assert_eq!(
        echo.message,
        "`EchoTool._arun` only raises `NotImplementedError`: every async use of it fails, \
         where without this override the inherited `BaseTool._arun` would run `_run` in a worker thread"
    );
    assert_eq!(
        echo.help,
        "remove this `_arun` override so that the inherited `BaseTool._arun` applies, or implement it"
    );
    let raised = &echo.labels[0].location;
    assert_eq!((raised.line, raised.column, raised.end_column), (20, 9, 69));
    assert!(echo.fix.is_some());
    // A LangChain message speaks of LangChain's entries only.
    for f in findings.iter().filter(|f| f.code == "DL006") {
        let file = &analysis.files[f.file].path;
        if file.ends_with(tools) {
            assert!(
                !f.message.contains("agent") && !f.message.contains("conversation"),
                "{}",
                f.message
            );
        }
    }
    let retriever = finding(analysis, findings, "DL006", tools, 53);
    assert!(retriever
        .message
        .contains("`BaseRetriever._aget_relevant_documents` would run `_get_relevant_documents`"));
    let child = finding(analysis, findings, "DL006", tools, 82);
    says(child, "the inherited `NativeTool._arun` would run");
    let llm = finding(analysis, findings, "DL006", others, 18);
    says(
        llm,
        "`CustomLLM.acomplete` would call `complete` on the event loop",
    );
    let agent = finding(analysis, findings, "DL006", others, 26);
    assert!(agent.message.contains("`AgentBase.astep` would run `step`"));
}

#[test]
fn dl009_flags_wrappers_that_forward_only_the_sync_entry() {
    let (analysis, findings, all) = fixture_findings();
    let file = "wrappers.py";
    assert_eq!(
        spots(all, "DL009"),
        [
            at(file, 10, 7),
            at(file, 19, 7),
            at(file, 26, 7),
            at(file, 52, 7),
            at(file, 68, 7),
        ]
    );
    let tool = finding(analysis, findings, "DL009", file, 10);
    assert_eq!(
        tool.message,
        "`WrappingTool` forwards `_run` to the `BaseTool` in `inner` but not `_arun`: the inherited \
         `BaseTool._arun` runs `WrappingTool._run` in a worker thread, and `inner._arun` is never reached"
    );
    let labels: Vec<(u32, u32, &str)> = tool
        .labels
        .iter()
        .map(|l| (l.location.line, l.location.column, l.message.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            (16, 16, "`_run` forwards to `inner.run` here"),
            (13, 5, "`inner` holds a `BaseTool`"),
        ]
    );
    // Typed through `__init__`: the label is the assignment.
    let llm = finding(analysis, findings, "DL009", file, 52);
    assert!(llm
        .message
        .contains("calls `WrappingLLM.complete` on the event loop"));
    assert_eq!(llm.labels[1].location.line, 55);
    assert_eq!(llm.labels[1].message, "`_llm` holds a `NativeLLM`");
}

#[test]
fn clean_sets_have_no_findings_at_all() {
    let (analysis, _, all) = fixture_findings();
    // Every fixture is valid Python: a DL000 would hide what it is meant to show.
    let broken: Vec<_> = analysis.input_diagnostics().collect();
    assert!(broken.is_empty(), "{broken:#?}");
    let unexpected: Vec<&Seen> = all
        .iter()
        .filter(|s| s.path.contains("/clean/") || s.path.starts_with("shared/"))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}

#[test]
fn framework_source_gives_the_same_findings_as_the_pack() {
    let (_, _, pack_only) = fixture_findings();
    let sdk = manifest().join("fixtures/python/openhands-sdk");
    let (analysis, findings) = run(&[sdk, fixtures()]);
    let with_source: Vec<Seen> = seen(&analysis, &findings)
        .into_iter()
        .filter(|s| !s.path.contains("openhands-sdk"))
        .collect();
    assert_eq!(&with_source, pack_only);
    // The root's own default and LocalConversation's sink are not findings.
    assert!(seen(&analysis, &findings)
        .iter()
        .all(|s| !s.path.contains("openhands-sdk")));
}

#[test]
fn hostile_nesting_does_not_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 5_000;
    let condition = format!("{}c.arun{}", "(".repeat(depth), ")".repeat(depth));
    let nots = "not ".repeat(depth);
    let awaits = format!("{}c.arun(){}", "(await ".repeat(300), ")".repeat(300));
    let source = format!(
        "async def f(c):\n    if {nots}hasattr(c, 'arun') and {condition}:\n        await c.arun()\n    x = {awaits}\n"
    );
    std::fs::write(dir.path().join("deep.py"), source).unwrap();
    let mut nested = String::from("async def g(c):\n");
    for level in 0..400 {
        nested.push_str(&"    ".repeat(level + 1));
        nested.push_str("if type(c).arun is not B.arun:\n");
    }
    nested.push_str(&"    ".repeat(401));
    nested.push_str("await c.arun()\n");
    std::fs::write(dir.path().join("nested.py"), nested).unwrap();
    let (analysis, findings) = run(&[dir.path().to_path_buf()]);
    for file in &analysis.files {
        if file.path.ends_with("deep.py") {
            // 5,000 nested parentheses: CPython's tokenizer rejects more
            // than 200 ("too many nested parentheses"), and so do we.
            assert_eq!(file.diagnostics.len(), 1, "{:?}", file.diagnostics);
            assert!(file.diagnostics[0]
                .message
                .contains("too many nested parentheses"));
            continue;
        }
        assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
        assert_eq!(file.functions.len(), 1);
    }
    // Past the depth limit nothing is followed, so the call under 400 guards
    // is never seen: no finding, and no crash.
    assert!(findings.is_empty(), "{findings:#?}");
}

fn corpus(package: &str) -> PathBuf {
    Path::new("/work/corpus/src").join(format!("{package}-1.58.2-py3-none-any"))
}

/// The unpacked OpenHands 1.58.2 wheels: no finding (the release has the
/// agent conjunct), and exactly the DL001 once the conjunct is taken out.
#[test]
#[ignore = "needs the unpacked OpenHands wheels in /work/corpus/src"]
fn openhands_release_packages() {
    let packages = ["openhands_sdk", "openhands_tools", "openhands_agent_server"].map(corpus);
    let (analysis, findings) = run(&packages);
    for f in &findings {
        eprintln!(
            "{}:{}:{}: {} {}",
            analysis.files[f.file].path.display(),
            f.location.line,
            f.location.column,
            f.code,
            f.message
        );
    }
    assert!(findings.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("agent_server");
    copy_tree(&packages[2], &server);
    let service = server.join("openhands/agent_server/event_service.py");
    let text = std::fs::read_to_string(&service).unwrap();
    let conjunct =
        "                        and type(conversation.agent).astep is not AgentBase.astep\n";
    assert!(text.contains(conjunct));
    std::fs::write(&service, text.replace(conjunct, "")).unwrap();
    let (analysis, findings) = run(&[packages[0].clone(), packages[1].clone(), server]);
    let found: Vec<(&str, u32, u32, u32, u32)> = findings
        .iter()
        .map(|f| {
            assert!(analysis.files[f.file].path.ends_with("event_service.py"));
            let l = f.location;
            (f.code, l.line, l.column, l.end_line, l.end_column)
        })
        .collect();
    assert_eq!(found, [("DL001", 1638, 21, 1642, 22)]);
    assert_eq!(findings[0].labels[0].location.line, 1646);
}

/// Every DL007 and DL008 finding of the fixtures, by file, line and column:
/// the flag sets' and nothing else (the clean twins, DL005's whole-body
/// delegation and every other check's fixtures stay quiet).
#[test]
fn dl007_and_dl008_findings_by_line_and_column() {
    let (_, _, all) = fixture_findings();
    let found: Vec<(&str, &str, u32, u32)> = all
        .iter()
        .filter(|s| s.code == "DL007" || s.code == "DL008")
        .map(|s| (s.code, s.path.as_str(), s.line, s.column))
        .collect();
    assert_eq!(
        found,
        [
            ("DL007", "dl007/flag/langchain_tools.py", 26, 16),
            ("DL007", "dl007/flag/langchain_tools.py", 38, 9),
            ("DL007", "dl007/flag/langchain_tools.py", 53, 24),
            ("DL007", "dl007/flag/langchain_tools.py", 68, 14),
            ("DL007", "dl007/flag/llama_index_shapes.py", 20, 20),
            ("DL007", "dl007/flag/llama_index_shapes.py", 31, 18),
            ("DL007", "dl007/flag/openhands_shapes.py", 16, 9),
            ("DL007", "dl007/flag/openhands_shapes.py", 25, 9),
            ("DL008", "dl008/flag/llama_index_blocking.py", 15, 7),
            ("DL008", "dl008/flag/llama_index_blocking.py", 34, 7),
            ("DL008", "dl008/flag/llama_index_blocking.py", 39, 7),
            ("DL008", "dl008/flag/openhands_condensers.py", 11, 7),
            ("DL008", "dl008/flag/openhands_condensers.py", 17, 7),
            ("DL008", "dl008/flag/openhands_condensers.py", 28, 7),
        ]
    );
    // One finding per problem: the body that only calls `_run` is DL005's.
    let delegating: Vec<&Seen> = all
        .iter()
        .filter(|s| s.path == "dl007/flag/langchain_tools.py" && s.line >= 72)
        .collect();
    assert_eq!(delegating.len(), 1, "{delegating:#?}");
    assert_eq!((delegating[0].code, delegating[0].line), ("DL005", 81));
}

#[test]
fn dl007_names_the_roles_entries_and_the_chain() {
    let (analysis, findings, _) = fixture_findings();
    let file = "langchain_tools.py";
    let own = finding(analysis, findings, "DL007", file, 26);
    assert!(
        own.message.starts_with(
            "`SearchTool._arun` overrides `BaseTool._arun` but calls `self._run` (the sync entry of `BaseTool`"
        ),
        "{}",
        own.message
    );
    assert_eq!((own.location.end_line, own.location.end_column), (26, 32));
    let aliased = finding(analysis, findings, "DL007", file, 38);
    says(aliased, "`t.sleep` (`time.sleep`)");
    // Through an awaited async helper, a method and a module-level function,
    // with a label where the blocking call is.
    let chained = finding(analysis, findings, "DL007", file, 53);
    says(chained, "calls `subprocess.check_output` on the event loop through `self._prepare()` -> `self._shell()` -> `shell_output()`");
    let labels: Vec<(u32, u32, &str)> = chained
        .labels
        .iter()
        .map(|l| (l.location.line, l.location.column, l.message.as_str()))
        .collect();
    assert_eq!(
        labels,
        [(
            15,
            12,
            "`subprocess.check_output` blocks here, in `shell_output`"
        )]
    );
    // No agent or conversation in a LangChain or LlamaIndex message.
    for f in findings.iter().filter(|f| {
        f.code == "DL007" && !analysis.files[f.file].path.ends_with("openhands_shapes.py")
    }) {
        for word in ["agent", "conversation"] {
            assert!(!f.message.contains(word), "{}", f.message);
            assert!(!f.help.contains(word), "{}", f.help);
        }
    }
    let typed = finding(analysis, findings, "DL007", "llama_index_shapes.py", 31);
    says(typed, "calls `self.llm.complete` (the sync entry of `CustomLLM`, whose async entry is `acomplete`)");
    let model = finding(analysis, findings, "DL007", "openhands_shapes.py", 16);
    says(
        model,
        "`self.llm.completion` (`openhands.sdk.LLM.completion`)",
    );
}

#[test]
fn dl008_points_at_the_class_the_sync_entry_and_the_blocking_call() {
    let (analysis, findings, _) = fixture_findings();
    let labels = |f: &Finding| -> Vec<(u32, u32, String)> {
        f.labels
            .iter()
            .map(|l| (l.location.line, l.location.column, l.message.clone()))
            .collect()
    };
    let llm = finding(analysis, findings, "DL008", "llama_index_blocking.py", 15);
    assert_eq!(
        llm.message,
        "`SleepyLLM` inherits `CustomLLM.acomplete`, which calls the sync `complete()` inline, and `complete` calls `time.sleep`: when the framework awaits `acomplete`, the event loop blocks for as long as that call takes"
    );
    assert_eq!(
        labels(llm),
        [
            (21, 9, "`complete` is defined here".to_owned()),
            (22, 9, "`time.sleep` blocks here".to_owned()),
        ]
    );
    let retriever = finding(analysis, findings, "DL008", "llama_index_blocking.py", 34);
    says(
        retriever,
        "`_retrieve` calls `requests.get` through `fetch()`",
    );
    assert_eq!(labels(retriever)[1].0, 31);
    let summarizing = finding(analysis, findings, "DL008", "openhands_condensers.py", 17);
    says(summarizing, "`condense` calls `self.llm.completion` (`openhands.sdk.LLM.completion`) through `self._summarize()`");
    let rolling = finding(analysis, findings, "DL008", "openhands_condensers.py", 28);
    assert!(
        rolling
            .message
            .starts_with("`WindowCondenser` inherits `RollingCondenser.aget_condensation`"),
        "{}",
        rolling.message
    );
    assert!(
        rolling
            .help
            .starts_with("override `async def aget_condensation`"),
        "{}",
        rolling.help
    );
}

/// DL006 over a role whose pack says what its default does: flagged for
/// `executor`, not for `raises` (CrewAI's `BaseTool._arun`), where removing
/// the override would bring back another `NotImplementedError`.
#[test]
fn dl006_follows_the_packs_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tool.py"),
        "from crewish.tools import BaseTool\n\n\nclass T(BaseTool):\n    def _run(self, q):\n        return q\n\n    async def _arun(self, q):\n        raise NotImplementedError\n",
    )
    .unwrap();
    let check = |default: &str| {
        std::fs::write(
            dir.path().join("pack.toml"),
            format!(
                "name = \"crewish\"\nversion = \"0\"\nlanguage = \"python\"\n\n[[roles]]\nname = \"tool\"\nroot = \"crewish.tools.BaseTool\"\nsync = \"_run\"\nasync = \"_arun\"\ndefault = \"{default}\"\n"
            ),
        )
        .unwrap();
        let output = assert_cmd::Command::cargo_bin("dispatchlint")
            .unwrap()
            .current_dir(dir.path())
            .args([
                "check",
                "--isolated",
                "--no-cache",
                "--output-format",
                "concise",
            ])
            .args(["--pack", "pack.toml", "--select", "DL006", "tool.py"])
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(check("executor").contains("tool.py:8:15: DL006"));
    assert!(check("inline").contains("tool.py:8:15: DL006"));
    assert!(check("raises").starts_with("All checks passed"));
}

/// The built-in packs on their framework fixtures: a crewAI `_arun` and a
/// LlamaIndex `acall` that only raise are left alone, since neither root's
/// default works either (crewAI's raises; LlamaIndex's is abstract); the
/// same crewAI override under a pack whose default works is flagged, so the
/// silence is the default's doing.
#[test]
fn dl006_is_quiet_on_raising_tools_of_roots_whose_default_raises() {
    let frameworks = manifest().join("fixtures/frameworks");
    let check = |extra: &[&str], path: &str| {
        let output = assert_cmd::Command::cargo_bin("dispatchlint")
            .unwrap()
            .current_dir(&frameworks)
            .args(["check", "--isolated", "--no-cache"])
            .args(["--output-format", "concise", "--select", "DL006"])
            .args(extra)
            .arg(path)
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    for path in ["crewai_app", "llamaindex_app"] {
        let out = check(&[], path);
        assert!(out.starts_with("All checks passed"), "{path}: {out}");
    }
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("executor.toml");
    let builtin = std::fs::read_to_string(manifest().join("rules/crewai.toml")).unwrap();
    std::fs::write(
        &pack,
        builtin
            .replace("name = \"crewai\"", "name = \"crewai-executor\"")
            .replace("default = \"raises\"", "default = \"executor\""),
    )
    .unwrap();
    let out = check(&["--pack", pack.to_str().unwrap()], "crewai_app");
    assert!(out.contains("crewai_app/tools.py:38:15: DL006"), "{out}");
}
