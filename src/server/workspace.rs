//! The workspace as the server holds it between edits: every file's facts
//! and the hierarchy in memory, the open documents' text as the editor has
//! it. An edit of a Python file replaces that file's facts and rebuilds the
//! hierarchy and verdicts from the rest, which were never parsed again; a
//! Rust file is read again when it is saved.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString,
    Position, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::Lines;
use crate::analysis::{self, Analysis};
use crate::checks::Severity;
use crate::discover::{absolutize, display_path, language_of};
use crate::lint::{self, Reported};
use crate::model::Language;
use crate::report::agents;
use crate::report::findings::docs_url;
use crate::semantic::Semantic;
use crate::settings::{self, Config, Resolver, RunOptions};
use crate::untrusted::Tree;
use crate::{python, Settings};

pub struct Workspace {
    root: PathBuf,
    cwd: PathBuf,
    config: Resolver,
    settings: Settings,
    analysis: Analysis,
    /// Absolute path -> its facts' index in `analysis.files`.
    index: HashMap<PathBuf, usize>,
    /// Open documents, by absolute path: the text the editor holds.
    open: BTreeMap<PathBuf, String>,
    follow: python::Mentions,
}

impl Workspace {
    /// The workspace under `root`, analyzed whole, configured as `check`
    /// configures a run from `root`.
    pub fn load(root: &Path) -> Result<Workspace, String> {
        let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
        let root = absolutize(&cwd, root);
        let config = Resolver::new(None, false, Config::default())
            .map_err(|e| e.0)?
            .with_tree(Tree::new(&cwd, [root.as_path()]));
        let options = RunOptions {
            cache: true,
            respect_ignore_files: true,
            ..RunOptions::default()
        };
        let mut settings =
            settings::analysis_settings(&options, &config, &root).map_err(|e| e.0)?;
        settings
            .python_path
            .extend(analysis::default_python_path_in(&root));
        let follow = analysis::mentions(&settings.packs);
        let mut workspace = Workspace {
            analysis: analysis::analyze(std::slice::from_ref(&root), &settings).map_err(|e| e.0)?,
            root,
            cwd,
            config,
            settings,
            index: HashMap::new(),
            open: BTreeMap::new(),
            follow,
        };
        workspace.reindex();
        Ok(workspace)
    }

    fn reindex(&mut self) {
        self.index = self
            .analysis
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (absolutize(&self.cwd, &f.path), i))
            .collect();
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The editor's text for `path` (opened or changed).
    pub fn set_text(&mut self, path: &Path, text: String) {
        if language_of(path) == Some(Language::Python) {
            let follow = python::Follow::Mentioning(&self.follow);
            let facts = match self.index.get(path) {
                Some(&i) => {
                    let old = &self.analysis.files[i];
                    let mut facts = python::extract_bytes(
                        &old.path,
                        text.as_bytes(),
                        old.module.clone(),
                        old.is_package,
                        follow,
                    );
                    facts.library = old.library;
                    Some((i, facts))
                }
                // A new file of the workspace: named as the walk would name it.
                None if path.starts_with(&self.root) => {
                    let (module, is_package) = python::modules::module_name(path, &self.root);
                    let display = display_path(&self.cwd, path);
                    let facts = python::extract_bytes(
                        &display,
                        text.as_bytes(),
                        module,
                        is_package,
                        follow,
                    );
                    self.analysis.files.push(facts);
                    let i = self.analysis.files.len() - 1;
                    self.index.insert(path.to_path_buf(), i);
                    None
                }
                None => None,
            };
            if let Some((i, facts)) = facts {
                self.analysis.files[i] = facts;
            }
        }
        self.open.insert(path.to_path_buf(), text);
    }

    /// A file was saved: a Rust file's facts are linked across its crate,
    /// so the workspace is analyzed again from disk.
    pub fn saved(&mut self, path: &Path) {
        if language_of(path) == Some(Language::Rust) {
            if let Ok(analysis) =
                analysis::analyze(std::slice::from_ref(&self.root), &self.settings)
            {
                self.analysis = analysis;
                self.reindex();
            }
        }
    }

    pub fn close(&mut self, path: &Path) {
        self.open.remove(path);
    }

    pub fn open_paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.open.keys()
    }

    /// The findings in every open document, judged against the whole
    /// workspace, as the protocol's diagnostics.
    pub fn diagnostics(&self) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
        let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> =
            self.open.keys().map(|p| (p.clone(), Vec::new())).collect();
        let only: HashSet<PathBuf> = self
            .open
            .keys()
            .map(|p| display_path(&self.cwd, p))
            .collect();
        let Ok(result) = lint::lint(&Semantic::new(&self.analysis), &self.config, &Some(only))
        else {
            return by_file;
        };
        for finding in &result.findings {
            let path = absolutize(&self.cwd, &finding.path);
            let Some(text) = self.open.get(&path) else {
                continue;
            };
            by_file
                .entry(path)
                .or_default()
                .push(diagnostic(finding, &Lines::new(text)));
        }
        by_file
    }

    /// "Suppress with a comment" for each of our diagnostics the client sent.
    // lsp-types keys `WorkspaceEdit::changes` by `Uri`, whose parsed form
    // caches lazily; the key is never changed while in the map.
    #[allow(clippy::mutable_key_type)]
    pub fn code_actions(
        &self,
        uri: &Uri,
        path: &Path,
        diagnostics: &[Diagnostic],
    ) -> Vec<CodeAction> {
        let Some(text) = self.open.get(path) else {
            return Vec::new();
        };
        let lines = Lines::new(text);
        let language = language_of(path);
        let only = HashSet::from([display_path(&self.cwd, path)]);
        let findings = lint::lint(&Semantic::new(&self.analysis), &self.config, &Some(only))
            .map(|r| r.findings)
            .unwrap_or_default();
        let mut actions = Vec::new();
        for diagnostic in diagnostics {
            if diagnostic.source.as_deref() != Some(SOURCE) {
                continue;
            }
            let Some(NumberOrString::String(code)) = &diagnostic.code else {
                continue;
            };
            // The finding's own fix, as `check --fix` would make it.
            let fixed = findings.iter().find_map(|f| {
                let same = f.code == code && self::diagnostic(f, &lines).range == diagnostic.range;
                let fix = f.fix.as_ref().filter(|_| same)?;
                Some((fix, crate::fix::rendered(text, fix)?))
            });
            if let Some((fix, edits)) = fixed {
                let edits = edits
                    .into_iter()
                    .map(|(start, end, new_text)| TextEdit {
                        range: lines.range(start, end),
                        new_text,
                    })
                    .collect();
                let safe = fix.applicability == crate::fix::Applicability::Safe;
                actions.push(CodeAction {
                    title: format!(
                        "Fix {code}: {}{}",
                        fix.message,
                        if safe { "" } else { " (unsafe)" }
                    ),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), edits)])),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(safe),
                    ..CodeAction::default()
                });
            }
            let line = diagnostic.range.start.line;
            let Some(edit) = suppression_edit(&lines, line, code, language) else {
                continue;
            };
            let changes = HashMap::from([(uri.clone(), vec![edit])]);
            actions.push(CodeAction {
                title: format!("Suppress {code} with a comment"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                ..CodeAction::default()
            });
        }
        actions
    }

    /// The verdicts of the class whose statement is on `position`'s line.
    pub fn hover(&self, path: &Path, position: Position) -> Option<String> {
        let &file = self.index.get(path)?;
        let mut lines = Vec::new();
        let mut name = None;
        let semantic = Semantic::new(&self.analysis);
        for verdict in semantic.verdicts.iter().filter(|v| v.file == file) {
            let class = &self.analysis.files[file].classes[verdict.class];
            if class.location.line != position.line + 1 {
                continue;
            }
            let entry = agents::entry(&semantic, verdict);
            name.get_or_insert_with(|| entry.qualname.clone());
            let provider = entry
                .provider
                .as_ref()
                .map(|p| match (&p.path, p.line) {
                    (Some(path), Some(line)) => {
                        format!(", provided by `{}` ({path}:{line})", p.qualname)
                    }
                    _ => format!(", provided by `{}` (rule pack)", p.qualname),
                })
                .unwrap_or_default();
            let reason = entry
                .reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            lines.push(format!(
                "- {}: **{}**{provider}{reason}",
                entry.role, entry.verdict
            ));
        }
        let name = name?;
        Some(format!("**dispatchlint** `{name}`\n\n{}", lines.join("\n")))
    }

    /// How many files the workspace holds (sources and libraries).
    pub fn files(&self) -> usize {
        self.analysis.files.len()
    }
}

const SOURCE: &str = "dispatchlint";

fn diagnostic(finding: &Reported, lines: &Lines<'_>) -> Diagnostic {
    let location = finding.location;
    let range = if location.end > location.start {
        lines.range(location.start as usize, location.end as usize)
    } else {
        // Only a line and a column (DL000 from the walk, a decode error).
        let start = Position::new(
            location.line.saturating_sub(1),
            location.column.saturating_sub(1),
        );
        Range::new(start, start)
    };
    Diagnostic {
        range,
        severity: Some(match finding.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(finding.code.to_owned())),
        code_description: uri_of_url(&docs_url(finding.code)).map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message: format!("{}\nhelp: {}", finding.message, finding.help),
        ..Diagnostic::default()
    }
}

fn uri_of_url(url: &str) -> Option<Uri> {
    url.parse().ok()
}

/// The edit that suppresses `code` on `line`: a code added to the line's
/// `# noqa:` list, or a new comment at the line's end.
fn suppression_edit(
    lines: &Lines<'_>,
    line: u32,
    code: &str,
    language: Option<Language>,
) -> Option<TextEdit> {
    let text = lines.line(line as usize);
    let utf16 = |s: &str| s.chars().map(char::len_utf16).sum::<usize>() as u32;
    let at = |column: u32| Range::new(Position::new(line, column), Position::new(line, column));
    match language? {
        Language::Python => {
            if let Some(noqa) = text.find("# noqa:") {
                let list_start = noqa + "# noqa:".len();
                let list_end = text[list_start..]
                    .find('#')
                    .map_or(text.len(), |e| list_start + e);
                let list = text[..list_end].trim_end();
                return Some(TextEdit::new(at(utf16(list)), format!(", {code}")));
            }
            Some(TextEdit::new(at(utf16(text)), format!("  # noqa: {code}")))
        }
        Language::Rust => Some(TextEdit::new(
            at(utf16(text)),
            format!("  // dispatchlint: ignore[{code}]"),
        )),
    }
}

/// For the server's log: where the workspace is and what it holds.
pub fn describe(workspace: &Workspace) -> String {
    format!(
        "dispatchlint server: {} ({} files)",
        workspace.root().display(),
        workspace.files()
    )
}
