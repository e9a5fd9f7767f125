//! The Python front end: decode, parse, and extract facts from one file.

mod calls;
pub mod decode;
mod delegation;
pub mod facts;
pub mod flow;
pub mod inert;
pub mod modules;
pub mod parse;
pub mod spine;
mod statements;
pub mod syntax;

use std::path::Path;

use crate::model::{FileFacts, InputDiagnostic, Language};

use facts::Extractor;
use syntax::Locator;

pub const SYNTAX_ERROR: &str = "DL000";

/// Facts for one Python file, named by where it sits under `root`. Never
/// fails: unreadable, undecodable and unparsable input becomes a DL000
/// diagnostic in the facts.
pub fn extract(display: &Path, path: &Path, root: &Path, follow: Follow<'_>) -> FileFacts {
    let (module, is_package) = modules::module_name(path, root);
    extract_as(display, path, module, is_package, follow)
}

/// Which function bodies the flow facts (what the dispatch checks read) are
/// extracted for. Following a body costs about as much as parsing it, and
/// only a function that names a role's async entry can call, test or
/// define it.
#[derive(Clone, Copy, Debug)]
pub enum Follow<'a> {
    All,
    /// Functions whose source mentions one of these names (`arun`, `astep`).
    Mentioning(&'a Mentions),
    /// None: library sources, which are never checked.
    Nothing,
}

/// The names whose mention makes a function worth following, with a
/// searcher for all of them built once per run (every file is scanned).
#[derive(Clone, Debug)]
pub struct Mentions {
    names: Vec<String>,
    finder: Finder,
    /// The modules whose `from` imports are kept, sorted; `None`: all.
    import_modules: Option<Vec<String>>,
}

/// The searcher: SIMD (Teddy) where the processor has it. The names all
/// start with `a` or `_`, so the automaton's start-byte prefilter stopped
/// at nearly every word of Python and the search was 3% of a run.
#[derive(Clone, Debug)]
enum Finder {
    Packed(aho_corasick::packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
    Nothing,
}

impl Mentions {
    pub fn new(names: Vec<String>) -> Self {
        Self::with_searcher(names, true)
    }

    /// `packed: false` builds the automaton the search falls back to where
    /// the processor has no SIMD searcher (the tests compare the two).
    fn with_searcher(names: Vec<String>, packed: bool) -> Self {
        // Leftmost-longest: at a word's start, a name that is the whole word
        // wins over a shorter one that is only its prefix.
        let patterns = || names.iter().filter(|n| !n.is_empty());
        let searcher = packed
            .then(|| {
                aho_corasick::packed::Config::new()
                    .match_kind(aho_corasick::packed::MatchKind::LeftmostLongest)
                    .builder()
                    .extend(patterns())
                    .build()
            })
            .flatten();
        let finder = match searcher {
            Some(searcher) => Finder::Packed(searcher),
            None => aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(patterns())
                .map_or(Finder::Nothing, Finder::Automaton),
        };
        Mentions {
            names,
            finder,
            import_modules: None,
        }
    }

    /// Keeps only the `from` imports of these modules: the only ones a fix
    /// joins an import to (a role's root, or a path the pack gives for it).
    /// Most files import from dozens of other modules, and the facts would
    /// hold each name with its place for the whole run.
    pub fn keeping_imports_of(mut self, mut modules: Vec<String>) -> Self {
        modules.sort();
        modules.dedup();
        self.import_modules = Some(modules);
        self
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether `from module import ...` is kept.
    pub fn keeps_imports_of(&self, module: &str) -> bool {
        self.import_modules
            .as_ref()
            .is_none_or(|kept| kept.binary_search_by(|m| m.as_str().cmp(module)).is_ok())
    }

    /// What decides the facts besides the source, for the cache's key.
    pub fn key(&self) -> String {
        let mut key = self.names.join("\0");
        if let Some(modules) = &self.import_modules {
            key.push('\u{1}');
            key.push_str(&modules.join("\0"));
        }
        key
    }

    /// Where a name occurs in `text` as a whole word, in order.
    pub fn find(&self, text: &str) -> Vec<ruff_text_size::TextSize> {
        let spans: Vec<(usize, usize)> = match &self.finder {
            Finder::Packed(searcher) => searcher
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect(),
            Finder::Automaton(automaton) => automaton
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect(),
            Finder::Nothing => return Vec::new(),
        };
        // Bytes of non-ASCII characters count as word bytes, so that a word
        // never starts or ends inside a character.
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        let bytes = text.as_bytes();
        spans
            .into_iter()
            .filter(|&(start, _)| start == 0 || !word(bytes[start - 1]))
            .filter(|&(_, end)| bytes.get(end).is_none_or(|&b| !word(b)))
            .filter_map(|(start, _)| ruff_text_size::TextSize::try_from(start).ok())
            .collect()
    }
}

/// Facts for one Python file whose module name is already known.
pub fn extract_as(
    display: &Path,
    path: &Path,
    module: String,
    is_package: bool,
    follow: Follow<'_>,
) -> FileFacts {
    match read_bytes(path) {
        Ok(bytes) => extract_bytes(display, &bytes, module, is_package, follow),
        Err(diagnostic) => {
            let mut facts = FileFacts::empty(display.to_path_buf(), Language::Python, module);
            facts.is_package = is_package;
            facts.diagnostics.push(diagnostic);
            facts
        }
    }
}

/// Facts for a Python file's bytes, already read.
pub fn extract_bytes(
    display: &Path,
    bytes: &[u8],
    module: String,
    is_package: bool,
    follow: Follow<'_>,
) -> FileFacts {
    let mut facts = FileFacts::empty(display.to_path_buf(), Language::Python, module);
    facts.is_package = is_package;
    match decode::decode_borrowed(bytes) {
        Ok((text, _)) => from_text_following(facts, &text, follow),
        Err(error) => {
            facts.diagnostics.push(decode_diagnostic(error));
            facts
        }
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, InputDiagnostic> {
    crate::untrusted::read(path, crate::untrusted::SOURCE_LIMIT).map_err(|error| InputDiagnostic {
        code: SYNTAX_ERROR,
        message: format!("cannot read file: {error}"),
        location: None,
    })
}

/// Reads and decodes a source file (PEP 263).
pub fn read_source(path: &Path) -> Result<String, InputDiagnostic> {
    decode_source(&read_bytes(path)?)
}

/// A source file's bytes as text, decoded as Python does (PEP 263).
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    decode_source(bytes).ok()
}

fn decode_source(bytes: &[u8]) -> Result<String, InputDiagnostic> {
    decode::decode(bytes).map_err(decode_diagnostic)
}

fn decode_diagnostic(error: decode::DecodeError) -> InputDiagnostic {
    InputDiagnostic {
        code: SYNTAX_ERROR,
        message: format!("cannot decode file: {}", error.message),
        location: error.line.map(|line| crate::model::Location {
            line,
            column: error.column.unwrap_or(1),
            end_line: line,
            end_column: error.column.unwrap_or(1),
            ..Default::default()
        }),
    }
}

/// Facts from already decoded text, following every function body.
pub fn from_text(facts: FileFacts, text: &str) -> FileFacts {
    from_text_following(facts, text, Follow::All)
}

/// Facts from already decoded text, following the bodies `follow` asks for.
pub fn from_text_following(facts: FileFacts, text: &str, follow: Follow<'_>) -> FileFacts {
    from_text_with(facts, text, follow, true)
}

/// As [`from_text_following`], but walking every function body, even those
/// [`inert`] says leave nothing behind: for tests that prove they do not.
#[doc(hidden)]
pub fn from_text_walking_every_body(facts: FileFacts, text: &str, follow: Follow<'_>) -> FileFacts {
    from_text_with(facts, text, follow, false)
}

fn from_text_with(
    mut facts: FileFacts,
    text: &str,
    follow: Follow<'_>,
    skip_inert: bool,
) -> FileFacts {
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
    // Library sources are never checked: their suppressions are never read.
    if !matches!(follow, Follow::Nothing) {
        facts.suppressions = crate::suppress::parse_comments(
            parsed.comments.iter().map(|&range| {
                let locator = &locator;
                (locator.slice(range), move || locator.location(range))
            }),
            text,
        );
    }
    let mut extractor = Extractor::new(facts, &locator, follow);
    extractor.skip_inert = skip_inert;
    let facts = extractor.run(&parsed.module);
    // Dropping a deeply nested tree recurses; the caller runs us on a thread
    // with a large stack, so dropping here is safe.
    drop(parsed);
    facts
}

#[cfg(test)]
mod tests {
    use super::Mentions;

    /// Both searchers, SIMD and automaton.
    fn both(names: &[&str]) -> [Mentions; 2] {
        let names = || names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        [
            Mentions::with_searcher(names(), true),
            Mentions::with_searcher(names(), false),
        ]
    }

    #[test]
    fn mentions_are_whole_words_of_any_name_in_order() {
        let text = "x.arun()\nself._arun\nmy_arun_helper\n\"astep\"\nrunarun\né_arun arun";
        let at = |needle: &str, from: usize| (text[from..].find(needle).unwrap() + from) as u32;
        for mentions in both(&["arun", "_arun", "astep"]) {
            let found: Vec<u32> = mentions.find(text).into_iter().map(u32::from).collect();
            assert_eq!(
                found,
                [
                    at("arun", 0),
                    at("_arun", 9),
                    at("astep", 0),
                    at(" arun", 50) + 1
                ],
                "{mentions:?}"
            );
        }
        for mentions in both(&[]) {
            assert!(mentions.find(text).is_empty());
        }
    }

    #[test]
    fn a_name_that_is_the_whole_word_wins_over_its_prefix() {
        for mentions in both(&["acall", "acall_tool"]) {
            let found: Vec<u32> = mentions
                .find("acall_tool acalls acall")
                .into_iter()
                .map(u32::from)
                .collect();
            assert_eq!(found, [0, 18], "{mentions:?}");
        }
    }

    #[test]
    fn both_searchers_find_the_same_mentions_in_real_source() {
        let names = crate::analysis::follow_names(&crate::packs::Packs::builtin());
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let [packed, automaton] = both(&names);
        assert!(matches!(packed.finder, super::Finder::Packed(_)) || !cfg!(target_arch = "x86_64"));
        let mut seen = 0;
        let mut dirs = vec![std::path::PathBuf::from("fixtures/frameworks")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "py") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let found = packed.find(&text);
                seen += found.len();
                assert_eq!(found, automaton.find(&text), "{}", path.display());
            }
        }
        assert!(seen > 10, "only {seen} mentions in the fixtures");
    }

    #[test]
    fn only_the_from_imports_a_fix_may_join_are_kept() {
        use crate::model::{FileFacts, Language};
        let text = "from fw.agent import Base\nfrom os.path import join\nfrom json import dumps\n";
        let kept = |follow: super::Follow<'_>| -> Vec<String> {
            let facts = FileFacts::empty("app.py".into(), Language::Python, "app".into());
            super::from_text_following(facts, text, follow)
                .from_imports
                .into_iter()
                .map(|i| i.module)
                .collect()
        };
        let mentions = Mentions::new(vec!["astep".into()]);
        assert_eq!(kept(super::Follow::Mentioning(&mentions)).len(), 3);
        let trimmed = mentions.keeping_imports_of(vec!["fw.agent".into(), "json".into()]);
        assert_eq!(
            kept(super::Follow::Mentioning(&trimmed)),
            ["fw.agent", "json"]
        );
        assert!(kept(super::Follow::Nothing).is_empty());
        assert_eq!(kept(super::Follow::All).len(), 3);
        // What is kept is part of the cache's key.
        assert_ne!(trimmed.key(), Mentions::new(vec!["astep".into()]).key());
    }
}
