//! DL900 unused-suppression: a suppression comment that suppresses nothing.
//! The suppression pass (`lint.rs`) produces it; no check runs for it.

use super::{Rule, Severity};
use crate::fix::{Edit, Fix};
use crate::model::Location;

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL900",
    name: "unused-suppression",
    summary: "a suppression comment that suppresses nothing",
    severity: Severity::Warning,
    docs: include_str!("../../rules/docs/DL900.md"),
    check: None,
};

/// The fix of an unused suppression (safe, as ruff's RUF100): the codes
/// that suppress nothing leave the comment, and a comment left without a
/// code goes, with its line when it stands alone. `# noqa: A, B` and
/// `# dispatchlint: ignore[A, B]` are rewritten; anything else in the
/// comment (and a bare `noqa`, which may serve another linter) is left.
pub fn fix(text: &str, comment: Location, unused: &[&str]) -> Option<Fix> {
    let (start, end) = (comment.start as usize, comment.end as usize);
    let written = text.get(start..end)?;
    let body = written.strip_prefix('#')?.trim();
    let (codes, rebuild): (&str, fn(&str) -> String) =
        if let Some(codes) = strip_prefix_ci(body, "noqa:") {
            (codes, |kept| format!("# noqa: {kept}"))
        } else if let Some(inner) = body
            .strip_prefix("dispatchlint: ignore[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            (inner, |kept| format!("# dispatchlint: ignore[{kept}]"))
        } else {
            return None;
        };
    let all: Vec<&str> = codes
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    // Only a list of codes (`E501`, `DL001`, `RUF100`) is rewritten: a
    // comment that says more is the author's to edit.
    let is_code = |c: &&str| {
        let digits = c.trim_start_matches(|ch: char| ch.is_ascii_alphabetic());
        digits.len() < c.len() && !digits.is_empty() && digits.chars().all(|ch| ch.is_ascii_digit())
    };
    if !all.iter().all(is_code) {
        return None;
    }
    let kept: Vec<&str> = all
        .iter()
        .copied()
        .filter(|c| !unused.iter().any(|u| u.eq_ignore_ascii_case(c)))
        .collect();
    if kept.len() == all.len() {
        return None;
    }
    let edit = if kept.is_empty() {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..start];
        if before.trim().is_empty() {
            // A comment on a line of its own: the whole line goes.
            let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
            span(line_start, line_end, text)
        } else {
            let trimmed = before.trim_end_matches([' ', '\t']).len();
            span(line_start + trimmed, end, text)
        }
    } else {
        Edit {
            location: comment,
            content: rebuild(&kept.join(", ")),
        }
    };
    Some(Fix::safe("remove the unused suppression", vec![edit]))
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// An edit that deletes `start..end` of `text`.
fn span(start: usize, end: usize, text: &str) -> Edit {
    let line = |offset: usize| text[..offset].matches('\n').count() as u32 + 1;
    let column = |offset: usize| {
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        text[line_start..offset].chars().count() as u32 + 1
    };
    Edit {
        location: Location {
            start: start as u32,
            end: end as u32,
            line: line(start),
            column: column(start),
            end_line: line(end),
            end_column: column(end),
        },
        content: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(text: &str, unused: &[&str]) -> Option<String> {
        let start = text.find('#')?;
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let comment = Location {
            start: start as u32,
            end: end as u32,
            ..Location::default()
        };
        let fix = fix(text, comment, unused)?;
        Some(crate::fix::apply(text, [&fix]).0)
    }

    #[test]
    fn unused_codes_leave_the_comment_and_an_empty_comment_goes() {
        assert_eq!(
            fixed("x = 1  # noqa: DL001\n", &["DL001"]).unwrap(),
            "x = 1\n"
        );
        assert_eq!(
            fixed("x = 1  # noqa: DL001, E501\n", &["DL001"]).unwrap(),
            "x = 1  # noqa: E501\n"
        );
        assert_eq!(
            fixed("a\n    # dispatchlint: ignore[DL003]\nb\n", &["DL003"]).unwrap(),
            "a\nb\n"
        );
        assert_eq!(
            fixed("x  # dispatchlint: ignore[DL001, DL002]\n", &["DL002"]).unwrap(),
            "x  # dispatchlint: ignore[DL001]\n"
        );
        assert_eq!(fixed("x  # noqa\n", &[]), None);
        assert_eq!(
            fixed("x  # noqa: DL001 because reasons\n", &["DL001"]),
            None
        );
    }
}
