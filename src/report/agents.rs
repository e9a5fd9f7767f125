//! `dispatchlint agents`: every type that plays a role, with its verdict.

use std::io::{self, Write};

use serde::Serialize;

use crate::escape;
use crate::hierarchy::TypeKey;
use crate::semantic::{Semantic, TypeVerdict};

#[derive(Default, Serialize)]
pub struct AgentsReport {
    pub version: u32,
    pub types: Vec<TypeEntry>,
    pub diagnostics: Vec<DiagnosticEntry>,
}

#[derive(Serialize)]
pub struct TypeEntry {
    pub name: String,
    pub qualname: String,
    pub language: &'static str,
    pub path: String,
    pub line: u32,
    /// The pack that declares the role, and the role's name in it.
    pub pack: String,
    pub role: String,
    /// The role's root, qualified (`langchain_core.tools.base.BaseTool`).
    pub root: String,
    pub sync: String,
    #[serde(rename = "async")]
    pub async_: String,
    /// What the root's async default does (`executor`, `inline`, `raises`),
    /// when the pack says.
    pub default: Option<&'static str>,
    pub verdict: &'static str,
    pub provider: Option<Provider>,
    /// The provider's override only hands the sync entry on (a pack says so).
    pub pseudo_native: bool,
    pub reason: Option<String>,
}

#[derive(Serialize)]
pub struct Provider {
    pub qualname: String,
    pub path: Option<String>,
    pub line: Option<u32>,
}

#[derive(Serialize)]
pub struct DiagnosticEntry {
    pub code: &'static str,
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

pub fn entry(semantic: &Semantic<'_>, verdict: &TypeVerdict) -> TypeEntry {
    let analysis = semantic.analysis;
    let file = &analysis.files[verdict.file];
    let class = &file.classes[verdict.class];
    let key = TypeKey::Source(verdict.file, verdict.class);
    let provider = verdict.capability.provider.as_ref().map(|p| Provider {
        qualname: analysis.qualname(p),
        path: analysis
            .location(p)
            .map(|(path, _)| path.display().to_string()),
        line: match p {
            TypeKey::Source(..) => verdict
                .capability
                .provider_location
                .map(|l| l.line)
                .or_else(|| analysis.location(p).map(|(_, l)| l.line)),
            _ => None,
        },
    });
    let spec =
        semantic.hierarchy.roles.iter().find(|r| {
            r.language == file.language && r.pack == verdict.pack && r.name == verdict.role
        });
    let declared = analysis
        .packs
        .packs
        .iter()
        .filter(|p| p.name == verdict.pack && p.language == file.language)
        .flat_map(|p| &p.roles)
        .find(|r| r.name == verdict.role);
    TypeEntry {
        name: class.name.clone(),
        qualname: analysis.qualname(&key),
        language: file.language.as_str(),
        path: file.path.display().to_string(),
        line: class.location.line,
        pack: verdict.pack.clone(),
        role: verdict.role.clone(),
        root: spec.map(|s| analysis.qualname(&s.root)).unwrap_or_default(),
        sync: spec.map(|s| s.sync.clone()).unwrap_or_default(),
        async_: spec.map(|s| s.async_.clone()).unwrap_or_default(),
        default: declared.and_then(|r| r.default).map(|d| d.as_str()),
        verdict: verdict.capability.verdict.as_str(),
        provider,
        pseudo_native: verdict.capability.pseudo_native,
        reason: verdict.capability.reason.clone(),
    }
}

pub fn build(semantic: &Semantic<'_>) -> AgentsReport {
    let analysis = semantic.analysis;
    let mut types: Vec<TypeEntry> = semantic
        .verdicts
        .iter()
        .map(|v| entry(semantic, v))
        .collect();
    types.sort_by(|a, b| {
        (&a.path, a.line, &a.pack, &a.role).cmp(&(&b.path, b.line, &b.pack, &b.role))
    });
    let mut diagnostics: Vec<DiagnosticEntry> = analysis
        .input_diagnostics()
        .map(|(path, d)| DiagnosticEntry {
            code: d.code,
            path: path.display().to_string(),
            line: d.location.map(|l| l.line),
            column: d.location.map(|l| l.column),
            message: d.message.clone(),
        })
        .collect();
    diagnostics.extend(
        analysis
            .walk_problems
            .iter()
            .map(|(path, message)| DiagnosticEntry {
                code: "DL000",
                path: path.display().to_string(),
                line: None,
                column: None,
                message: message.clone(),
            }),
    );
    AgentsReport {
        version: 1,
        types,
        diagnostics,
    }
}

pub fn write_json(report: &AgentsReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

pub fn write_human(report: &AgentsReport, out: &mut dyn Write) -> io::Result<()> {
    let headers = ["role", "verdict", "type", "provided by", "where"];
    let rows: Vec<[String; 5]> = report
        .types
        .iter()
        .map(|t| {
            let provider = match (&t.provider, &t.reason) {
                (Some(p), _) => escape::text(&p.qualname).into_owned(),
                (None, Some(reason)) => format!("? {}", escape::text(reason)),
                (None, None) => "?".into(),
            };
            [
                escape::text(&t.role).into_owned(),
                t.verdict.to_owned(),
                escape::text(&t.qualname).into_owned(),
                provider,
                format!("{}:{}", escape::text(&t.path), t.line),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (i, cell) in row.iter().enumerate().take(4) {
            widths[i] = widths[i].max(cell.chars().count().min(70));
        }
    }
    let line = |out: &mut dyn Write, cells: [&str; 5]| -> io::Result<()> {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 4 {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, headers)?;
    for row in &rows {
        line(out, [&row[0], &row[1], &row[2], &row[3], &row[4]])?;
    }
    let count = |v: &str| report.types.iter().filter(|t| t.verdict == v).count();
    writeln!(
        out,
        "\n{} types: {} native, {} inherited (sync-only), {} unknown",
        report.types.len(),
        count("native"),
        count("inherited"),
        count("unknown")
    )?;
    for d in &report.diagnostics {
        let (path, message) = (escape::text(&d.path), escape::text(&d.message));
        match (d.line, d.column) {
            (Some(line), Some(column)) => {
                writeln!(out, "{path}:{line}:{column}: {} {message}", d.code)?
            }
            _ => writeln!(out, "{path}: {} {message}", d.code)?,
        }
    }
    Ok(())
}
