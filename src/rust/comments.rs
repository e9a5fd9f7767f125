//! `//` comments of a Rust file, for suppressions. `syn` drops comments, so
//! this scans the text itself, skipping string, raw string, byte string and
//! char literals (so that `"// dispatchlint: ignore[DL101]"` in a string is
//! not a suppression) and nested block comments.

use crate::model::Location;

/// Each line comment's text (from `//` to the end of the line) and location.
pub fn line_comments(text: &str) -> Vec<(&str, Location)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
                found.push((&text[i..end], locate(text, i, end)));
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'r' | b'b' if starts_raw_string(bytes, i) && !ident_before(bytes, i) => {
                i = skip_raw_string(bytes, i)
            }
            b'"' => i = skip_string(bytes, i + 1),
            b'\'' => i = skip_char(bytes, i),
            _ => i += 1,
        }
    }
    found
}

fn locate(text: &str, start: usize, end: usize) -> Location {
    let line = text[..start].matches('\n').count() as u32 + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
    let column = text[line_start..start].chars().count() as u32 + 1;
    Location {
        start: start as u32,
        end: end as u32,
        line,
        column,
        end_line: line,
        end_column: column + text[start..end].chars().count() as u32,
    }
}

fn ident_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

/// `r"`, `r#"`, `br"`, `br#"`.
fn starts_raw_string(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    if bytes[j] == b'b' {
        j += 1;
    }
    if bytes.get(j) != Some(&b'r') {
        return false;
    }
    j += 1;
    while bytes.get(j) == Some(&b'#') {
        j += 1;
    }
    bytes.get(j) == Some(&b'"')
}

fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    while bytes[i] != b'r' {
        i += 1;
    }
    i += 1;
    let mut hashes = 0;
    while bytes[i] == b'#' {
        hashes += 1;
        i += 1;
    }
    i += 1; // the opening quote
    while i < bytes.len() {
        let closes = bytes
            .get(i + 1..i + 1 + hashes)
            .is_some_and(|h| h.iter().all(|&b| b == b'#'));
        if bytes[i] == b'"' && closes {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// From just after the opening quote to just after the closing one.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A char literal (`'"'`, `'\''`) or a lifetime (`'a`), which has no closing quote.
fn skip_char(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 2;
            while j < bytes.len() && bytes[j] != b'\'' && bytes[j] != b'\n' {
                j += 1;
            }
            j + 1
        }
        Some(_) => {
            // One character (possibly several bytes) then a quote, else a lifetime.
            let width = utf8_width(bytes[i + 1]);
            if bytes.get(i + 1 + width) == Some(&b'\'') {
                i + 2 + width
            } else {
                i + 1
            }
        }
        None => i + 1,
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<(&str, u32)> {
        line_comments(source)
            .into_iter()
            .map(|(t, l)| (t, l.line))
            .collect()
    }

    #[test]
    fn strings_chars_and_block_comments_hide_slashes() {
        let source = concat!(
            "let a = \"// not a comment\"; // one\n",
            "let b = r#\"// \"raw\" \"#; let c = '\"'; // two\n",
            "/* // /* nested */ still */ fn f<'a>(x: &'a str) {} // three\n",
            "let d = b\"\\\"//\"; let e = '\\''; // four\n",
        );
        assert_eq!(
            texts(source),
            [
                ("// one", 1),
                ("// two", 2),
                ("// three", 3),
                ("// four", 4)
            ]
        );
    }
}
