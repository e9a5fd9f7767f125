//! `check` output: full (miette frames), concise, json, json-lines, sarif,
//! github workflow commands, markdown.

use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use serde_json::{json, Value};

use crate::checks::{rules, Severity};
use crate::checks::{LintResult, Reported};
use crate::escape;
use crate::report::agents::AgentsReport;

pub const DOCS_BASE: &str = "https://github.com/dispatchlint/dispatchlint/blob/main/rules/docs";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Full,
    Concise,
    Json,
    JsonLines,
    Sarif,
    Github,
    Markdown,
}

pub fn docs_url(code: &str) -> String {
    format!("{DOCS_BASE}/{code}.md")
}

pub fn write(
    format: Format,
    result: &LintResult,
    agents: &AgentsReport,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Full => full(result, color, out),
        Format::Concise => concise(result, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &json_document(result))?;
            writeln!(out)
        }
        Format::JsonLines => {
            for finding in &result.findings {
                serde_json::to_writer(&mut *out, &finding_json(finding, result))?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif(result))?;
            writeln!(out)
        }
        Format::Github => github(result, out),
        Format::Markdown => markdown(result, agents, out),
    }
}

fn finding_json(f: &Reported, result: &LintResult) -> Value {
    let source = result.sources.get(&f.path).map(|t| &**t);
    json!({
        "code": f.code,
        "name": f.name,
        "severity": f.severity,
        "path": f.path.to_string_lossy().replace('\\', "/"),
        "line": f.location.line,
        "column": f.location.column,
        "end_line": f.location.end_line,
        "end_column": f.location.end_column,
        "message": f.message,
        "help": f.help,
        "fingerprint": f.fingerprint,
        "fix": f.fix.as_ref().map(|fix| fix_json(fix, source)),
    })
}

/// As ruff: applicability, message, and each edit's content and span.
fn fix_json(fix: &crate::fix::Fix, source: Option<&str>) -> Value {
    json!({
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": written(fix, source).into_iter().map(|(l, content)| json!({
            "content": content,
            "location": {"line": l.line, "column": l.column},
            "end_location": {"line": l.end_line, "column": l.end_column},
        })).collect::<Vec<_>>(),
    })
}

/// A fix's edits as `check --fix` writes them: laid out against the file's
/// text when the report has it (a conjunct on a line of its own).
fn written(fix: &crate::fix::Fix, source: Option<&str>) -> Vec<(crate::model::Location, String)> {
    let laid_out = source.and_then(|text| crate::fix::rendered(text, fix));
    fix.edits
        .iter()
        .enumerate()
        .map(|(i, edit)| {
            let content = laid_out
                .as_ref()
                .and_then(|spans| spans.get(i))
                .map_or_else(|| edit.content.clone(), |(_, _, c)| c.clone());
            (edit.location, content)
        })
        .collect()
}

pub fn json_document(result: &LintResult) -> Value {
    json!({
        "version": 1,
        "findings": result.findings.iter().map(|f| finding_json(f, result)).collect::<Vec<_>>(),
        "diagnostics": [],
        "summary": {
            "files": result.files,
            "findings": result.findings.len(),
            "suppressed": result.suppressed,
        }
    })
}

fn summary_line(result: &LintResult) -> String {
    let mut line = match result.findings.len() {
        0 => "All checks passed".to_owned(),
        1 => "Found 1 finding".to_owned(),
        n => format!("Found {n} findings"),
    };
    let files = if result.files == 1 { "file" } else { "files" };
    line.push_str(&format!(" ({} {files}", result.files));
    if result.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", result.suppressed));
    }
    if result.baselined > 0 {
        line.push_str(&format!(", {} in the baseline", result.baselined));
    }
    if result.fixed > 0 {
        line.push_str(&format!(", {} fixed", result.fixed));
    }
    line.push(')');
    if result.baseline_gone > 0 {
        line.push_str(&format!(
            ".\nThe baseline holds {} finding(s) that are gone: rewrite it with --write-baseline so it can only shrink",
            result.baseline_gone
        ));
    }
    line
}

/// The longest concise line, in characters, before the message is
/// shortened (the whole message and the fix stay on `full`).
pub const CONCISE_WIDTH: usize = 200;

fn concise(result: &LintResult, out: &mut dyn Write) -> io::Result<()> {
    for f in &result.findings {
        let head = format!(
            "{}:{}:{}: {} ",
            escape::path(&f.path),
            f.location.line,
            f.location.column,
            f.code,
        );
        let budget = CONCISE_WIDTH.saturating_sub(head.chars().count());
        let message = short_message(&escape::text(&f.message), budget);
        writeln!(out, "{head}{message}")?;
    }
    writeln!(out, "{}", summary_line(result))
}

/// `message` in at most `budget` characters: whole when it fits; else its
/// first clause (up to a `:` or `;` outside quotes and brackets), then without
/// its parenthesized asides, and cut with `…` as a last resort.
pub fn short_message(message: &str, budget: usize) -> String {
    let fits = |s: &str| s.chars().count() <= budget;
    if fits(message) {
        return message.to_owned();
    }
    let head = first_clause(message);
    if fits(head) {
        return head.to_owned();
    }
    let bare = without_asides(head);
    if fits(&bare) {
        return bare;
    }
    let mut cut: String = bare.chars().take(budget.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The text before the first `: ` or `; ` at the top level.
fn first_clause(message: &str) -> &str {
    let mut depth = 0i32;
    let mut quoted = false;
    let bytes = message.as_bytes();
    for (at, byte) in bytes.iter().enumerate() {
        match byte {
            b'`' => quoted = !quoted,
            b'(' | b'[' if !quoted => depth += 1,
            b')' | b']' if !quoted => depth -= 1,
            b':' | b';' if !quoted && depth <= 0 && bytes.get(at + 1) == Some(&b' ') => {
                return &message[..at];
            }
            _ => {}
        }
    }
    message
}

/// The text without its top-level ` (...)` groups.
fn without_asides(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '`' if depth == 0 => {
                quoted = !quoted;
                kept.push(c);
            }
            '(' if !quoted => {
                if depth == 0 && kept.ends_with(' ') {
                    kept.pop();
                }
                depth += 1;
            }
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    kept
}

/// `--statistics`: how many findings of each code, most first.
pub fn write_statistics(result: &LintResult, json: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: Vec<(&'static str, &'static str, usize)> = Vec::new();
    for f in &result.findings {
        match counts.iter_mut().find(|(code, _, _)| *code == f.code) {
            Some(entry) => entry.2 += 1,
            None => counts.push((f.code, f.name, 1)),
        }
    }
    counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    if json {
        let rows: Vec<Value> = counts
            .iter()
            .map(|(code, name, count)| json!({"code": code, "name": name, "count": count}))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    let width = counts
        .iter()
        .map(|(_, _, n)| n.to_string().len())
        .max()
        .unwrap_or(1);
    for (code, name, count) in &counts {
        writeln!(out, "{count:>width$}\t{code}\t{name}")?;
    }
    writeln!(out, "{}", summary_line(result))
}

fn full(result: &LintResult, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // The frame's header shows the finding's own line and column (in
    // characters, as every other format): miette would count the bytes of
    // the escaped (or cut) text.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .without_primary_span_start()
        .with_width(100);
    for f in &result.findings {
        let text: &str = result.sources.get(&f.path).map_or("", |t| t);
        let span_ok = |start: u32, end: u32| (end as usize) <= text.len() && start <= end;
        // Without a frame, miette names no file: the message does.
        let message = if text.is_empty() {
            format!("{}: {}", escape::path(&f.path), escape::text(&f.message))
        } else {
            escape::text(&f.message).into_owned()
        };
        let mut diagnostic = MietteDiagnostic::new(message)
            .with_code(format!("{}({})", f.code, f.name))
            .with_help(format!(
                "{}\n  docs: {}",
                escape::text(&f.help),
                docs_url(f.code)
            ))
            .with_severity(match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            });
        // (label, start, end, primary), in the source.
        let mut spans: Vec<(String, u32, u32, bool)> = Vec::new();
        if span_ok(f.location.start, f.location.end) && !text.is_empty() {
            spans.push(("here".into(), f.location.start, f.location.end, true));
        }
        for label in &f.labels {
            let (start, end) = (label.location.start, label.location.end);
            if span_ok(start, end) {
                spans.push((escape::text(&label.message).into_owned(), start, end, false));
            }
        }
        // Lines too wide for a frame cut to a window, then control
        // characters escaped; the spans mapped through both.
        let points: Vec<usize> = spans
            .iter()
            .flat_map(|s| [s.1, s.2])
            .map(|p| p as usize)
            .collect();
        let (shown, points) = match cut_wide_lines(text, &points) {
            Some((cut, moved)) => (std::borrow::Cow::Owned(cut), moved),
            None => (std::borrow::Cow::Borrowed(text), points),
        };
        let frame = escape::Frame::new(&shown);
        let labels = spans
            .into_iter()
            .zip(points.chunks(2))
            .map(|((label, _, _, primary), at)| {
                let span = frame.span(at[0] as u32, at[1] as u32);
                if primary {
                    LabeledSpan::new_primary_with_span(Some(label), span)
                } else {
                    LabeledSpan::new_with_span(Some(label), span)
                }
            });
        diagnostic = diagnostic.with_labels(labels);
        let name = format!(
            "{}:{}:{}",
            escape::path(&f.path),
            f.location.line,
            f.location.column
        );
        let report =
            miette::Report::new(diagnostic).with_source_code(NamedSource::new(name, frame.text));
        let mut rendered = String::new();
        if handler
            .render_report(&mut rendered, report.as_ref())
            .is_err()
        {
            rendered = format!(
                "{}: {} {}\n",
                escape::path(&f.path),
                f.code,
                escape::text(&f.message)
            );
        }
        writeln!(out, "{rendered}")?;
        if let (Some(fix), false) = (&f.fix, text.is_empty()) {
            write_fix(fix, text, out)?;
        }
    }
    writeln!(out, "{}", summary_line(result))
}

/// The fix under its finding, as the diff `check --diff` would print for it
/// alone (hunks only, indented), with how safe it is.
fn write_fix(fix: &crate::fix::Fix, text: &str, out: &mut dyn Write) -> io::Result<()> {
    let (fixed, applied) = crate::fix::apply(text, [fix]);
    if applied == 0 {
        return Ok(());
    }
    let flag = match fix.applicability {
        crate::fix::Applicability::Safe => "--fix",
        crate::fix::Applicability::Unsafe => "--fix --unsafe-fixes",
    };
    writeln!(out, "  fix ({flag}): {}", escape::text(&fix.message))?;
    for line in crate::fix::diff("", text, &fixed)
        .lines()
        .skip_while(|l| !l.starts_with("@@"))
    {
        // A minified line would print whole: cut, as the code frames are.
        let shown: String = match line.char_indices().nth(FIX_LINE_WIDTH) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line.to_owned(),
        };
        writeln!(out, "    {}", escape::text(&shown))?;
    }
    writeln!(out)
}

/// The longest line of a fix's diff under `full`, in characters.
const FIX_LINE_WIDTH: usize = 200;

/// Lines longer than this (in bytes) are cut in a code frame: miette pads
/// its underlines with a format width, which cannot pass 65,535 columns,
/// and a frame a screen wide shows nothing more.
const WIDE_LINE: usize = 1000;

/// Characters of a cut line shown before the first span on it, and in all.
const WINDOW_BEFORE: usize = 60;
const WINDOW: usize = 240;

/// The source as a frame shows it when some line is longer than
/// `WIDE_LINE`: each such line cut to a window of `WINDOW` characters
/// around the first of `points` on it (or its start), `…` marking what was
/// cut, and `points` (byte offsets) moved to match; the lines themselves
/// stay, so line numbers hold. `None` when no line is that long.
fn cut_wide_lines(text: &str, points: &[usize]) -> Option<(String, Vec<usize>)> {
    if !text.split('\n').any(|line| line.len() > WIDE_LINE) {
        return None;
    }
    let mut cut = String::new();
    let mut moved = points.to_vec();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        let body = start + line.trim_end_matches(['\n', '\r']).len();
        // The points in this line; the end of the text belongs to the last.
        let here: Vec<usize> = (0..points.len())
            .filter(|&i| {
                (start..end).contains(&points[i]) || (points[i] == end && end == text.len())
            })
            .collect();
        if body - start <= WIDE_LINE {
            for &i in &here {
                moved[i] = cut.len() + points[i] - start;
            }
            cut.push_str(line);
            start = end;
            continue;
        }
        let anchor = here
            .iter()
            .map(|&i| points[i].min(body))
            .min()
            .unwrap_or(start);
        let from = text[start..anchor]
            .char_indices()
            .rev()
            .nth(WINDOW_BEFORE - 1)
            .map_or(start, |(at, _)| start + at);
        let to = text[from..body]
            .char_indices()
            .nth(WINDOW)
            .map_or(body, |(at, _)| from + at);
        if from > start {
            cut.push('…');
        }
        let shown = cut.len();
        cut.push_str(&text[from..to]);
        let shown_end = cut.len();
        if to < body {
            cut.push('…');
        }
        let tail = cut.len();
        cut.push_str(&text[body..end]);
        for &i in &here {
            let point = points[i];
            moved[i] = if point <= from {
                shown
            } else if point <= to {
                shown + (point - from)
            } else if point <= body {
                shown_end
            } else {
                tail + (point - body)
            };
        }
        start = end;
    }
    Some((cut, moved))
}

/// GitHub workflow commands; `%`, CR and LF must be escaped, and `:`/`,` in properties.
fn github(result: &LintResult, out: &mut dyn Write) -> io::Result<()> {
    fn data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn property(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    for f in &result.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let message = escape::text(&f.message);
        let help = escape::text(&f.help);
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&escape::text(&f.path.to_string_lossy())),
            f.location.line,
            f.location.column,
            f.location.end_line,
            f.location.end_column,
            property(&format!("dispatchlint ({})", f.code)),
            data(&format!("{} {message}\n{help}", f.code))
        )?;
    }
    Ok(())
}

fn markdown(result: &LintResult, agents: &AgentsReport, out: &mut dyn Write) -> io::Result<()> {
    use escape::cell;
    writeln!(out, "## dispatchlint\n")?;
    writeln!(out, "{}\n", summary_line(result).replace('\n', " "))?;
    if !result.findings.is_empty() {
        writeln!(out, "### Findings\n")?;
        writeln!(out, "| code | location | message | fix |")?;
        writeln!(out, "|---|---|---|---|")?;
        for f in &result.findings {
            writeln!(
                out,
                "| [{code}]({url}) | {} | {} | {} |",
                cell(&escape::code(&format!(
                    "{}:{}:{}",
                    f.path.display(),
                    f.location.line,
                    f.location.column
                ))),
                cell(&f.message),
                cell(&f.help),
                code = f.code,
                url = docs_url(f.code)
            )?;
        }
        writeln!(out)?;
    }
    if !agents.types.is_empty() {
        writeln!(out, "### Agents and conversations\n")?;
        writeln!(out, "| role | verdict | type | provided by | where |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for t in &agents.types {
            let provider = t
                .provider
                .as_ref()
                .map(|p| cell(&escape::code(&p.qualname)))
                .or_else(|| t.reason.as_ref().map(|r| cell(r)))
                .unwrap_or_default();
            writeln!(
                out,
                "| {} | {} | {} | {provider} | {} |",
                cell(&t.role),
                t.verdict,
                cell(&escape::code(&t.qualname)),
                cell(&escape::code(&format!("{}:{}", t.path, t.line)))
            )?;
        }
    }
    Ok(())
}

pub fn sarif(result: &LintResult) -> Value {
    let all = rules();
    let rule_index = |code: &str| all.iter().position(|r| r.code == code);
    let sarif_rules: Vec<Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "helpUri": docs_url(r.code),
                "help": {"text": r.docs, "markdown": r.docs},
                "defaultConfiguration": {"level": match r.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                }},
            })
        })
        .collect();
    let results: Vec<Value> = result
        .findings
        .iter()
        .map(|f| {
            let uri = f.path.to_string_lossy().replace('\\', "/");
            let region = |l: &crate::model::Location| {
                json!({
                    "startLine": l.line.max(1),
                    "startColumn": l.column.max(1),
                    "endLine": l.end_line.max(l.line).max(1),
                    "endColumn": l.end_column.max(1),
                })
            };
            let mut value = json!({
                "ruleId": f.code,
                "level": match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                // The fix follows the message as its own sentence, as on `full`.
                "message": {"text": format!("{}\nhelp: {}", f.message, f.help)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": region(&f.location),
                    }
                }],
                "partialFingerprints": {"dispatchlint/v1": f.fingerprint},
            });
            if let Some(index) = rule_index(f.code) {
                value["ruleIndex"] = json!(index);
            }
            if let Some(fix) = &f.fix {
                let source = result.sources.get(&f.path).map(|t| &**t);
                let unsafe_note = match fix.applicability {
                    crate::fix::Applicability::Safe => "",
                    crate::fix::Applicability::Unsafe => " (unsafe: it may change what runs)",
                };
                value["fixes"] = json!([{
                    "description": {"text": format!("{}{unsafe_note}", fix.message)},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": uri},
                        "replacements": written(fix, source).iter().map(|(l, content)| json!({
                            "deletedRegion": {
                                "startLine": l.line.max(1),
                                "startColumn": l.column.max(1),
                                "endLine": l.end_line.max(l.line).max(1),
                                "endColumn": l.end_column.max(1),
                            },
                            "insertedContent": {"text": content},
                        })).collect::<Vec<_>>(),
                    }],
                }]);
            }
            if !f.labels.is_empty() {
                value["relatedLocations"] = Value::Array(
                    f.labels
                        .iter()
                        .enumerate()
                        .map(|(id, label)| {
                            json!({
                                "id": id,
                                "message": {"text": label.message},
                                "physicalLocation": {
                                    "artifactLocation": {"uri": uri},
                                    "region": region(&label.location),
                                }
                            })
                        })
                        .collect(),
                );
            }
            value
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dispatchlint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/dispatchlint/dispatchlint",
                "rules": sarif_rules,
            }},
            "results": results,
        }]
    })
}
