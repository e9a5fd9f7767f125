//! The library API: `analyze(paths, settings) -> Analysis`.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::discover::{self, Discovered};
use crate::hierarchy::{Capability, Hierarchy, Nodes, RoleSpec, TypeKey, Verdict};
use crate::model::{FileFacts, InputDiagnostic, Language, Location};
use crate::packs::Packs;
use crate::python;
use crate::python::resolve::{Resolved, Resolver};
use crate::untrusted::{self, Tree};

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
    /// Source read from standard input, analyzed in place of its file.
    pub stdin: Option<Stdin>,
}

/// Source read from standard input (`check -`, `--stdin-filename NAME`), as
/// editors and pre-commit wrappers pass unsaved text: analyzed as the file
/// at `path` (which need not exist), in place of what is on disk there.
#[derive(Clone, Debug)]
pub struct Stdin {
    /// Absolute.
    pub path: PathBuf,
    /// As it is shown (`-` when no name was given).
    pub display: PathBuf,
    pub bytes: std::sync::Arc<Vec<u8>>,
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
            stdin: None,
        }
    }
}

/// The verdict for one type in one role.
#[derive(Clone, Debug)]
pub struct TypeVerdict {
    pub file: usize,
    pub class: usize,
    pub role: String,
    pub capability: Capability,
}

pub struct Analysis {
    pub files: Vec<FileFacts>,
    pub packs: Packs,
    pub hierarchy: Hierarchy,
    pub verdicts: Vec<TypeVerdict>,
    /// Problems met while walking (unreadable directories, symlink loops).
    pub walk_problems: Vec<(PathBuf, String)>,
    /// Wall time of each phase, in order (shown by the hidden `--stats`).
    pub timings: Vec<(&'static str, Duration)>,
    /// The source read from standard input, if any: reporters show it, not
    /// the file on disk.
    pub stdin: Option<Stdin>,
}

#[derive(Debug)]
pub struct AnalyzeError(pub String);

impl std::fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AnalyzeError {}

/// How many rounds of `--python-path` loading: each round follows the
/// imports the previous one found.
const MAX_LIBRARY_ROUNDS: usize = 8;

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
    let entries = follow_names(&settings.packs);
    let follow = python::Follow::Mentioning(&entries);
    let bar = progress_bar(settings, found.len());
    let mut files: Vec<FileFacts> = pool.install(|| {
        largest_first(&found, |file| {
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
    // Written while the hierarchy is built; joined before returning so that
    // the process never exits halfway through the write.
    // A run on standard input (an editor's unsaved text) reads the cache but
    // never writes it: it would drop the file on disk that the text stands
    // in for, and the next full run would add it back.
    let saving = cache
        .filter(|_| settings.stdin.is_none())
        .map(|cache| std::thread::spawn(move || cache.save()));
    clock.lap("read, parse, extract");
    // Rust paths resolve across files: place files in their crates, then resolve.
    let read_from: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
    crate::rust::link(&mut files, &read_from, &settings.packs);
    clock.lap("rust link");
    load_libraries(&mut files, settings, &pool);
    clock.lap("python-path libraries");
    // On the parsing pool: class nodes are resolved per file in parallel,
    // and its threads' allocators hold the pages the freed syntax trees
    // left, where the main thread would fault in fresh ones.
    let hierarchy = pool.install(|| build_hierarchy(&files, &settings.packs));
    clock.lap("hierarchy");
    let verdicts = verdicts(&files, &hierarchy);
    clock.lap("verdicts");
    if let Some(saving) = saving {
        let _ = saving.join();
    }
    clock.lap("cache written");
    Ok(Analysis {
        files,
        packs: settings.packs.clone(),
        hierarchy,
        verdicts,
        walk_problems,
        timings: clock.laps,
        stdin: settings.stdin.clone(),
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

/// Everything after extraction, over facts already in hand: Rust linking,
/// hierarchy and verdicts (no `--python-path` loading). `paths[i]` is where
/// `files[i]` came from, for finding Rust crates. For harnesses that make
/// facts from generated text (tests/fuzz.rs).
pub fn from_facts(mut files: Vec<FileFacts>, paths: &[PathBuf], packs: &Packs) -> Analysis {
    crate::rust::link(&mut files, paths, packs);
    let hierarchy = build_hierarchy(&files, packs);
    let verdicts = verdicts(&files, &hierarchy);
    Analysis {
        files,
        packs: packs.clone(),
        hierarchy,
        verdicts,
        walk_problems: Vec::new(),
        timings: Vec::new(),
        stdin: None,
    }
}

/// Phase timings for `--stats`: cheap enough to take on every run.
pub struct Clock {
    last: Instant,
    pub laps: Vec<(&'static str, Duration)>,
}

impl Clock {
    pub fn new() -> Self {
        Clock {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    pub fn lap(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.laps.push((phase, now - self.last));
        self.last = now;
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

fn discover_files(
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

fn parse_pool(settings: &Settings) -> Result<rayon::ThreadPool, AnalyzeError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .stack_size(PARSE_STACK)
        .thread_name(|i| format!("dispatchlint-parse-{i}"))
        .build()
        .map_err(|e| AnalyzeError(e.to_string()))
}

/// What `parse_only` measured: phase timings, files seen, files that failed.
pub type ParseStats = (Vec<(&'static str, Duration)>, usize, usize);

/// The floor under `analyze`: discover, read, decode and parse every file in
/// the same pool, and nothing else (the hidden `parse` command, so that the
/// benchmark shows what the analysis costs over parsing). Returns the phase
/// timings and how many files failed to read, decode or parse.
pub fn parse_only(paths: &[PathBuf], settings: &Settings) -> Result<ParseStats, AnalyzeError> {
    let mut clock = Clock::new();
    let (found, _) = discover_files(paths, settings)?;
    clock.lap("discover");
    let pool = parse_pool(settings)?;
    let failed: usize = pool.install(|| {
        largest_first(&found, |file| match file.language {
            Language::Python => match python::read_source(&file.path) {
                Ok(text) => usize::from(!python::parse::parse_module(&text).errors.is_empty()),
                Err(_) => 1,
            },
            Language::Rust => match untrusted::read_text(&file.path, untrusted::SOURCE_LIMIT) {
                Ok(text) => usize::from(syn::parse_file(&text).is_err()),
                Err(_) => 1,
            },
        })
        .into_iter()
        .sum()
    });
    clock.lap("read, parse");
    Ok((clock.laps, found.len(), failed))
}

/// Runs `work` over every file on the current pool, largest first: in path
/// order a large file met last kept one worker busy while the other idled
/// (2 threads were 1.5x faster than 1, now 1.7x). Results come back in
/// `found`'s order.
fn largest_first<T: Send>(
    found: &[Discovered],
    work: impl Fn(&Discovered) -> T + Sync + Send,
) -> Vec<T> {
    let mut order: Vec<(u64, usize)> = found
        .par_iter()
        .enumerate()
        .map(|(i, f)| (std::fs::metadata(&f.path).map_or(0, |m| m.len()), i))
        .collect();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let mut done: Vec<(usize, T)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&(_, i)| (i, work(&found[i])))
        .collect();
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, value)| value).collect()
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
        python::Follow::Mentioning(names) => format!("{module}\0{}", names.join("\0")),
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

/// The names whose mention makes a function worth following: every Python
/// role's async entry.
fn follow_names(packs: &Packs) -> Vec<String> {
    let mut names: Vec<String> = packs
        .roles(Language::Python)
        .map(|role| role.async_.clone())
        .collect();
    names.sort();
    names.dedup();
    names
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

/// Indexes `--python-path` sources for the modules the analyzed code imports
/// but does not contain, following their own imports in turn.
fn load_libraries(files: &mut Vec<FileFacts>, settings: &Settings, pool: &rayon::ThreadPool) {
    if settings.python_path.is_empty() {
        return;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    // A directory the tree holds (its `.venv`, one its configuration names)
    // is read only where it resolves inside the tree.
    let roots: Vec<(PathBuf, bool)> = settings
        .python_path
        .iter()
        .map(|root| {
            let absolute = discover::absolutize(&cwd, root);
            let confined = settings.tree.holds(&absolute);
            (absolute, confined)
        })
        .collect();
    let mut tried: HashSet<String> = HashSet::new();
    for _ in 0..MAX_LIBRARY_ROUNDS {
        let missing: BTreeSet<String> = {
            let resolver = Resolver::new(files, &settings.packs).tracking_missing();
            for (file_id, file) in files.iter().enumerate() {
                for class in &file.classes {
                    for base in &class.bases {
                        match base {
                            crate::model::BaseRef::Name(name) => {
                                resolver.resolve(file_id, name);
                            }
                            crate::model::BaseRef::Frozen { name, bindings } => {
                                resolver.resolve_frozen(file_id, name, bindings);
                            }
                            crate::model::BaseRef::Opaque(_) => {}
                        }
                    }
                }
            }
            resolver.missing_modules()
        };
        let wanted: Vec<(String, PathBuf, bool)> = missing
            .into_iter()
            .filter(|m| tried.insert(m.clone()))
            .filter_map(|module| {
                find_module(&roots, &settings.tree, &module).map(|(path, pkg)| (module, path, pkg))
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        let loaded: Vec<FileFacts> = pool.install(|| {
            wanted
                .par_iter()
                .map(|(module, path, is_package)| {
                    let display = discover::display_path(&cwd, path);
                    // Library sources are never checked: no flow facts.
                    let mut facts = python::extract_as(
                        &display,
                        path,
                        module.clone(),
                        *is_package,
                        python::Follow::Nothing,
                    );
                    facts.library = true;
                    facts
                })
                .collect()
        });
        files.extend(loaded);
    }
}

fn find_module(roots: &[(PathBuf, bool)], tree: &Tree, module: &str) -> Option<(PathBuf, bool)> {
    let relative: PathBuf = module.split('.').collect();
    roots.iter().find_map(|(root, confined)| {
        let base = root.join(&relative);
        for (candidate, is_package) in [
            (base.with_extension("py"), false),
            (base.join("__init__.py"), true),
            (base.with_extension("pyi"), false),
            (base.join("__init__.pyi"), true),
        ] {
            if candidate.is_file() && (!confined || tree.contains(&candidate)) {
                return Some((candidate, is_package));
            }
        }
        None
    })
}

pub fn build_hierarchy(files: &[FileFacts], packs: &Packs) -> Hierarchy {
    let resolver = Resolver::new(files, packs);
    let mut nodes = Nodes::default();
    python::nodes::build(&resolver, packs, &mut nodes);
    let rust_roles = crate::rust::nodes::Model::new(files, packs).build(&mut nodes);
    let mut roles: Vec<RoleSpec> = packs
        .all_roles()
        .filter(|(language, _)| *language == Language::Python)
        .map(|(language, role)| RoleSpec {
            name: role.name.clone(),
            language,
            root: match resolver.resolve_path(&role.root, &mut Default::default()) {
                Resolved::Class(key) => TypeKey::Source(key.file, key.class),
                _ => TypeKey::Known(role.root.clone()),
            },
            sync: role.sync.clone(),
            async_: role.async_.clone(),
        })
        .collect();
    roles.extend(rust_roles);
    // Reasons name only a class that defines a role's async entry (the
    // definer an unresolved base may come before), so only those get names.
    let names = nodes
        .iter()
        .filter(|(_, node)| roles.iter().any(|r| node.members.contains_key(&r.async_)))
        .filter_map(|(key, _)| match key {
            TypeKey::Source(file, class) => {
                let (file, class) = (&files[*file], &files[*file].classes[*class]);
                let name = match file.language {
                    Language::Python => format!("{}.{}", file.module, class.qualname),
                    Language::Rust => class.qualname.clone(),
                };
                Some((key.clone(), name))
            }
            _ => None,
        })
        .collect();
    Hierarchy::new(nodes, roles).with_names(names)
}

fn verdicts(files: &[FileFacts], hierarchy: &Hierarchy) -> Vec<TypeVerdict> {
    let mut verdicts = Vec::new();
    for (file_id, file) in files.iter().enumerate() {
        if file.library {
            continue;
        }
        for class_id in 0..file.classes.len() {
            let key = TypeKey::Source(file_id, class_id);
            for role in hierarchy
                .roles
                .iter()
                .filter(|r| r.language == file.language)
            {
                if let Some(capability) = hierarchy.capability(&key, role) {
                    verdicts.push(TypeVerdict {
                        file: file_id,
                        class: class_id,
                        role: role.name.clone(),
                        capability,
                    });
                }
            }
        }
    }
    verdicts
}

impl Analysis {
    /// `module.qualname` of a type, however it is known.
    pub fn qualname(&self, key: &TypeKey) -> String {
        match key {
            TypeKey::Source(file, class) => {
                let file = &self.files[*file];
                let class = &file.classes[*class];
                match file.language {
                    Language::Python => format!("{}.{}", file.module, class.qualname),
                    Language::Rust => class.qualname.clone(),
                }
            }
            TypeKey::Known(path) | TypeKey::Opaque(path) => path.clone(),
            TypeKey::Unresolved { text, .. } => text.clone(),
        }
    }

    /// Where a type is defined, if it is analyzed source.
    pub fn location(&self, key: &TypeKey) -> Option<(&Path, Location)> {
        match key {
            TypeKey::Source(file, class) => {
                let file = &self.files[*file];
                Some((&file.path, file.classes[*class].location))
            }
            _ => None,
        }
    }

    pub fn input_diagnostics(&self) -> impl Iterator<Item = (&Path, &InputDiagnostic)> {
        self.files
            .iter()
            .filter(|f| !f.library)
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f.path.as_path(), d)))
    }

    pub fn verdict_counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for v in &self.verdicts {
            counts[match v.capability.verdict {
                Verdict::Native => 0,
                Verdict::Inherited => 1,
                Verdict::Unknown => 2,
            }] += 1;
        }
        counts
    }
}

/// `$VIRTUAL_ENV` and `./.venv`: their `site-packages`, when present.
pub fn default_python_path() -> Vec<PathBuf> {
    let mut envs: Vec<PathBuf> = Vec::new();
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        envs.push(PathBuf::from(venv));
    }
    envs.push(PathBuf::from(".venv"));
    let mut found = Vec::new();
    for env in envs {
        for lib in ["lib", "lib64"] {
            let Ok(entries) = std::fs::read_dir(env.join(lib)) else {
                continue;
            };
            for entry in entries.flatten() {
                let site = entry.path().join("site-packages");
                if entry.file_name().to_string_lossy().starts_with("python")
                    && site.is_dir()
                    && !found.contains(&site)
                {
                    found.push(site);
                }
            }
        }
        let windows = env.join("Lib").join("site-packages");
        if windows.is_dir() {
            found.push(windows);
        }
    }
    found
}

/// Above this many files a run takes long enough that a silent terminal looks hung.
const PROGRESS_THRESHOLD: usize = 2_000;

/// A bar on standard error, only for large runs on a terminal; hidden otherwise.
fn progress_bar(settings: &Settings, files: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !settings.progress || files < PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} parsing {pos}/{len} files {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
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
