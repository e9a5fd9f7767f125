//! Between the analysis's places (byte offsets, paths) and the protocol's
//! (UTF-16 positions, `file:` URIs).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, Range, Uri};

/// The path a `file:` URI names.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

/// The `file:` URI of an absolute path.
pub fn uri_of(path: &Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    Uri::from_str(url.as_str()).ok()
}

/// Where lines start, to turn byte offsets into positions and back.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        Lines { text, starts }
    }

    /// The position of a byte offset: its line, and its column in UTF-16
    /// code units (the protocol's default encoding).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column: usize = self.text[start..end].chars().map(char::len_utf16).sum();
        Position::new(line as u32, column as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The text of a line, without its end.
    pub fn line(&self, line: usize) -> &'a str {
        let Some(&start) = self.starts.get(line) else {
            return "";
        };
        let end = self.starts.get(line + 1).map_or(self.text.len(), |n| n - 1);
        self.text[start..end].trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "a = 1\nb = \"é𝄞\" + x\n";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        // `é` is one unit, `𝄞` two.
        assert_eq!(lines.position(x), Position::new(1, 12));
        assert_eq!(lines.position(0), Position::new(0, 0));
        assert_eq!(lines.line(1), "b = \"é𝄞\" + x");
    }

    #[test]
    fn uris_and_paths_round_trip() {
        let path = Path::new("/tmp/a dir/b#c.py");
        let uri = uri_of(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/b%23c.py");
        assert_eq!(path_of(&uri).unwrap(), path);
    }
}
