//! Suppression comments: `# noqa: DL001`, a bare `# noqa`,
//! `# dispatchlint: ignore[DL001]`, `# dispatchlint: ignore-file[DL004]`
//! (and `//` forms in Rust).
//!
//! A comment alone on its line applies to the next line; a trailing comment
//! to its own. Codes that are not ours (`# noqa: E501`) are left alone; a
//! bare `# noqa` covers every code on its line, as in ruff. A comment that
//! means to be ours but is malformed (`ignore-file` without codes,
//! `ignore-file[]`, `[dl004]`, `[DL9]`) is kept with the reason, so that
//! DL900 reports it instead of it silently suppressing nothing.

use crate::model::{Location, Suppression};

/// Our codes: `DL` and three digits.
pub fn is_our_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with("DL") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

/// What one comment says.
#[derive(Debug, Default, PartialEq)]
struct Directive {
    codes: Vec<String>,
    whole_file: bool,
    all: bool,
    malformed: Option<String>,
}

/// Suppressions from the comments of one file: each comment's text, and
/// how to find its location (asked only of the few that hold a directive:
/// a file's comments are many, and a location costs a line lookup).
pub fn parse_comments<'a, L: FnOnce() -> Location>(
    comments: impl Iterator<Item = (&'a str, L)>,
    text: &str,
) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (comment, locate) in comments {
        let Some(directive) = directive(comment) else {
            continue;
        };
        let location = locate();
        let line = if directive.whole_file {
            None
        } else if stands_alone(text, location.start as usize) {
            Some(location.line + 1)
        } else {
            Some(location.line)
        };
        found.push(Suppression {
            codes: directive.codes,
            all: directive.all,
            malformed: directive.malformed,
            line,
            location,
        });
    }
    found
}

/// The directive in a comment, when it has one of ours. A comment may hold
/// several (`# type: ignore  # noqa: DL001`): each `#` or `//` starts one.
fn directive(comment: &str) -> Option<Directive> {
    // Rust doc comments are documentation: they may quote a directive.
    if comment.starts_with("///") || comment.starts_with("//!") {
        return None;
    }
    let comment = comment.trim_start_matches('/');
    comment
        .split('#')
        .flat_map(|part| part.split("//"))
        .map(str::trim)
        .find_map(|part| noqa(part).or_else(|| ours(part)))
}

/// `noqa`, `noqa: CODES` (case-insensitive, as ruff reads it).
fn noqa(part: &str) -> Option<Directive> {
    let head = part.get(..4)?;
    if !head.eq_ignore_ascii_case("noqa") {
        return None;
    }
    let rest = &part[4..];
    let Some(list) = rest.trim_start().strip_prefix(':') else {
        // Bare: nothing after it, or a space and a reason; a longer word is not it.
        return (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| Directive {
            all: true,
            ..Directive::default()
        });
    };
    let mut directive = Directive::default();
    let mut bad = Vec::new();
    for token in split(list) {
        if is_our_code(token) {
            directive.codes.push(token.to_owned());
        } else if looks_ours(token) {
            bad.push(token);
        }
    }
    if directive.codes.is_empty() && bad.is_empty() {
        return None; // other tools' codes only
    }
    if !bad.is_empty() {
        directive.malformed = Some(bad_codes(&bad));
    }
    Some(directive)
}

/// `dispatchlint: ignore[CODES]`, `dispatchlint: ignore-file[CODES]`.
fn ours(part: &str) -> Option<Directive> {
    let head = part.get(.."dispatchlint:".len())?;
    if !head.eq_ignore_ascii_case("dispatchlint:") {
        return None;
    }
    let rest = part[head.len()..].trim_start();
    let mut directive = Directive::default();
    let (keyword, after) = match rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        Some(end) => rest.split_at(end),
        None => (rest, ""),
    };
    directive.whole_file = keyword == "ignore-file";
    if keyword != "ignore" && !directive.whole_file {
        directive.malformed = Some(format!(
            "`dispatchlint: {}` is not a directive: write `dispatchlint: ignore[DL001]` or `dispatchlint: ignore-file[DL001]`",
            rest.chars().take(40).collect::<String>()
        ));
        return Some(directive);
    }
    let list = after
        .trim_start()
        .strip_prefix('[')
        .and_then(|inside| Some(&inside[..inside.find(']')?]));
    let Some(list) = list else {
        directive.malformed = Some(format!(
            "`dispatchlint: {keyword}` names no codes: write `dispatchlint: {keyword}[DL001]`"
        ));
        return Some(directive);
    };
    let mut bad = Vec::new();
    for token in split(list) {
        if is_our_code(token) {
            directive.codes.push(token.to_owned());
        } else {
            bad.push(token);
        }
    }
    if !bad.is_empty() {
        directive.malformed = Some(bad_codes(&bad));
    } else if directive.codes.is_empty() {
        directive.malformed = Some(format!(
            "`dispatchlint: {keyword}[]` names no codes: write `dispatchlint: {keyword}[DL001]`"
        ));
    }
    Some(directive)
}

/// The codes of a list, as ruff reads them: words separated by commas and
/// spaces, up to the first character that can be in neither (so that
/// `# noqa: DL001 (reason)` and a quoted ``noqa: DL001` `` read `DL001`).
fn split(list: &str) -> Vec<&str> {
    let mut codes = Vec::new();
    for token in list.split([',', ' ', '\t']).filter(|c| !c.is_empty()) {
        let end = token
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(token.len());
        if end > 0 {
            codes.push(&token[..end]);
        }
        if end < token.len() {
            break;
        }
    }
    codes
}

/// A token that means to be one of our codes but is not one (`dl004`, `DL9`).
fn looks_ours(token: &str) -> bool {
    token.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("DL"))
}

fn bad_codes(bad: &[&str]) -> String {
    let quoted: Vec<String> = bad
        .iter()
        .map(|t| format!("`{}`", t.chars().take(20).collect::<String>()))
        .collect();
    format!(
        "{} {} not a dispatchlint code (`DL` and three digits, upper case, e.g. `DL001`)",
        quoted.join(", "),
        if bad.len() == 1 { "is" } else { "are" }
    )
}

/// Whether only whitespace precedes `offset` on its line.
fn stands_alone(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    text[line_start..offset].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Suppression> {
        let comments = text.match_indices('#').map(|(at, _)| {
            let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
            let line = text[..at].matches('\n').count() as u32 + 1;
            (
                &text[at..end],
                Location {
                    start: at as u32,
                    end: end as u32,
                    line,
                    ..Default::default()
                },
            )
        });
        // One comment per line, as a tokenizer gives them.
        let mut seen = std::collections::HashSet::new();
        let comments: Vec<_> = comments.filter(|(_, l)| seen.insert(l.line)).collect();
        parse_comments(comments.into_iter().map(|(c, l)| (c, move || l)), text)
    }

    #[test]
    fn trailing_applies_to_its_line_standalone_to_the_next() {
        let found =
            parse("x = 1  # noqa: DL001\n    # dispatchlint: ignore[DL002, DL003]\ny = 2\n");
        assert_eq!(found[0].line, Some(1));
        assert_eq!(found[0].codes, ["DL001"]);
        assert_eq!(found[1].line, Some(3));
        assert_eq!(found[1].codes, ["DL002", "DL003"]);
    }

    #[test]
    fn other_tools_codes_are_ignored_and_file_wide_works() {
        let found = parse("x = 1  # noqa: E501\n# dispatchlint: ignore-file[DL004]\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, None);
    }

    #[test]
    fn bare_noqa_covers_every_code_of_its_line() {
        for text in [
            "x = 1  # noqa\n",
            "x = 1  # NOQA\n",
            "x = 1  # type: ignore  # noqa\n",
        ] {
            let found = parse(text);
            assert_eq!(found.len(), 1, "{text}");
            assert!(found[0].all && found[0].malformed.is_none(), "{text}");
        }
        assert!(parse("x = 1  # noqactl\n").is_empty());
        assert!(parse("x = 1  # see noqa docs\n").is_empty());
    }

    #[test]
    fn malformed_directives_are_kept_with_the_reason() {
        for text in [
            "# dispatchlint: ignore-file\n",
            "# dispatchlint: ignore-file[]\n",
            "# dispatchlint: ignore[dl004]\n",
            "# dispatchlint: ignore[DL9]\n",
            "# dispatchlint: ignroe[DL001]\n",
            "x = 1  # noqa: dl004\n",
        ] {
            let found = parse(text);
            assert_eq!(found.len(), 1, "{text}");
            assert!(found[0].codes.is_empty(), "{text}");
            assert!(found[0].malformed.is_some(), "{text}");
        }
        // A malformed code beside a good one: the good one still works.
        let found = parse("x = 1  # dispatchlint: ignore[DL001, DL9]\n");
        assert_eq!(found[0].codes, ["DL001"]);
        assert!(found[0].malformed.as_deref().unwrap().contains("`DL9`"));
        // Quoted in prose, or followed by a reason: the codes up to there.
        let found = parse("x = 1  # see `# noqa: DL001`, and `E501`\n");
        assert_eq!(found[0].codes, ["DL001"]);
        assert!(found[0].malformed.is_none());
    }

    #[test]
    fn rust_doc_comments_are_not_directives() {
        assert!(directive("//! `# noqa: DL001` suppresses DL001").is_none());
        assert!(directive("/// `// dispatchlint: ignore-file`").is_none());
        assert!(directive("// noqa: DL101").is_some());
    }
}
