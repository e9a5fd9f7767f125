//! The library API: `analyze(paths, settings) -> Analysis`.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::discover::{self, Discovered};
use crate::model::{FileFacts, Language};
use crate::packs::Packs;
use crate::python;
use crate::untrusted::{self, Tree};

mod libraries;
mod progress;

pub use crate::semantic::{Analysis, Stdin, TypeVerdict};

pub use libraries::{default_python_path, default_python_path_in};
pub use progress::Clock;

/// What an analysis run needs to know besides the paths.
#[derive(Clone, Debug)]
pub struct Settings {
    pub packs: Packs,
    pub excludes: Vec<String>,
    /// Directories whose Python sources are indexed on demand, only for
    /// modules the analyzed code imports.
    pub python_path: Vec<PathBuf>,
    pub threads: usize,
    /// Show a progress bar on a terminal's standard error for large runs.
    pub progress: bool,
    /// Reuse Python facts from the per-file cache ([`crate::cache`]); off
    /// for library callers, on in the CLI unless `--no-cache`.
    pub cache: bool,
    /// Honour `.gitignore`, `.ignore` and `.git/info/exclude`.
    pub respect_ignore_files: bool,
    /// The analyzed tree: symlinks named on the command line and
    /// `python_path` directories inside it are followed only inside it.
    pub tree: Tree,
    /// Dependency libraries (from `cargo metadata`) whose Rust role traits are read.
    pub rust_libraries: Vec<crate::cargo::Library>,
    /// The features each package is built with, when the user said which.
    pub rust_features: Option<crate::rust::Features>,
    /// Source read from standard input, analyzed in place of its file.
    pub stdin: Option<Stdin>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            packs: Packs::builtin(),
            excludes: Vec::new(),
            python_path: Vec::new(),
            threads: 0,
            progress: false,
            cache: false,
            respect_ignore_files: true,
            tree: Tree::default(),
            rust_libraries: Vec::new(),
            rust_features: None,
            stdin: None,
        }
    }
}

#[derive(Debug)]
pub struct AnalyzeError(pub String);

impl std::fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AnalyzeError {}

/// Stack for each parsing thread: parsing and dropping deeply nested trees recurse.
const PARSE_STACK: usize = 64 * 1024 * 1024;

pub fn analyze(paths: &[PathBuf], settings: &Settings) -> Result<Analysis, AnalyzeError> {
    let mut clock = Clock::new();
    let (mut found, walk_problems) = discover_files(paths, settings)?;
    if let Some(stdin) = &settings.stdin {
        found.retain(|f| f.path != stdin.path);
        found.push(Discovered {
            display: stdin.display.clone(),
            path: stdin.path.clone(),
            root: stdin.path.parent().unwrap_or(&stdin.path).to_path_buf(),
            language: discover::language_of(&stdin.path).unwrap_or(Language::Python),
            explicit: true,
            module: None,
        });
    }
    name_modules(&mut found);
    clock.lap("discover");
    let pool = parse_pool(settings)?;
    let cache = settings
        .cache
        .then(|| crate::cache::Cache::open(paths))
        .flatten();
    let mentions = mentions(&settings.packs);
    let follow = python::Follow::Mentioning(&mentions);
    let bar = progress::progress_bar(settings, found.len());
    let mut files: Vec<FileFacts> = pool.install(|| {
        each_file(&found, |file| {
            let facts = match &cache {
                _ if settings.stdin.as_ref().is_some_and(|s| s.path == file.path) => {
                    extract_stdin(file, settings.stdin.as_ref().map(|s| &s.bytes[..]), follow)
                }
                Some(cache) if file.language == Language::Python => {
                    extract_cached(cache, file, follow)
                }
                _ => extract(file, follow),
            };
            bar.inc(1);
            facts
        })
    });
    bar.finish_and_clear();
    // Written while Rust files are linked and libraries loaded; joined before returning so that
    // the process never exits halfway through the write.
    // A run on standard input (an editor's unsaved text) reads the cache but
    // never writes it: it would drop the file on disk that the text stands
    // in for, and the next full run would add it back.
    let saving = cache
        .filter(|_| settings.stdin.is_none())
        .map(|cache| std::thread::spawn(move || cache.save()));
    clock.lap("read, parse, extract");
    // Rust paths resolve across files: place files in their crates, then resolve.
    let mut read_from: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
    if !settings.rust_libraries.is_empty() {
        let cwd = std::env::current_dir().unwrap_or_default();
        let libraries = pool.install(|| {
            crate::rust::libraries::load(&settings.packs, &settings.rust_libraries, &cwd)
        });
        for (facts, path) in libraries {
            files.push(facts);
            read_from.push(path);
        }
        clock.lap("rust dependency sources");
    }
    crate::rust::link_with(
        &mut files,
        &read_from,
        &settings.packs,
        settings.rust_features.as_ref(),
    );
    clock.lap("rust link");
    libraries::load_libraries(&mut files, settings, &pool);
    clock.lap("python-path libraries");
    if let Some(saving) = saving {
        let _ = saving.join();
    }
    clock.lap("cache written");
    Ok(Analysis {
        files,
        packs: settings.packs.clone(),
        walk_problems,
        timings: clock.laps,
        stdin: settings.stdin.clone(),
        pool: Some(std::sync::Arc::new(pool)),
    })
}

/// What `analyze` would read, without reading it (`check --show-files`):
/// each file as it is shown, sorted.
pub fn discover_only(paths: &[PathBuf], settings: &Settings) -> Result<Vec<PathBuf>, AnalyzeError> {
    let (found, _) = discover_files(paths, settings)?;
    let mut shown: Vec<PathBuf> = found
        .into_iter()
        .filter(|f| settings.stdin.as_ref().is_none_or(|s| s.path != f.path))
        .map(|f| f.display)
        .chain(settings.stdin.iter().map(|s| s.display.clone()))
        .collect();
    shown.sort();
    Ok(shown)
}

/// Everything after extraction, over facts already in hand: Rust linking
/// (no `--python-path` loading). `paths[i]` is where `files[i]` came from,
/// for finding Rust crates. For harnesses that make
/// facts from generated text (tests/fuzz.rs).
pub fn from_facts(mut files: Vec<FileFacts>, paths: &[PathBuf], packs: &Packs) -> Analysis {
    crate::rust::link(&mut files, paths, packs);
    Analysis {
        files,
        packs: packs.clone(),
        walk_problems: Vec::new(),
        timings: Vec::new(),
        stdin: None,
        pool: None,
    }
}

pub(crate) fn discover_files(
    paths: &[PathBuf],
    settings: &Settings,
) -> Result<(Vec<Discovered>, Vec<discover::WalkProblem>), AnalyzeError> {
    let excludes = discover::build_excludes(&settings.excludes).map_err(|e| AnalyzeError(e.0))?;
    let options = discover::Options {
        excludes: &excludes,
        threads: settings.threads,
        respect_ignore_files: settings.respect_ignore_files,
        tree: &settings.tree,
    };
    discover::discover(paths, &options).map_err(|e| AnalyzeError(e.0))
}

pub(crate) fn parse_pool(settings: &Settings) -> Result<rayon::ThreadPool, AnalyzeError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .stack_size(PARSE_STACK)
        .thread_name(|i| format!("dispatchlint-parse-{i}"))
        .build()
        .map_err(|e| AnalyzeError(e.to_string()))
}

/// Runs `work` over every file on the current pool, one file per task, so
/// that a large file met last keeps one worker busy for no longer than that
/// file takes (default splitting gave 2 threads 1.5x of one; one file per
/// task, 1.7x). Results come back in `found`'s order.
///
/// Files are taken in path order, not largest first: knowing the sizes
/// first cost a `stat` per file, about 2% of the run on
/// langchain-community, more than the shorter tail saved.
pub(crate) fn each_file<T: Send>(
    found: &[Discovered],
    work: impl Fn(&Discovered) -> T + Sync + Send,
) -> Vec<T> {
    found.par_iter().with_max_len(1).map(work).collect()
}

/// A Python file's facts from the cache when its bytes and module name are
/// unchanged, else extracted and stored.
fn extract_cached(
    cache: &crate::cache::Cache,
    found: &Discovered,
    follow: python::Follow<'_>,
) -> FileFacts {
    let Ok(bytes) = untrusted::read(&found.path, untrusted::SOURCE_LIMIT) else {
        // Unreadable: the plain path reports why.
        return extract(found, follow);
    };
    let (module, is_package) = module_of(found);
    // What was followed is part of the facts, so part of the key.
    let keyed_module = match follow {
        python::Follow::Mentioning(mentions) => format!("{module}\0{}", mentions.key()),
        other => format!("{module}\0{other:?}"),
    };
    let key = crate::cache::Cache::key(&bytes, &keyed_module, is_package);
    if let Some(facts) = cache.get(key, &found.display) {
        return facts;
    }
    let facts = python::extract_bytes(&found.display, &bytes, module, is_package, follow);
    cache.put(key, &facts);
    facts
}

/// A source file's bytes as text, decoded as its language does (PEP 263 for
/// Python, UTF-8 for Rust): what reports show in code frames.
pub fn decode(language: Language, bytes: &[u8]) -> Option<String> {
    match language {
        Language::Python => python::decode_text(bytes),
        // Without the byte order mark, as the front end counts offsets.
        Language::Rust => std::str::from_utf8(bytes)
            .ok()
            .map(|text| text.strip_prefix('\u{feff}').unwrap_or(text).to_owned()),
    }
}

/// The async entries whose mention makes a function body worth following.
pub fn follow_names(packs: &Packs) -> Vec<String> {
    let mut names: Vec<String> = packs
        .roles(Language::Python)
        .map(|role| role.async_.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// What extraction follows and keeps for the packs' roles: the functions
/// that mention an async entry, and the `from` imports a fix may join.
pub fn mentions(packs: &Packs) -> python::Mentions {
    python::Mentions::new(follow_names(packs)).keeping_imports_of(fix_import_modules(packs))
}

/// The modules whose `from` imports a fix may join an import to: each
/// Python role's root's, and those of the other paths its pack gives for it.
fn fix_import_modules(packs: &Packs) -> Vec<String> {
    packs
        .roles(Language::Python)
        .flat_map(|role| std::iter::once(&role.root).chain(&role.aliases))
        .filter_map(|path| path.rsplit_once('.').map(|(module, _)| module.to_owned()))
        .collect()
}

/// Names every Python file's module, asking about each directory once.
fn name_modules(found: &mut [Discovered]) {
    let mut namer = python::modules::Namer::default();
    for file in found.iter_mut().filter(|f| f.language == Language::Python) {
        file.module = Some(namer.name(&file.path, &file.root));
    }
}

fn module_of(found: &Discovered) -> (String, bool) {
    found
        .module
        .clone()
        .unwrap_or_else(|| python::modules::module_name(&found.path, &found.root))
}

fn extract(found: &Discovered, follow: python::Follow<'_>) -> FileFacts {
    match found.language {
        Language::Python => {
            let (module, is_package) = module_of(found);
            python::extract_as(&found.display, &found.path, module, is_package, follow)
        }
        Language::Rust => crate::rust::extract(&found.display, &found.path),
    }
}

/// Facts for the source read from standard input.
fn extract_stdin(
    found: &Discovered,
    bytes: Option<&[u8]>,
    follow: python::Follow<'_>,
) -> FileFacts {
    let bytes = bytes.unwrap_or_default();
    match found.language {
        Language::Python => {
            let (module, is_package) = module_of(found);
            python::extract_bytes(&found.display, bytes, module, is_package, follow)
        }
        Language::Rust => {
            let facts = FileFacts::empty(found.display.clone(), Language::Rust, String::new());
            crate::rust::from_text(facts, &String::from_utf8_lossy(bytes))
        }
    }
}

/// For an audit: how many source files the ignore files (`.gitignore`,
/// `.ignore`, `.git/info/exclude`; `None` when they were not honoured) and
/// the `exclude` patterns kept out of the run. Counted by walking again
/// without them; the built-in excludes (`.venv`, `node_modules`, ...) apply
/// to every walk.
pub fn excluded_counts(
    paths: &[PathBuf],
    settings: &Settings,
) -> Result<(Option<usize>, usize), AnalyzeError> {
    let count = |excludes: &[String], respect_ignore_files: bool| {
        let excludes = discover::build_excludes(excludes).map_err(|e| AnalyzeError(e.0))?;
        let options = discover::Options {
            excludes: &excludes,
            threads: settings.threads,
            respect_ignore_files,
            tree: &settings.tree,
        };
        discover::discover(paths, &options)
            .map(|(found, _)| found.len())
            .map_err(|e| AnalyzeError(e.0))
    };
    let analyzed = count(&settings.excludes, settings.respect_ignore_files)?;
    let unignored = count(&settings.excludes, false)?;
    let everything = count(&[], false)?;
    let by_ignore_files = settings
        .respect_ignore_files
        .then(|| unignored.saturating_sub(analyzed));
    Ok((by_ignore_files, everything.saturating_sub(unignored)))
}
