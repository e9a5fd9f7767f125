//! Control characters from the analyzed tree, escaped for human outputs.
//!
//! A file name, a comment or a string in the tree may hold terminal control
//! sequences (ESC, OSC, CR, backspace, ...) or Unicode bidirectional
//! controls that reorder what a reader sees. Every human format (`full`,
//! `concise`, `github`, `markdown`, `agents`, `audit`, `route`) passes what
//! it prints from the tree through [`text`] (or [`Frame`] for code frames);
//! the machine formats (JSON, SARIF) stay exact, escaped by serde.
//!
//! One scheme, Rust's: `\n`, `\r`, `\t`; `\x1b` for the other C0 controls
//! and DEL; `\u{9b}` for C1 controls, the bidirectional controls (U+061C,
//! U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the line and paragraph
//! separators (U+2028, U+2029). A backslash is left as it is (source is full
//! of them): the escapes are for reading, not for reversing.

use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;

/// Whether `c` is shown escaped.
pub fn is_escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii() => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `s` with every control character escaped; borrowed when there is none.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_escaped(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as shown to a human: displayed, then escaped.
pub fn path(path: &Path) -> String {
    text(&path.display().to_string()).into_owned()
}

/// A markdown table cell: escaped, a line break as a space, `|` as `\|`
/// (GitHub splits cells on `|` even inside code spans, and unescapes `\|`).
pub fn cell(s: &str) -> String {
    text(&s.replace('\n', " ")).replace('|', "\\|")
}

/// A markdown code span holding `s` escaped: its fence is one backtick longer
/// than the longest run of backticks inside, padded with a space when `s`
/// starts or ends with one. In a table, pass it through [`cell`] as well.
pub fn code(s: &str) -> String {
    let s = text(s);
    let fence = "`".repeat(longest_run(&s, '`') + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A markdown code-block fence for `s`: at least three backticks, and
/// longer than any run of backticks in `s` (a docstring's own fence must
/// not close the block).
pub fn fence(s: &str) -> String {
    "`".repeat((longest_run(s, '`') + 1).max(3))
}

fn longest_run(s: &str, wanted: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == wanted { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Source text for a code frame, escaped as [`text`] escapes, with the byte
/// offsets of the original mapped into it so that labels still point at the
/// same characters. Line ends are kept: `\n`, `\r\n`, and a lone `\r`, which
/// Python reads as a line end (and miette counts as one), becomes `\n` (one
/// byte for one: no shift). Tabs are kept: miette expands them.
pub struct Frame {
    pub text: String,
    /// (original offset of an escaped character, bytes added up to and
    /// including it), in offset order.
    shifts: Vec<(usize, usize)>,
}

impl Frame {
    pub fn new(source: &str) -> Frame {
        let kept = |c: char| matches!(c, '\n' | '\t' | '\r') || !is_escaped(c);
        if source.chars().all(kept) && !has_lone_cr(source) {
            return Frame {
                text: source.to_owned(),
                shifts: Vec::new(),
            };
        }
        let mut text = String::with_capacity(source.len() + 64);
        let mut shifts = Vec::new();
        let mut added = 0;
        let mut chars = source.char_indices().peekable();
        while let Some((offset, c)) = chars.next() {
            match c {
                '\n' | '\t' => text.push(c),
                '\r' if chars.peek().is_some_and(|&(_, next)| next == '\n') => text.push(c),
                '\r' => text.push('\n'),
                c if is_escaped(c) => {
                    let before = text.len();
                    push_escaped(&mut text, c);
                    added += text.len() - before - c.len_utf8();
                    shifts.push((offset, added));
                }
                c => text.push(c),
            }
        }
        Frame { text, shifts }
    }

    /// Where an original byte offset is in the escaped text: a character
    /// that was escaped starts at the start of its escape.
    pub fn offset(&self, original: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _)| at < original);
        original + before.checked_sub(1).map_or(0, |i| self.shifts[i].1)
    }

    /// The escaped (offset, length) of the original bytes `start..end`.
    pub fn span(&self, start: u32, end: u32) -> (usize, usize) {
        let start = self.offset(start as usize);
        let end = self.offset(end as usize).max(start);
        (start, end - start)
    }
}

fn has_lone_cr(source: &str) -> bool {
    let bytes = source.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_only() {
        assert!(matches!(text("plain é ✓ \\x"), Cow::Borrowed(_)));
        assert_eq!(
            text("a\x1b]0;t\x07\r\n\t\x08\x7f\u{85}\u{202e}b"),
            "a\\x1b]0;t\\x07\\r\\n\\t\\x08\\x7f\\u{85}\\u{202e}b"
        );
    }

    #[test]
    fn markdown_cells_and_code_spans() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(code("x.py:1:2"), "`x.py:1:2`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(fence("x ``` y"), "````");
        assert_eq!(fence("x"), "```");
    }

    #[test]
    fn frame_offsets_point_at_the_same_characters() {
        let source = "x = 1  # \x1b[2J\u{202e}\ry = f(z)\r\nw";
        let frame = Frame::new(source);
        assert_eq!(frame.text, "x = 1  # \\x1b[2J\\u{202e}\ny = f(z)\r\nw");
        for word in ["x", "#", "[2J", "y", "f(z)", "w"] {
            let start = source.find(word).unwrap();
            let (at, length) = frame.span(start as u32, (start + word.len()) as u32);
            assert_eq!(&frame.text[at..at + length], word);
        }
        let esc = source.find('\x1b').unwrap() as u32;
        let (at, length) = frame.span(esc, esc + 1);
        assert_eq!(&frame.text[at..at + length], "\\x1b");
        let plain = Frame::new("a\r\nb\tc\n");
        assert_eq!(plain.text, "a\r\nb\tc\n");
        assert_eq!(plain.span(3, 4), (3, 1));
    }

    proptest::proptest! {
        /// Any span of the source maps to the frame text of exactly that
        /// part of the source, and the frame holds no control but line ends
        /// and tabs.
        #[test]
        fn frame_spans_cover_what_they_covered(
            chars in proptest::collection::vec(
                proptest::sample::select(vec!['a', 'é', '✓', '\x1b', '\x07', '\x7f', '\u{9b}', '\u{202e}', '\t', '\n', '\r']),
                0..40,
            ),
            cuts in (0usize..41, 0usize..41),
        ) {
            let source: String = chars.iter().collect();
            let bounds: Vec<usize> = source
                .char_indices()
                .map(|(i, _)| i)
                .chain([source.len()])
                .filter(|&i| !(i > 0 && source[..i].ends_with('\r') && source[i..].starts_with('\n')))
                .collect();
            let (a, b) = (bounds[cuts.0 % bounds.len()], bounds[cuts.1 % bounds.len()]);
            let (a, b) = (a.min(b), a.max(b));
            let frame = Frame::new(&source);
            let (at, length) = frame.span(a as u32, b as u32);
            proptest::prop_assert_eq!(&frame.text[at..at + length], Frame::new(&source[a..b]).text);
            let bare_cr = frame.text.replace("\r\n", "").contains('\r');
            let other = frame.text.chars().any(|c| is_escaped(c) && !matches!(c, '\n' | '\t' | '\r'));
            proptest::prop_assert!(!bare_cr && !other);
        }
    }
}
