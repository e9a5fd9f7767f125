//! `check --fix`, `--unsafe-fixes`, `--diff`, `--fix-only`: applies the
//! findings' fixes file by file, keeps a fix only when the file still
//! parses, writes through a temporary file and a rename, and analyzes again
//! until no fix applies (bounded), as ruff does.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::fix::{self, Applicability, Fix};
use crate::lint::{LintResult, Reported};
use crate::model::Language;
use crate::python::decode::SourceEncoding;

/// A fix that keeps applying is a bug; the run stops after this many rounds.
pub const MAX_ROUNDS: usize = 10;

/// What fixing did.
#[derive(Debug, Default)]
pub struct Fixed {
    /// Fixes applied (or, under `--diff`, that would be).
    pub applied: usize,
    /// Per file, the unified diff (`--diff`).
    pub diffs: BTreeMap<PathBuf, String>,
    /// Files left alone, and why.
    pub skipped: Vec<(PathBuf, String)>,
}

pub struct Options {
    pub unsafe_fixes: bool,
    /// Show the diff; write nothing.
    pub diff: bool,
}

/// One round over `result`'s findings: whether any file changed.
pub fn round(result: &LintResult, options: &Options, fixed: &mut Fixed) -> bool {
    let mut by_file: BTreeMap<&Path, Vec<&Reported>> = BTreeMap::new();
    for finding in &result.findings {
        if applicable(finding, options).is_some() {
            by_file
                .entry(finding.path.as_path())
                .or_default()
                .push(finding);
        }
    }
    let mut changed = false;
    for (path, findings) in by_file {
        match fix_file(path, &findings, options) {
            Ok(Some((n, diff))) => {
                fixed.applied += n;
                changed = true;
                if let Some(diff) = diff {
                    fixed.diffs.insert(path.to_path_buf(), diff);
                }
            }
            Ok(None) => {}
            Err(why) => fixed.skipped.push((path.to_path_buf(), why)),
        }
    }
    changed
}

fn applicable<'r>(finding: &'r Reported, options: &Options) -> Option<&'r Fix> {
    let fix = finding.fix.as_ref()?;
    (fix.applicability == Applicability::Safe || options.unsafe_fixes).then_some(fix)
}

type FileOutcome = Result<Option<(usize, Option<String>)>, String>;

fn fix_file(path: &Path, findings: &[&Reported], options: &Options) -> FileOutcome {
    let fixes: Vec<&Fix> = findings.iter().filter_map(|f| f.fix.as_ref()).collect();
    let language = crate::discover::language_of(path).unwrap_or(Language::Python);
    let link = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !link.file_type().is_file() {
        return Err("not fixed: a symlink or not a regular file".into());
    }
    // Offsets are into the text as the analysis decoded it (PEP 263 for
    // Python, a byte order mark stripped): the file is decoded the same way
    // and encoded back the way it was stored.
    let bytes = crate::untrusted::read(path, crate::untrusted::SOURCE_LIMIT)
        .map_err(|e| format!("not fixed: {e}"))?;
    let (text, encoding) = match language {
        Language::Python => crate::python::decode::decode_with(&bytes)
            .map_err(|e| format!("not fixed: cannot decode it: {}", e.message))?,
        Language::Rust => {
            let text = std::str::from_utf8(&bytes).map_err(|_| "not fixed: not valid UTF-8")?;
            match text.strip_prefix('\u{feff}') {
                Some(rest) => (rest.to_owned(), SourceEncoding::Utf8 { bom: true }),
                None => (text.to_owned(), SourceEncoding::Utf8 { bom: false }),
            }
        }
    };
    // Only a file that encodes back to its own bytes keeps every byte
    // outside the edits.
    if crate::python::decode::encode(&text, &encoding).as_deref() != Ok(&bytes[..]) {
        return Err("not fixed: its text does not encode back to the same bytes".into());
    }
    let (new, applied) = fix::apply(&text, fixes.iter().copied());
    if applied == 0 || new == text {
        return Ok(None);
    }
    if !parses(language, &new) {
        return Err(format!(
            "not fixed: the fixed file would not parse; {}",
            culprits(language, &text, findings)
        ));
    }
    let encoded = crate::python::decode::encode(&new, &encoding).map_err(|e| {
        format!("not fixed: {e}, which the fix would write; the file is left as it was")
    })?;
    if options.diff {
        let shown = path.to_string_lossy().replace('\\', "/");
        return Ok(Some((applied, Some(fix::diff(&shown, &text, &new)))));
    }
    write(path, &encoded, &link).map_err(|e| format!("not fixed: {e}"))?;
    Ok(Some((applied, None)))
}

/// The fixes that make the file unparsable, each on its own, named by code,
/// line and column of their finding and what they do; or, when each parses
/// alone, all of them: only their combination breaks it.
fn culprits(language: Language, text: &str, findings: &[&Reported]) -> String {
    let named = |f: &&Reported| {
        let message = f.fix.as_ref().map_or("", |fix| fix.message.as_str());
        format!(
            "{} at {}:{} ({message})",
            f.code, f.location.line, f.location.column
        )
    };
    let alone: Vec<String> = findings
        .iter()
        .filter(|f| {
            let (new, applied) = fix::apply(text, f.fix.as_ref());
            applied > 0 && !parses(language, &new)
        })
        .map(named)
        .collect();
    if alone.is_empty() {
        let all: Vec<String> = findings.iter().map(named).collect();
        format!("these fixes together break it: {}", all.join(", "))
    } else if alone.len() == 1 {
        format!("the fix that breaks it: {}", alone[0])
    } else {
        format!("the fixes that break it: {}", alone.join(", "))
    }
}

fn parses(language: Language, text: &str) -> bool {
    match language {
        Language::Python => crate::python::parse::parse_module(text).errors.is_empty(),
        Language::Rust => syn::parse_file(text).is_ok(),
    }
}

/// Writes through a temporary file beside `path` and a rename, keeping the
/// file's permissions: a failed run leaves the old file whole.
fn write(path: &Path, bytes: &[u8], metadata: &std::fs::Metadata) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let mut temp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))?;
    temp.write_all(bytes)?;
    temp.as_file().set_permissions(metadata.permissions())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
