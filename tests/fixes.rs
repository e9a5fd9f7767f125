//! `check --fix`, `--unsafe-fixes` and `--diff` on copies of the dispatch
//! fixtures: the diff (snapshot), nothing written by `--diff`, only safe
//! fixes without `--unsafe-fixes`, a second `--fix` that changes nothing,
//! fixed files that still compile, and, run with the real OpenHands SDK,
//! fixed guards that send a sync-only agent to `run()` while a native one
//! keeps `arun()`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::copy_tree(&Path::new(ROOT).join("fixtures/python-checks"), dir.path());
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .current_dir(dir)
        .args(["check", "--isolated", "--no-cache"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn snapshot_of_sources(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                work.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Lines of the findings of `code` that carry a fix, per file.
fn fixable(dir: &Path, code: &str) -> BTreeMap<String, Vec<u64>> {
    let (_, out, _) = run(dir, &["--select", code, "--output-format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let mut lines: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        if !f["fix"].is_null() {
            let path = f["path"].as_str().unwrap().to_owned();
            lines
                .entry(path)
                .or_default()
                .push(f["line"].as_u64().unwrap());
        }
    }
    lines
}

#[test]
fn diff_shows_the_fixes_and_writes_nothing() {
    let dir = fixtures();
    let before = snapshot_of_sources(dir.path());
    let (code, diff, stderr) = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(code, 1, "a diff exits 1:\n{stderr}");
    assert_eq!(before, snapshot_of_sources(dir.path()), "--diff wrote");
    insta::assert_snapshot!(diff);
    let (code, safe, _) = run(dir.path(), &["--diff"]);
    assert_eq!(code, 1, "some fixes are safe");
    let conjuncts = |diff: &str| {
        diff.matches("+    if type(conversation).arun is not BaseConversation.arun and")
            .count()
            + diff
                .matches("and type(conversation.agent).astep is not AgentBase.astep\n")
                .count()
    };
    assert!(
        conjuncts(&safe) < conjuncts(&diff),
        "the unsafe fixes are not left out without --unsafe-fixes:\n{safe}"
    );
}

#[test]
fn fixed_files_compile_a_second_fix_changes_nothing_and_the_guards_run_right() {
    let dir = fixtures();
    let fixed_before = fixable(dir.path(), "DL001");
    assert!(
        fixed_before.values().map(Vec::len).sum::<usize>() >= 4,
        "{fixed_before:?}"
    );
    for run in oracle(dir.path(), &fixed_before)
        .values()
        .flat_map(|e| e.values())
    {
        assert_eq!(
            run["sync_only_agent"], "arun",
            "not buggy before the fix: {run}"
        );
    }
    let (_, out, stderr) = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--output-format", "concise"],
    );
    assert!(out.contains(" fixed)"), "{out}{stderr}");
    let after = snapshot_of_sources(dir.path());
    let (code, diff, _) = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(
        (code, diff.as_str()),
        (0, ""),
        "the fixes are not idempotent"
    );
    assert_eq!(after, snapshot_of_sources(dir.path()));
    for path in after.keys() {
        let status = Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(path)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()
            .unwrap();
        assert!(status.success(), "{} does not compile", path.display());
    }
    // Every entry point whose guard got a fix now dispatches by the rule.
    let mut proven = 0;
    for (file, entries) in oracle(dir.path(), &fixed_before) {
        for (name, run) in entries {
            assert_eq!(run["native_agent"], "arun", "{file} {name}");
            assert_ne!(
                run["sync_only_agent"], "arun",
                "{file} {name}: still sends a sync-only agent down arun()"
            );
            proven += 1;
        }
    }
    assert!(proven >= 2, "only {proven} fixed entry points ran");
}

/// The dispatch oracle's report on the entry points of `fixable`'s files
/// that hold one of its findings (by name, so that it reads the same before
/// and after the fix moves lines).
fn oracle(
    dir: &Path,
    fixable: &BTreeMap<String, Vec<u64>>,
) -> BTreeMap<String, BTreeMap<String, Value>> {
    static NAMES: std::sync::OnceLock<BTreeMap<String, Vec<String>>> = std::sync::OnceLock::new();
    let files: Vec<PathBuf> = fixable.keys().map(|f| dir.join(f)).collect();
    let output = support::oracle_python()
        .arg(Path::new(ROOT).join("tests/oracle/dispatch_oracle.py"))
        .args(&files)
        .env("PYTHONPATH", dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_slice(&output.stdout).unwrap();
    // The first call sees the files before the fix: it picks the names.
    let names = NAMES.get_or_init(|| {
        fixable
            .iter()
            .map(|(file, lines)| {
                let entries = &report[&dir.join(file).display().to_string()];
                let picked = entries
                    .iter()
                    .filter(|(_, run)| {
                        let (first, last) = (
                            run["lines"][0].as_u64().unwrap(),
                            run["lines"][1].as_u64().unwrap(),
                        );
                        lines.iter().any(|l| (first..=last).contains(l))
                    })
                    .map(|(name, _)| name.clone())
                    .collect();
                (file.clone(), picked)
            })
            .collect()
    });
    names
        .iter()
        .map(|(file, picked)| {
            let entries = &report[&dir.join(file).display().to_string()];
            let kept = entries
                .iter()
                .filter(|(name, _)| picked.contains(name))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            (file.clone(), kept)
        })
        .collect()
}

#[test]
fn without_unsafe_fixes_only_safe_fixes_apply() {
    let dir = fixtures();
    let variants = dir.path().join("dl001/flag/variants.py");
    let guard = "    if type(conversation).arun is not BaseConversation.arun:\n";
    let before = std::fs::read_to_string(&variants).unwrap();
    assert_eq!(before.matches(guard).count(), 2);
    run(dir.path(), &["--fix", "--select", "DL001"]);
    let after = std::fs::read_to_string(&variants).unwrap();
    // `inline(conversation, ...)` may be handed anything: its fix is unsafe
    // and stays out; `known_sync_agent` builds a LocalConversation: safe.
    assert_eq!(after.matches(guard).count(), 1, "{after}");
    let inline = after.find("async def inline").unwrap();
    assert!(after[inline..].starts_with(&format!("async def inline(conversation, loop):\n{guard}")));
}

/// A subclass whose whole body is a pseudo-native `astep`: DL005's fix
/// removes it and leaves a class statement without a body. Nothing is
/// written to that file, not even the good fix beside it, and the run names
/// the file and the fix that broke it.
#[test]
fn a_fix_that_would_not_parse_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let source = "\
import asyncio

from openhands.sdk import AgentBase, BaseConversation
from openhands.sdk.conversation.impl.local_conversation import LocalConversation


class StepAgent(AgentBase):
    def step(self, conversation, on_event, on_token=None):
        on_event(\"step\")


class ThreadedStepAgent(StepAgent):
    async def astep(self, conversation, on_event, on_token=None):
        return await asyncio.to_thread(self.step, conversation, on_event, on_token)


async def drive(conversation: LocalConversation, loop):
    if type(conversation).arun is not BaseConversation.arun:
        await conversation.arun()
    else:
        await loop.run_in_executor(None, conversation.run)
";
    let file = dir.path().join("threaded.py");
    std::fs::write(&file, source).unwrap();
    let (_, json, _) = run(dir.path(), &["--output-format", "json"]);
    let report: Value = serde_json::from_str(&json).unwrap();
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["fix"].is_null())
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["DL005", "DL001"], "{json}");

    let (_, _, stderr) = run(dir.path(), &["--fix", "--unsafe-fixes"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), source, "written");
    assert!(
        stderr.contains("threaded.py: not fixed: the fixed file would not parse"),
        "{stderr}"
    );
    assert!(
        stderr.contains("DL005 at 13:15 (remove the `astep` override)"),
        "the run does not name the fix: {stderr}"
    );
    assert!(!stderr.contains("DL001 at"), "{stderr}");
    let (code, diff, stderr) = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!((code, diff.as_str()), (0, ""), "{stderr}");
    assert!(stderr.contains("DL005 at 13:15"), "{stderr}");
    // The safe fix alone parses, and is applied.
    run(dir.path(), &["--fix"]);
    let fixed = std::fs::read_to_string(&file).unwrap();
    assert!(
        fixed.contains("and type(conversation.agent).astep is not AgentBase.astep:"),
        "{fixed}"
    );
}

const CONJUNCT: &str = " and type(conversation.agent).astep is not AgentBase.astep";

/// `source` with `inserted` put right after the first `after`.
fn spliced(source: &[u8], after: &[u8], inserted: &[u8]) -> Vec<u8> {
    let at = source
        .windows(after.len())
        .position(|w| w == after)
        .unwrap()
        + after.len();
    [&source[..at], inserted, &source[at..]].concat()
}

/// A guard in a file whose `coding` declaration says latin-1, with
/// non-ASCII bytes before and after the edit: written back in latin-1, every
/// byte outside the conjunct as it was.
#[test]
fn a_latin_1_file_is_written_back_in_latin_1() {
    let dir = tempfile::tempdir().unwrap();
    let source: &[u8] = b"# -*- coding: latin-1 -*-
\"\"\"Conversations de l'\xe9quipe.\"\"\"
from openhands.sdk import AgentBase, BaseConversation
from openhands.sdk.conversation.impl.local_conversation import LocalConversation


async def drive(conversation: LocalConversation, loop):
    # \xe9lan: the native path
    if type(conversation).arun is not BaseConversation.arun:  # d\xe9j\xe0
        await conversation.arun()
    else:
        await loop.run_in_executor(None, conversation.run)
";
    let file = dir.path().join("latin.py");
    std::fs::write(&file, source).unwrap();
    let (_, out, stderr) = run(dir.path(), &["--fix", "--output-format", "concise"]);
    let expected = spliced(source, b"BaseConversation.arun", CONJUNCT.as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&file).unwrap()),
        String::from_utf8_lossy(&expected),
        "{out}{stderr}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), expected);
}

/// A UTF-8 file that starts with a byte order mark: the fix lands where the
/// analysis saw the guard, and the mark stays.
#[test]
fn a_byte_order_mark_is_kept_and_does_not_shift_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let source = "\u{feff}\"\"\"Conversations de l'équipe.\"\"\"
from openhands.sdk import AgentBase, BaseConversation
from openhands.sdk.conversation.impl.local_conversation import LocalConversation


async def drive(conversation: LocalConversation, loop):
    if type(conversation).arun is not BaseConversation.arun:
        await conversation.arun()
";
    let file = dir.path().join("bom.py");
    std::fs::write(&file, source).unwrap();
    let (_, out, stderr) = run(dir.path(), &["--fix", "--output-format", "concise"]);
    let expected = spliced(
        source.as_bytes(),
        b"BaseConversation.arun",
        CONJUNCT.as_bytes(),
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        String::from_utf8(expected).unwrap(),
        "{out}{stderr}"
    );
}

/// CRLF line endings and no newline at the end: the import the fix adds
/// ends its line with CRLF too, and the last line stays unterminated.
#[test]
fn crlf_and_a_missing_final_newline_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let source = "import asyncio\r
\r
from openhands.sdk.conversation.base import BaseConversation\r
from openhands.sdk.conversation.impl.local_conversation import LocalConversation\r
\r
\r
async def drive(conversation: LocalConversation):\r
    if type(conversation).arun is not BaseConversation.arun:\r
        await conversation.arun()\r
    else:\r
        await asyncio.to_thread(conversation.run)";
    let file = dir.path().join("crlf.py");
    std::fs::write(&file, source).unwrap();
    let (_, out, stderr) = run(dir.path(), &["--fix", "--output-format", "concise"]);
    let expected = source
        .replace(
            "LocalConversation\r\n\r\n",
            "LocalConversation\r\nfrom openhands.sdk import AgentBase\r\n\r\n",
        )
        .replace(
            "BaseConversation.arun:",
            &format!("BaseConversation.arun{CONJUNCT}:"),
        );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        expected,
        "{out}{stderr}"
    );
}

/// The root the DL001 fix names, in each shape a module may already import
/// from its module: the name joins that import (in order when its names
/// are sorted, else last; on a line of its own in a parenthesized list),
/// and a root or module already bound under another name is used by it.
#[test]
fn the_root_joins_the_import_already_there() {
    let guard = "\n\nasync def drive(conversation, loop):
    if type(conversation).arun is not BaseConversation.arun:
        await conversation.arun()
    else:
        await loop.run_in_executor(None, conversation.run)
";
    let shapes: [(&str, &str, &str); 7] = [
        (
            "sorted",
            "from openhands.sdk import BaseConversation, LocalConversation\n",
            "from openhands.sdk import AgentBase, BaseConversation, LocalConversation\n",
        ),
        (
            "unsorted",
            "from openhands.sdk import LocalConversation, BaseConversation\n",
            "from openhands.sdk import LocalConversation, BaseConversation, AgentBase\n",
        ),
        (
            "parenthesized",
            "from openhands.sdk import (\n    BaseConversation,\n    LocalConversation,\n)\n",
            "from openhands.sdk import (\n    AgentBase,\n    BaseConversation,\n    LocalConversation,\n)\n",
        ),
        (
            "parenthesized_last",
            "from openhands.sdk import (\n    BaseConversation,\n    Agent\n)\n",
            "from openhands.sdk import (\n    BaseConversation,\n    Agent,\n    AgentBase\n)\n",
        ),
        (
            "aliased_names",
            "from openhands.sdk.agent.base import Foo as F\nfrom openhands.sdk.conversation.base import BaseConversation\n",
            "from openhands.sdk.agent.base import AgentBase, Foo as F\nfrom openhands.sdk.conversation.base import BaseConversation\n",
        ),
        (
            "root_aliased",
            "from openhands.sdk import AgentBase as Base, BaseConversation\n",
            "from openhands.sdk import AgentBase as Base, BaseConversation\n",
        ),
        (
            "module_aliased",
            "import openhands.sdk as sdk\nfrom openhands.sdk import BaseConversation\n",
            "import openhands.sdk as sdk\nfrom openhands.sdk import BaseConversation\n",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, imports, _) in &shapes {
        std::fs::write(
            dir.path().join(format!("{name}.py")),
            format!("{imports}{guard}"),
        )
        .unwrap();
    }
    let (code, diff, stderr) = run(
        dir.path(),
        &["--diff", "--unsafe-fixes", "--select", "DL001"],
    );
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!(diff);
    run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--select", "DL001"],
    );
    for (name, _, expected) in &shapes {
        let fixed = std::fs::read_to_string(dir.path().join(format!("{name}.py"))).unwrap();
        assert!(
            fixed.starts_with(&format!("{expected}\n\n")),
            "{name}:\n{fixed}"
        );
        let root = match *name {
            "root_aliased" => "Base",
            "module_aliased" => "sdk.AgentBase",
            _ => "AgentBase",
        };
        assert!(
            fixed.contains(&format!(
                "and type(conversation.agent).astep is not {root}.astep:"
            )),
            "{name}:\n{fixed}"
        );
        let compiled = Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(dir.path().join(format!("{name}.py")))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()
            .unwrap();
        assert!(compiled.success(), "{name}");
    }
    let (code, diff, _) = run(
        dir.path(),
        &["--diff", "--unsafe-fixes", "--select", "DL001"],
    );
    assert_eq!((code, diff.as_str()), (0, ""));
}

/// A fix whose text the file's encoding cannot hold: a pack whose agent
/// root is named `Agentω`, imported into a latin-1 file. The file is left
/// as it was, and the run says why.
#[test]
fn a_fix_the_file_s_encoding_cannot_hold_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("fw.toml");
    std::fs::write(
        &pack,
        "name = \"fw\"\nversion = \"1\"\nlanguage = \"python\"\n
[[roles]]\nname = \"agent\"\nroot = \"fw.Agent\u{3c9}\"\nsync = \"act\"\nasync = \"aact\"\ndefault = \"executor\"\n
[[roles]]\nname = \"conversation\"\nroot = \"fw.Conversation\"\nsync = \"go\"\nasync = \"ago\"\ndefault = \"inline\"\nagent-attr = \"agent\"\n",
    )
    .unwrap();
    let source: &[u8] = b"# -*- coding: latin-1 -*-
# d\xe9j\xe0 vu
from fw import Conversation


async def drive(conversation, loop):
    if type(conversation).ago is not Conversation.ago:
        await conversation.ago()
    else:
        await loop.run_in_executor(None, conversation.go)
";
    let file = dir.path().join("g.py");
    std::fs::write(&file, source).unwrap();
    let pack = pack.to_str().unwrap();
    let (_, json, _) = run(dir.path(), &["--pack", pack, "--output-format", "json"]);
    assert!(json.contains("Agent\u{3c9}"), "no fix to refuse: {json}");
    let (_, _, stderr) = run(dir.path(), &["--pack", pack, "--fix", "--unsafe-fixes"]);
    assert_eq!(std::fs::read(&file).unwrap(), source);
    assert!(
        stderr.contains(
            "g.py: not fixed: the file's encoding (latin-1) cannot hold '\u{3c9}' (U+03C9)"
        ),
        "{stderr}"
    );
}

/// Two fixes that parse each on its own and not together: a condenser whose
/// body is two pseudo-native overrides, each removed by DL005. The file is
/// not written, and the run names both.
#[test]
fn fixes_that_only_break_the_file_together_are_named_together() {
    let dir = tempfile::tempdir().unwrap();
    let source = "\
import asyncio

from openhands.sdk.context.condenser import RollingCondenser


class SyncCondenser(RollingCondenser):
    def get_condensation(self, view, agent_llm=None):
        return None

    def hard_context_reset(self, view, agent_llm=None):
        return None


class ThreadedCondenser(SyncCondenser):
    async def aget_condensation(self, view, agent_llm=None):
        return await asyncio.to_thread(self.get_condensation, view, agent_llm)

    async def ahard_context_reset(self, view, agent_llm=None):
        return await asyncio.to_thread(self.hard_context_reset, view, agent_llm)
";
    let file = dir.path().join("condenser.py");
    std::fs::write(&file, source).unwrap();
    let (_, _, stderr) = run(dir.path(), &["--fix", "--unsafe-fixes"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), source, "written");
    assert!(
        stderr.contains(
            "condenser.py: not fixed: the fixed file would not parse; these fixes together break it: \
             DL005 at 15:15 (remove the `aget_condensation` override), \
             DL005 at 18:15 (remove the `ahard_context_reset` override)"
        ),
        "{stderr}"
    );
}

/// DL006's fix removes the raising override (only with `--unsafe-fixes`);
/// a class whose body held nothing else keeps a `pass`. The fixed files
/// (snapshots) parse, a second run changes nothing, and nothing is left to
/// flag.
#[test]
fn dl006_fix_removes_the_raising_override() {
    let dir = fixtures();
    let before = fixable(dir.path(), "DL006");
    assert_eq!(
        before.values().map(Vec::len).sum::<usize>(),
        8,
        "{before:?}"
    );
    let files = [
        "dl006/flag/langchain_tools.py",
        "dl006/flag/llama_openhands.py",
    ];
    let read = |file: &str| std::fs::read_to_string(dir.path().join(file)).unwrap();
    let original: Vec<String> = files.iter().map(|f| read(f)).collect();
    run(dir.path(), &["--fix", "--select", "DL006"]);
    let untouched: Vec<String> = files.iter().map(|f| read(f)).collect();
    assert_eq!(
        untouched, original,
        "an unsafe fix applied without --unsafe-fixes"
    );
    let (_, out, stderr) = run(
        dir.path(),
        &[
            "--fix",
            "--unsafe-fixes",
            "--select",
            "DL006",
            "--output-format",
            "concise",
        ],
    );
    assert!(out.contains("8 fixed"), "{out}{stderr}");
    insta::assert_snapshot!("dl006_fixed_langchain_tools", read(files[0]));
    insta::assert_snapshot!("dl006_fixed_llama_openhands", read(files[1]));
    assert!(fixable(dir.path(), "DL006").is_empty());
    let (code, diff, _) = run(
        dir.path(),
        &["--diff", "--unsafe-fixes", "--select", "DL006"],
    );
    assert_eq!((code, diff.as_str()), (0, ""), "the fix is not idempotent");
    for file in files {
        let status = Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(dir.path().join(file))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()
            .unwrap();
        assert!(status.success(), "{file} does not compile");
    }
}
