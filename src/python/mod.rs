//! The Python front end: decode, parse, and extract facts from one file.

pub mod decode;
pub mod facts;
pub mod flow;
pub mod modules;
pub mod nodes;
pub mod parse;
pub mod resolve;

use std::path::Path;

use crate::model::{FileFacts, InputDiagnostic, Language};

use facts::{Extractor, Locator};

pub const SYNTAX_ERROR: &str = "DL000";

/// Facts for one Python file, named by where it sits under `root`. Never
/// fails: unreadable, undecodable and unparsable input becomes a DL000
/// diagnostic in the facts.
pub fn extract(display: &Path, path: &Path, root: &Path) -> FileFacts {
    let (module, is_package) = modules::module_name(path, root);
    extract_as(display, path, module, is_package)
}

/// Facts for one Python file whose module name is already known.
pub fn extract_as(display: &Path, path: &Path, module: String, is_package: bool) -> FileFacts {
    let mut facts = FileFacts::empty(display.to_path_buf(), Language::Python, module);
    facts.is_package = is_package;
    match read_source(path) {
        Ok(text) => from_text(facts, &text),
        Err(diagnostic) => {
            facts.diagnostics.push(diagnostic);
            facts
        }
    }
}

/// Reads and decodes a source file (PEP 263).
pub fn read_source(path: &Path) -> Result<String, InputDiagnostic> {
    let bytes = std::fs::read(path).map_err(|error| InputDiagnostic {
        code: SYNTAX_ERROR,
        message: format!("cannot read file: {error}"),
        location: None,
    })?;
    decode::decode(&bytes).map_err(|error| InputDiagnostic {
        code: SYNTAX_ERROR,
        message: format!("cannot decode file: {}", error.message),
        location: error.line.map(|line| crate::model::Location {
            line,
            column: error.column.unwrap_or(1),
            end_line: line,
            end_column: error.column.unwrap_or(1),
            ..Default::default()
        }),
    })
}

/// Facts from already decoded text.
pub fn from_text(mut facts: FileFacts, text: &str) -> FileFacts {
    let locator = Locator::new(text);
    let parsed = parse::parse_module(text);
    if !parsed.errors.is_empty() {
        // The first error is the one to fix; the parser's recovery makes the
        // ones after it mostly echoes of it.
        if let Some(error) = parsed.errors.first() {
            facts.diagnostics.push(InputDiagnostic {
                code: SYNTAX_ERROR,
                message: format!("syntax error: {}", error.message),
                location: Some(locator.location(error.range)),
            });
        }
        // A recovered tree may hold half a class; verdicts built on it would
        // be guesses, so the file contributes no facts.
        return facts;
    }
    facts.suppressions = crate::suppress::parse_comments(
        parsed
            .comments
            .iter()
            .map(|&range| (locator.slice(range), locator.location(range))),
        text,
    );
    let facts = Extractor::new(facts, &locator).run(&parsed.module);
    // Dropping a deeply nested tree recurses; the caller runs us on a thread
    // with a large stack, so dropping here is safe.
    drop(parsed);
    facts
}
