//! The only file that talks to ruff's parser. An upgrade of the pinned ruff
//! crates should touch nothing else.

pub use ruff_python_ast as ast;
use ruff_python_ast::PySourceType;
use ruff_text_size::{Ranged, TextRange};

/// One syntax error, with its range in the decoded text.
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
}

/// A parsed module: the recovered tree, every syntax error, and the ranges
/// of the comments (for suppressions).
pub struct Parsed {
    pub module: ast::ModModule,
    pub errors: Vec<SyntaxError>,
    pub comments: Vec<TextRange>,
}

/// Parses a module. Ruff's parser recovers from errors; we return the
/// recovered tree together with every error so that the caller decides.
pub fn parse_module(text: &str) -> Parsed {
    let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
    let comments = parsed
        .tokens()
        .iter()
        .filter(|token| token.kind() == ast::token::TokenKind::Comment)
        .map(|token| token.range())
        .collect();
    let errors = parsed
        .errors()
        .iter()
        .map(|error| SyntaxError {
            message: error.error.to_string(),
            range: error.location,
        })
        .collect();
    Parsed {
        module: parsed.into_syntax(),
        errors,
        comments,
    }
}
