//! `dispatchlint audit`: one report for a repository someone else wrote. The
//! types with their verdicts, the route each agent takes with each
//! conversation type it is used with, every finding with its code frame, and
//! the unknowns with their reasons.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::checks::LintResult;
use crate::escape::{self, cell, code};
use crate::hierarchy::{TypeKey, Verdict};
use crate::report::agents::{self, AgentsReport};
use crate::report::findings::{self, Format};
use crate::semantic::usages::usages;
use crate::semantic::{Analysis, Semantic};

/// What the audit did not look at, and why: an audited tree can hide code
/// from it with its own ignore files, configuration and comments.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Source files that `.gitignore`, `.ignore` and `.git/info/exclude`
    /// kept out; `None` when they were not honoured.
    pub ignored_by_files: Option<usize>,
    /// Source files that `exclude` patterns (configuration or command line) kept out.
    pub excluded_by_patterns: usize,
    /// Suppression comments were not honoured (`--ignore-noqa`).
    pub ignore_noqa: bool,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn write_coverage(
    analysis: &Analysis,
    result: &LintResult,
    coverage: &Coverage,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "## Coverage\n")?;
    writeln!(out, "- {} analyzed.", plural(result.files, "file", "files"))?;
    match coverage.ignored_by_files {
        Some(n) => writeln!(
            out,
            "- {} excluded by `.gitignore`, `.ignore` or `.git/info/exclude`{}.",
            plural(n, "source file", "source files"),
            if n > 0 {
                " (`--no-respect-gitignore` includes them)"
            } else {
                ""
            }
        )?,
        None => writeln!(
            out,
            "- Ignore files not honoured (`--no-respect-gitignore`)."
        )?,
    }
    writeln!(
        out,
        "- {} excluded by `exclude` patterns (configuration or `--exclude`).",
        plural(coverage.excluded_by_patterns, "source file", "source files")
    )?;
    writeln!(
        out,
        "- {} not read (listed under Findings as DL000).",
        plural(analysis.walk_problems.len(), "path", "paths")
    )?;
    if coverage.ignore_noqa {
        writeln!(
            out,
            "- Suppression comments not honoured (`--ignore-noqa`)."
        )?;
    } else {
        writeln!(
            out,
            "- {} suppressed: {} by comments on their line, {} by file-wide `ignore-file` comments{}.",
            plural(result.suppressed, "finding", "findings"),
            result.suppressed_by_line,
            result.suppressed_by_file,
            if result.suppressed > 0 {
                " (`--ignore-noqa` reports them)"
            } else {
                ""
            }
        )?;
    }
    writeln!(
        out,
        "- {} turned off by the configuration (`ignore`, `per-file-ignores`; `--isolated` ignores it).\n",
        plural(result.disabled_by_config, "finding", "findings")
    )
}

fn coverage_json(analysis: &Analysis, result: &LintResult, coverage: &Coverage) -> Value {
    json!({
        "files": result.files,
        "ignored_by_ignore_files": coverage.ignored_by_files,
        "excluded_by_patterns": coverage.excluded_by_patterns,
        "not_read": analysis.walk_problems.iter().map(|(path, why)| {
            json!({"path": path.display().to_string(), "reason": why})
        }).collect::<Vec<_>>(),
        "suppression_comments_honoured": !coverage.ignore_noqa,
        "suppressed_by_line_comments": result.suppressed_by_line,
        "suppressed_by_file_comments": result.suppressed_by_file,
        "disabled_by_configuration": result.disabled_by_config,
    })
}

pub fn write_markdown(
    semantic: &Semantic<'_>,
    result: &LintResult,
    coverage: &Coverage,
    title: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let analysis = semantic.analysis;
    let report = agents::build(semantic);
    let usages = usages(semantic);
    let [native, inherited, unknown] = semantic.verdict_counts();
    writeln!(out, "# dispatchlint audit: {}\n", escape::text(title))?;
    writeln!(
        out,
        "{}; {} agent and conversation types ({native} native, {inherited} sync-only, {unknown} unknown); {}.\n",
        plural(result.files, "file", "files"),
        report.types.len(),
        plural(result.findings.len(), "finding", "findings"),
    )?;
    write_coverage(analysis, result, coverage, out)?;
    writeln!(out, "## Agents and conversations\n")?;
    types_table(&report, out)?;
    writeln!(out, "\n## Routes\n")?;
    if usages.is_empty() {
        writeln!(
            out,
            "No place in the analyzed code builds a conversation with an agent whose types are both known.\n"
        )?;
    } else {
        writeln!(out, "Where a conversation is built with an agent: the route the reference dispatcher would take (`route()` of the runtime crate), and what the code there does with it (a ✗ marks a place that takes another route):\n")?;
        writeln!(
            out,
            "| conversation | agent | route() | taken here | where |"
        )?;
        writeln!(out, "|---|---|---|---|---|")?;
        for u in &usages {
            let decided = u.route != "decided at runtime";
            let differs = decided && u.taken.route().is_some_and(|taken| taken != u.route);
            let mark = if differs { " ✗" } else { "" };
            writeln!(
                out,
                "| {} | {} | {} | {}{mark} | {} |",
                cell(&code(&u.conversation)),
                cell(&code(&u.agent)),
                cell(&u.route),
                cell(&u.taken.describe()),
                cell(&code(&format!("{}:{}", u.path, u.line)))
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "## Findings\n")?;
    if result.findings.is_empty() {
        writeln!(out, "None.\n")?;
    } else {
        let mut frames = Vec::new();
        findings::write(Format::Full, result, &report, false, &mut frames)?;
        let frames = String::from_utf8_lossy(&frames);
        let fence = escape::fence(&frames);
        writeln!(out, "{fence}text\n{frames}{fence}\n")?;
    }
    writeln!(out, "## Unknowns\n")?;
    let unknowns: Vec<_> = report
        .types
        .iter()
        .filter(|t| t.verdict == "unknown")
        .collect();
    if unknowns.is_empty() {
        writeln!(out, "None: every verdict was decided statically.")?;
    } else {
        writeln!(
            out,
            "The runtime must decide these; the analyzer says why it cannot:\n"
        )?;
        for t in unknowns {
            writeln!(
                out,
                "- {} ({}, {}): {}",
                code(&t.qualname),
                escape::text(&t.role),
                code(&format!("{}:{}", t.path, t.line)),
                escape::text(t.reason.as_deref().unwrap_or("no reason recorded"))
            )?;
        }
    }
    Ok(())
}

fn types_table(report: &AgentsReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| role | verdict | type | provided by | where |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for t in &report.types {
        let provider = t
            .provider
            .as_ref()
            .map(|p| match (&p.path, p.line) {
                (Some(path), Some(line)) => {
                    format!(
                        "{} ({})",
                        code(&p.qualname),
                        code(&format!("{path}:{line}"))
                    )
                }
                _ => format!("{} (rule pack)", code(&p.qualname)),
            })
            .unwrap_or_else(|| "?".into());
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&t.role),
            t.verdict,
            cell(&code(&t.qualname)),
            cell(&provider),
            cell(&code(&format!("{}:{}", t.path, t.line)))
        )?;
    }
    Ok(())
}

pub fn json_document(semantic: &Semantic<'_>, result: &LintResult, coverage: &Coverage) -> Value {
    let analysis = semantic.analysis;
    let report = agents::build(semantic);
    let usages: Vec<Value> = usages(semantic)
        .into_iter()
        .map(|u| {
            json!({"conversation": u.conversation, "agent": u.agent, "route": u.route,
                   "taken": u.taken.describe(), "taken_route": u.taken.route(),
                   "path": u.path, "line": u.line})
        })
        .collect();
    let unknown = semantic
        .verdicts
        .iter()
        .filter(|v| v.capability.verdict == Verdict::Unknown)
        .map(|v| {
            json!({"qualname": analysis.qualname(&TypeKey::Source(v.file, v.class)),
                   "role": v.role, "reason": v.capability.reason})
        })
        .collect::<Vec<_>>();
    json!({
        "version": 1,
        "agents": serde_json::to_value(&report).unwrap_or(Value::Null),
        "routes": usages,
        "check": findings::json_document(result),
        "coverage": coverage_json(analysis, result, coverage),
        "unknown": unknown,
    })
}
