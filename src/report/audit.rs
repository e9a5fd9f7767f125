//! `dispatchlint audit`: one report for a repository someone else wrote. The
//! types with their verdicts, the route each agent takes with each
//! conversation type it is used with, every finding with its code frame, and
//! the unknowns with their reasons.

use std::collections::BTreeSet;
use std::io::{self, Write};

use dispatchlint_runtime::route;
use serde_json::{json, Value};

use crate::analysis::Analysis;
use crate::checks::values::{functions, role_pairs, At, Values};
use crate::checks::Context;
use crate::hierarchy::{TypeKey, Verdict};
use crate::lint::LintResult;
use crate::report::agents::{self, AgentsReport};
use crate::report::escape::{self, cell, code};
use crate::report::findings::{self, Format};

/// A conversation built with an agent, somewhere in the analyzed code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usage {
    pub conversation: String,
    pub agent: String,
    /// `native-async`, `sync-in-executor`, or `decided at runtime`.
    pub route: String,
    pub path: String,
    pub line: u32,
}

/// Every `conv = SomeConversation(agent=...)` (or factory call) whose
/// conversation and agent types are known.
pub fn usages(analysis: &Analysis) -> Vec<Usage> {
    let cx = Context::new(analysis);
    let pairs = role_pairs(&cx);
    let mut found = BTreeSet::new();
    for (file, function) in functions(&cx) {
        let values = Values {
            cx: &cx,
            file,
            function,
            pairs: &pairs,
        };
        for assign in &function.assigns {
            let at = At {
                offset: assign.location.end,
                block: &assign.block,
            };
            let Some(typed) = values.typed(&assign.value, at) else {
                continue;
            };
            let Some(agent) = typed.agent.as_deref() else {
                continue;
            };
            for pair in &pairs {
                let (Some(conversation), Some(agent_capability)) = (
                    analysis.hierarchy.capability(&typed.key, pair.conversation),
                    analysis.hierarchy.capability(&agent.key, pair.agent),
                ) else {
                    continue;
                };
                let route = match (
                    conversation.verdict.capability(),
                    agent_capability.verdict.capability(),
                ) {
                    (Some(c), Some(a)) => route(c, a).as_str().to_owned(),
                    _ => "decided at runtime".to_owned(),
                };
                found.insert(Usage {
                    conversation: analysis.qualname(&typed.key),
                    agent: analysis.qualname(&agent.key),
                    route,
                    path: analysis.files[file].path.display().to_string(),
                    line: assign.location.line,
                });
            }
        }
    }
    found.into_iter().collect()
}

pub fn write_markdown(
    analysis: &Analysis,
    result: &LintResult,
    title: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let report = agents::build(analysis);
    let usages = usages(analysis);
    let [native, inherited, unknown] = analysis.verdict_counts();
    writeln!(out, "# dispatchlint audit: {}\n", escape::text(title))?;
    writeln!(
        out,
        "{} files; {} agent and conversation types ({native} native, {inherited} sync-only, {unknown} unknown); {} finding{}.\n",
        result.files,
        report.types.len(),
        result.findings.len(),
        if result.findings.len() == 1 { "" } else { "s" }
    )?;
    writeln!(out, "## Agents and conversations\n")?;
    types_table(&report, out)?;
    writeln!(out, "\n## Routes\n")?;
    if usages.is_empty() {
        writeln!(
            out,
            "No place in the analyzed code builds a conversation with an agent whose types are both known.\n"
        )?;
    } else {
        writeln!(out, "Where a conversation is built with an agent, the route the dispatcher takes (`route()` of the runtime crate):\n")?;
        writeln!(out, "| conversation | agent | route | where |")?;
        writeln!(out, "|---|---|---|---|")?;
        for u in &usages {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&code(&u.conversation)),
                cell(&code(&u.agent)),
                cell(&u.route),
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

pub fn json_document(analysis: &Analysis, result: &LintResult) -> Value {
    let report = agents::build(analysis);
    let usages: Vec<Value> = usages(analysis)
        .into_iter()
        .map(|u| {
            json!({"conversation": u.conversation, "agent": u.agent, "route": u.route,
                   "path": u.path, "line": u.line})
        })
        .collect();
    let unknown = analysis
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
        "unknown": unknown,
    })
}
