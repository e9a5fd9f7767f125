//! Small readings of Python syntax that the extractor, the function-body
//! flow and the inert scan share: byte ranges to locations, dotted names,
//! the nesting bound, and the two statements that patch or hide classes.

use ruff_python_ast::Expr;
use ruff_source_file::LineIndex;
use ruff_text_size::TextRange;

use crate::model::Location;

/// Nesting deeper than this is not followed: real code never gets close, and
/// hostile input must not overflow the stack.
pub const MAX_DEPTH: usize = 200;

/// Turns byte ranges into [`Location`]s.
pub struct Locator<'a> {
    text: &'a str,
    /// Built on the first location asked for: many files (package
    /// `__init__`s, modules of plain functions) never ask.
    index: std::cell::OnceCell<LineIndex>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            index: std::cell::OnceCell::new(),
        }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    pub fn location(&self, range: TextRange) -> Location {
        let index = self
            .index
            .get_or_init(|| LineIndex::from_source_text(self.text));
        let start = index.line_column(range.start(), self.text);
        // Most ranges end on the line they start on: their end column is
        // counted on from the start's, without a second search for the line
        // (a BOM on the first line is the one place columns do not add up).
        let (end_line, end_column) = if range.end() < index.line_end(start.line, self.text)
            && !(start.line.get() == 1 && self.text.starts_with('\u{feff}'))
        {
            let between = self.text[range].chars().count();
            (start.line.get(), start.column.get() + between)
        } else {
            let end = index.line_column(range.end(), self.text);
            (end.line.get(), end.column.get())
        };
        Location {
            start: range.start().to_u32(),
            end: range.end().to_u32(),
            line: start.line.get() as u32,
            column: start.column.get() as u32,
            end_line: end_line as u32,
            end_column: end_column as u32,
        }
    }

    pub fn slice(&self, range: TextRange) -> &'a str {
        &self.text[range]
    }
}

/// The dotted parts of `a.b.c`, or `None` for anything else.
pub fn dotted(expr: &Expr) -> Option<Vec<String>> {
    dotted_parts(expr, true)
}

/// The parts of `a.b.c` after the first (`["b", "c"]`), or `None` for
/// anything else: a call's path on its receiver, which is left out.
pub fn dotted_tail(expr: &Expr) -> Option<Vec<String>> {
    dotted_parts(expr, false)
}

fn dotted_parts(expr: &Expr, with_head: bool) -> Option<Vec<String>> {
    // Sized before it is filled: facts hold these paths for the whole run,
    // and a vector grown by pushes holds room for four.
    let mut length = usize::from(with_head);
    let mut end = expr;
    while let Expr::Attribute(attr) = end {
        length += 1;
        end = &attr.value;
    }
    if !end.is_name_expr() {
        return None;
    }
    let mut parts = Vec::with_capacity(length);
    let mut current = expr;
    loop {
        match current {
            Expr::Name(name) => {
                if with_head {
                    parts.push(name.id.to_string());
                }
                parts.reverse();
                return Some(parts);
            }
            Expr::Attribute(attr) => {
                parts.push(attr.attr.id.to_string());
                current = &attr.value;
            }
            _ => return None,
        }
    }
}

/// `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`, any dotted path to it):
/// a block never executed at run time.
pub fn is_type_checking(test: &Expr) -> bool {
    // Read without allocating: the inert scan asks of every `if` it meets.
    let last = match test {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attr) if is_dotted(&attr.value) => attr.attr.id.as_str(),
        _ => return false,
    };
    last == "TYPE_CHECKING"
}

/// Whether `expr` is a dotted name (`a`, `a.b.c`).
fn is_dotted(mut expr: &Expr) -> bool {
    loop {
        match expr {
            Expr::Name(_) => return true,
            Expr::Attribute(attr) => expr = &attr.value,
            _ => return false,
        }
    }
}

/// `setattr(...)`, the builtin called by its bare name.
pub fn is_setattr(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if matches!(&*call.func, Expr::Name(name) if name.id.as_str() == "setattr"))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ruff_source_file::LineIndex;
    use ruff_text_size::{TextRange, TextSize};

    use super::Locator;

    proptest! {
        /// An end on the start's line is counted on from the start; the
        /// answer must be ruff's own for both ends.
        #[test]
        fn locations_agree_with_ruffs_line_index(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("\n"), Just("\r"), Just("\r\n"), Just("x"), Just("ab"),
                    Just("é"), Just("€"), Just("\u{feff}"), Just("    "),
                ],
                0..60,
            ),
            ends in proptest::collection::vec((0usize..400, 0usize..400), 1..20),
        ) {
            let text = parts.concat();
            let boundaries: Vec<usize> =
                text.char_indices().map(|(at, _)| at).chain([text.len()]).collect();
            let index = LineIndex::from_source_text(&text);
            let locator = Locator::new(&text);
            for (a, b) in ends {
                let a = boundaries[a % boundaries.len()];
                let b = boundaries[b % boundaries.len()];
                let range = TextRange::new(
                    TextSize::try_from(a.min(b)).unwrap(),
                    TextSize::try_from(a.max(b)).unwrap(),
                );
                let location = locator.location(range);
                let start = index.line_column(range.start(), &text);
                let end = index.line_column(range.end(), &text);
                prop_assert_eq!(
                    (location.line, location.column, location.end_line, location.end_column),
                    (
                        start.line.get() as u32,
                        start.column.get() as u32,
                        end.line.get() as u32,
                        end.column.get() as u32
                    ),
                    "{:?} in {:?}", range, text
                );
            }
        }
    }
}
