//! Source decoding per PEP 263: a UTF-8 BOM, or a `coding` declaration on
//! one of the first two lines, or UTF-8.

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

pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(DecodeError {
            message: "file starts with a UTF-16 byte order mark; Python source must be UTF-8 or declare an ASCII-compatible encoding (PEP 263)".into(),
            line: Some(1),
            column: Some(1),
        });
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return utf8(rest);
    }
    match declared_encoding(bytes) {
        Some(label) => {
            let normalized = label.to_ascii_lowercase().replace('_', "-");
            if normalized == "utf-8" || normalized == "utf8" || normalized.starts_with("utf-8-") {
                return utf8(bytes);
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
            Ok(text.into_owned())
        }
        None => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
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
    fn bom_is_stripped() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1\n").unwrap(), "x = 1\n");
    }
}
