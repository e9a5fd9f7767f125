//! Fixes: the edits a check proposes, applied to source text.
//!
//! A check attaches a [`Fix`] to its finding: replacements of spans of the
//! file's text, each given as a [`Location`] of the analyzed text, and how
//! safe the fix is. [`apply`] makes the fixed text; [`diff`] shows it. The
//! `check --fix` loop (`crate::commands::check`) reads, re-parses and writes.

use serde::Serialize;

use crate::model::Location;

/// How sure the fix is to keep the program's meaning, as ruff grades it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Applied by `--fix`.
    Safe,
    /// Applied only with `--unsafe-fixes`: it may change what runs.
    Unsafe,
}

/// Replace the text at `location` (empty for an insertion) with `content`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub location: Location,
    pub content: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, in a few words ("add the agent's test").
    pub message: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Unsafe,
            message: message.into(),
            edits,
        }
    }

    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Safe,
            message: message.into(),
            edits,
        }
    }
}

/// The text with every fix applied whose edits overlap no edit applied
/// before it, in the order given; and how many were applied. A fix whose
/// span falls outside the text (it was made for another version) is skipped.
pub fn apply<'f>(text: &str, fixes: impl IntoIterator<Item = &'f Fix>) -> (String, usize) {
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut applied = 0;
    for fix in fixes {
        let Some(mut spans) = rendered(text, fix) else {
            continue;
        };
        // Two fixes may need the same edit (the import each adds): it is
        // made once, and does not keep the second fix out.
        spans.retain(|span| !edits.contains(span));
        let overlaps = spans.iter().any(|&(s, e, _)| {
            taken
                .iter()
                .any(|&(ts, te)| s < te && ts < e || (s == e && (s == ts || s == te)))
        });
        if overlaps {
            continue;
        }
        for (start, end, content) in spans {
            taken.push((start, end));
            edits.push((start, end, content));
        }
        applied += 1;
    }
    edits.sort_by_key(|&(start, end, _)| (start, end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (start, end, content) in edits {
        out.push_str(&text[at..start]);
        out.push_str(&content);
        at = end;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// A fix's edits as byte spans of `text` and what replaces them, laid out
/// as they will be written; `None` when a span falls outside the text.
pub fn rendered(text: &str, fix: &Fix) -> Option<Vec<(usize, usize, String)>> {
    fix.edits
        .iter()
        .map(|edit| {
            let (start, end) = (edit.location.start as usize, edit.location.end as usize);
            let valid = start <= end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end);
            if !valid {
                return None;
            }
            let (start, end) = whole_lines(text, start, end, &edit.content);
            let content = line_endings(text, &edit.content);
            Some((start, end, layout(text, start, end, &content)))
        })
        .collect()
}

/// A deletion of whole statements (only indentation before it on its first
/// line, nothing after it on its last) takes those lines with it, rather
/// than leaving lines of blanks.
fn whole_lines(text: &str, start: usize, end: usize, content: &str) -> (usize, usize) {
    if !content.is_empty() || start == end {
        return (start, end);
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let blank = |s: &str| {
        s.chars()
            .all(|c| c == ' ' || c == '\t' || c == '\r' || c == '\n')
    };
    if !(blank(&text[line_start..start]) && blank(&text[end..line_end])) {
        return (start, end);
    }
    // The blank line that separated it goes too, when another (or the end
    // of the file) follows: no run of blank lines is left behind.
    let next_end = text[line_end..]
        .find('\n')
        .map_or(text.len(), |i| line_end + i + 1);
    let previous = text[..line_start.saturating_sub(1)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let separated = line_start > 0 && blank(&text[previous..line_start]);
    if separated && (line_end == text.len() || blank(&text[line_end..next_end])) {
        (previous, line_end)
    } else {
        (line_start, line_end)
    }
}

/// `content`'s line breaks as the file writes them: a fix writes `\n`, a
/// file whose first line ends in CRLF gets CRLF.
fn line_endings<'c>(text: &str, content: &'c str) -> std::borrow::Cow<'c, str> {
    let crlf = text.find('\n').is_some_and(|i| text[..i].ends_with('\r'));
    if crlf && content.contains('\n') {
        content.replace("\r\n", "\n").replace('\n', "\r\n").into()
    } else {
        content.into()
    }
}

/// A conjunct (` and x`, or Rust's ` && x`) inserted at the end of a line
/// that itself starts with its operator goes on a line of its own, as the
/// expression is laid out:
///
/// ```text
/// native = (
///     a
///     and b        <- inserted after `b`: a new `and x` line, not `b and x`
/// )
/// ```
fn layout(text: &str, start: usize, end: usize, content: &str) -> String {
    let Some((operator, conjunct)) = ["and", "&&"]
        .into_iter()
        .find_map(|op| Some((op, content.strip_prefix(&format!(" {op} "))?)))
    else {
        return content.to_owned();
    };
    if start != end {
        return content.to_owned();
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let rest = &text[start..line_end];
    let line = &text[line_start..start];
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    if !rest.trim().is_empty() || !line.trim_start().starts_with(&format!("{operator} ")) {
        return content.to_owned();
    }
    let newline = if text[..line_end].ends_with('\r') || text[line_end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    format!("{newline}{indent}{operator} {conjunct}")
}

/// A unified diff of `old` to `new`, named by `path`, as `ruff --diff`
/// prints it; empty when they are equal.
pub fn diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: u32, end: u32) -> Location {
        Location {
            start,
            end,
            ..Location::default()
        }
    }

    fn insert(offset: u32, content: &str) -> Fix {
        Fix::safe(
            "t",
            vec![Edit {
                location: at(offset, offset),
                content: content.into(),
            }],
        )
    }

    #[test]
    fn a_conjunct_follows_the_layout_of_its_expression() {
        let text = "x = (\n    a\n    and b\n)\n";
        let after_b = text.find("and b").unwrap() as u32 + 5;
        let (fixed, n) = apply(text, [&insert(after_b, " and c")]);
        assert_eq!(n, 1);
        assert_eq!(fixed, "x = (\n    a\n    and b\n    and c\n)\n");
        let rust = "if a\n    && b\n{\n";
        let (fixed, _) = apply(rust, [&insert(13, " && c")]);
        assert_eq!(fixed, "if a\n    && b\n    && c\n{\n");
        let inline = "if a and b:\n";
        let (fixed, _) = apply(inline, [&insert(10, " and c")]);
        assert_eq!(fixed, "if a and b and c:\n");
    }

    #[test]
    fn overlapping_and_stale_fixes_are_skipped() {
        let text = "abcdef";
        let replace = |s, e, c: &str| {
            Fix::safe(
                "t",
                vec![Edit {
                    location: at(s, e),
                    content: c.into(),
                }],
            )
        };
        let (fixed, n) = apply(
            text,
            [
                &replace(1, 3, "X"),
                &replace(2, 4, "Y"),
                &replace(4, 99, "Z"),
                &replace(5, 6, ""),
            ],
        );
        assert_eq!((fixed.as_str(), n), ("aXde", 2));
    }

    #[test]
    fn an_edit_two_fixes_share_is_made_once() {
        let import = Edit {
            location: at(0, 0),
            content: "import x\n".into(),
        };
        let fix = |offset: u32| {
            Fix::safe(
                "t",
                vec![
                    import.clone(),
                    Edit {
                        location: at(offset, offset),
                        content: "!".into(),
                    },
                ],
            )
        };
        let (fixed, n) = apply("ab\ncd\n", [&fix(2), &fix(5)]);
        assert_eq!((fixed.as_str(), n), ("import x\nab!\ncd!\n", 2));
    }

    #[test]
    fn a_deleted_statement_takes_its_lines() {
        let text = "class A:\n    x = 1\n\n    async def f(self):\n        pass\n\ny = 2\n";
        let start = text.find("async").unwrap() as u32;
        let end = text.find("pass").unwrap() as u32 + 4;
        let fix = Fix::unsafe_(
            "t",
            vec![Edit {
                location: at(start, end),
                content: String::new(),
            }],
        );
        let (fixed, _) = apply(text, [&fix]);
        assert_eq!(fixed, "class A:\n    x = 1\n\ny = 2\n");
    }

    #[test]
    fn an_inserted_line_ends_as_the_file_s_lines_do() {
        let text = "import a\r\nx = 1";
        let (fixed, _) = apply(text, [&insert(8, "\nimport b")]);
        assert_eq!(fixed, "import a\r\nimport b\r\nx = 1");
        let (fixed, _) = apply("import a\nx = 1", [&insert(8, "\nimport b")]);
        assert_eq!(fixed, "import a\nimport b\nx = 1");
    }

    #[test]
    fn line_endings_are_kept() {
        let text = "x = (\r\n    a\r\n    and b\r\n)\r\n";
        let after_b = text.find("and b").unwrap() as u32 + 5;
        let (fixed, _) = apply(text, [&insert(after_b, " and c")]);
        assert_eq!(fixed, "x = (\r\n    a\r\n    and b\r\n    and c\r\n)\r\n");
    }
}
