//! Suppression comments: `# noqa: DL001`, `# dispatchlint: ignore[DL001]`,
//! `# dispatchlint: ignore-file[DL004]` (and `//` forms in Rust).
//!
//! A comment alone on its line applies to the next line; a trailing comment
//! to its own. Codes that are not ours (`# noqa: E501`) are left alone.

use crate::model::{Location, Suppression};

/// Our codes: `DL` and three digits.
pub fn is_our_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with("DL") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

/// Suppressions from `(comment text, location)` pairs of one file.
pub fn parse_comments<'a>(
    comments: impl Iterator<Item = (&'a str, Location)>,
    text: &str,
) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (comment, location) in comments {
        let body = comment.trim_start_matches(['#', '/']).trim();
        let Some((codes, whole_file)) = codes_in(body) else {
            continue;
        };
        let codes: Vec<String> = codes.into_iter().filter(|c| is_our_code(c)).collect();
        if codes.is_empty() {
            continue;
        }
        let line = if whole_file {
            None
        } else if stands_alone(text, location.start as usize) {
            Some(location.line + 1)
        } else {
            Some(location.line)
        };
        found.push(Suppression {
            codes,
            line,
            location,
        });
    }
    found
}

/// The codes named by a suppression comment body, and whether it covers the file.
fn codes_in(body: &str) -> Option<(Vec<String>, bool)> {
    let split = |list: &str| -> Vec<String> {
        list.split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    if let Some(at) = body.find("noqa:") {
        let rest = &body[at + "noqa:".len()..];
        let end = rest.find('#').unwrap_or(rest.len());
        return Some((split(&rest[..end]), false));
    }
    let rest = body.strip_prefix("dispatchlint:")?.trim_start();
    let (whole_file, rest) = match rest.strip_prefix("ignore-file[") {
        Some(rest) => (true, rest),
        None => (false, rest.strip_prefix("ignore[")?),
    };
    let list = &rest[..rest.find(']')?];
    Some((split(list), whole_file))
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
        parse_comments(comments.collect::<Vec<_>>().into_iter(), text)
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
}
