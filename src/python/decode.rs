//! Source decoding per PEP 263: a UTF-8 BOM, or a `coding` declaration on
//! one of the first two lines, or UTF-8.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// Why a file's bytes could not be turned into text.
#[derive(Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub message: String,
    /// One-based line of the first bad byte, when known.
    pub line: Option<u32>,
    pub column: Option<u32>,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How a source file's text is stored, so that a fix can write it back as
/// it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8 {
        bom: bool,
    },
    /// The encoding its `coding` declaration names, and the label it used.
    Declared(&'static Encoding, String),
}

pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    decode_with(bytes).map(|(text, _)| text)
}

/// The text as [`decode`] makes it, and how to encode it again.
pub fn decode_with(bytes: &[u8]) -> Result<(String, SourceEncoding), DecodeError> {
    decode_borrowed(bytes).map(|(text, encoding)| (text.into_owned(), encoding))
}

/// [`decode_with`], borrowing the bytes when they are the text (UTF-8,
/// nearly every file): a run reads every file once and copies none.
pub fn decode_borrowed(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), DecodeError> {
    let as_utf8 =
        |bytes, bom| utf8(bytes).map(|text| (Cow::Borrowed(text), SourceEncoding::Utf8 { bom }));
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(DecodeError {
            message: "file starts with a UTF-16 byte order mark; Python source must be UTF-8 or declare an ASCII-compatible encoding (PEP 263)".into(),
            line: Some(1),
            column: Some(1),
        });
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return as_utf8(rest, true);
    }
    match declared_encoding(bytes) {
        Some(label) => {
            let normalized = label.to_ascii_lowercase().replace('_', "-");
            if normalized == "utf-8" || normalized == "utf8" || normalized.starts_with("utf-8-") {
                return as_utf8(bytes, false);
            }
            // encoding_rs follows the WHATWG labels, where latin-1 means
            // windows-1252; the two differ only in C1 controls, which do not
            // occur in real source.
            let lookup = match normalized.as_str() {
                "latin-1" | "iso-8859-1" | "iso8859-1" | "l1" => "iso-8859-1",
                other => other,
            };
            let Some(encoding) = Encoding::for_label(lookup.as_bytes()) else {
                return Err(DecodeError {
                    message: format!("unknown encoding in coding declaration: {label}"),
                    line: Some(1),
                    column: Some(1),
                });
            };
            let (text, _, had_errors) = encoding.decode(bytes);
            if had_errors {
                return Err(DecodeError {
                    message: format!("invalid {label} byte sequence"),
                    line: None,
                    column: None,
                });
            }
            Ok((
                Cow::Owned(text.into_owned()),
                SourceEncoding::Declared(encoding, label),
            ))
        }
        None => as_utf8(bytes, false),
    }
}

/// `text` as bytes in `encoding`; an error names the first character it
/// cannot hold.
pub fn encode(text: &str, encoding: &SourceEncoding) -> Result<Vec<u8>, String> {
    match encoding {
        SourceEncoding::Utf8 { bom } => {
            let mut out = Vec::with_capacity(text.len() + 3);
            if *bom {
                out.extend_from_slice(UTF8_BOM);
            }
            out.extend_from_slice(text.as_bytes());
            Ok(out)
        }
        SourceEncoding::Declared(encoding, label) => {
            // encoding_rs writes what it cannot encode as an HTML character
            // reference; that must never reach a source file.
            let (bytes, _, unmappable) = encoding.encode(text);
            if !unmappable {
                return Ok(bytes.into_owned());
            }
            let bad = text
                .chars()
                .find(|c| {
                    let mut buffer = [0; 4];
                    encoding.encode(c.encode_utf8(&mut buffer)).2
                })
                .unwrap_or('?');
            Err(format!(
                "the file's encoding ({label}) cannot hold {bad:?} (U+{:04X})",
                bad as u32
            ))
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(error) => {
            let good = &bytes[..error.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
            Err(DecodeError {
                message: format!(
                    "invalid UTF-8 at byte {} and no coding declaration (PEP 263)",
                    error.valid_up_to()
                ),
                line: Some(line),
                column: Some(column),
            })
        }
    }
}

/// The encoding named by a `coding[:=]` comment on line 1 or 2 (PEP 263).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n');
    for _ in 0..2 {
        let line = lines.next()?;
        let text = String::from_utf8_lossy(line);
        let trimmed = text.trim_start();
        if !trimmed.starts_with('#') {
            // Only a comment (or a blank line before it) may declare the encoding.
            if trimmed.is_empty() {
                continue;
            }
            return None;
        }
        if let Some(label) = coding_label(trimmed) {
            return Some(label);
        }
    }
    None
}

fn coding_label(comment: &str) -> Option<String> {
    let at = comment.find("coding")?;
    let rest = &comment[at + "coding".len()..];
    let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
    let label: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!label.is_empty()).then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_declaration_decodes() {
        let bytes = b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n";
        let text = decode(bytes).unwrap();
        assert!(text.contains("été"));
    }

    #[test]
    fn invalid_utf8_reports_line_and_column() {
        let error = decode(b"x = 1\ny = '\xff'\n").unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(6)));
    }

    #[test]
    fn utf16_is_rejected_with_a_reason() {
        assert!(decode(b"\xFF\xFEx\0")
            .unwrap_err()
            .message
            .contains("UTF-16"));
    }

    #[test]
    fn declaration_after_code_is_ignored() {
        assert!(decode(b"x = 1\n# coding: latin-1\n\xe9").is_err());
    }

    #[test]
    fn latin_1_text_is_encoded_back_and_what_it_cannot_hold_is_named() {
        let bytes = b"# coding: latin-1\nname = '\xe9t\xe9'\n";
        let (text, encoding) = decode_with(bytes).unwrap();
        assert_eq!(encode(&text, &encoding).unwrap(), bytes);
        let error = encode(&format!("{text}x = '\u{3c9}'\n"), &encoding).unwrap_err();
        assert_eq!(
            error,
            "the file's encoding (latin-1) cannot hold '\u{3c9}' (U+03C9)"
        );
        let (text, bom) = decode_with(b"\xEF\xBB\xBFx = 1\n").unwrap();
        assert_eq!(encode(&text, &bom).unwrap(), b"\xEF\xBB\xBFx = 1\n");
    }

    #[test]
    fn bom_is_stripped() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1\n").unwrap(), "x = 1\n");
    }
}
