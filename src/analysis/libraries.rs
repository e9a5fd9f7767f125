//! `--python-path`: the Python sources of frameworks the analyzed code
//! imports (a venv's `site-packages`), indexed on demand, only for the
//! modules it imports and does not contain.

use std::collections::HashSet;
use std::path::PathBuf;

use rayon::prelude::*;

use super::Settings;
use crate::discover;
use crate::model::{FileFacts, FileId};
use crate::python;
use crate::semantic::resolve::{module_hash, BaseAnswer, PathMemo, Resolver};
use crate::untrusted::Tree;

/// How many rounds of `--python-path` loading: each round follows the
/// imports the previous one found.
const MAX_LIBRARY_ROUNDS: usize = 8;

/// Indexes `--python-path` sources for the modules the analyzed code imports
/// but does not contain, following their own imports in turn.
pub(super) fn load_libraries(
    files: &mut Vec<FileFacts>,
    settings: &Settings,
    pool: &rayon::ThreadPool,
) {
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
    // The class bases asked in a round: at first those of the analyzed
    // classes; then those of each library class a base turned out to be (a
    // library class no analyzed class derives from never matters), and
    // those whose answer hung on a module just loaded (any other answer
    // stands).
    let mut pending: Vec<BaseAt> = bases_of(files).collect();
    let mut reached: HashSet<(FileId, usize)> = HashSet::new();
    let mut waiting: Vec<(BaseAt, Vec<u64>)> = Vec::new();
    let mut loaded_names: HashSet<u64> = HashSet::new();
    for _ in 0..MAX_LIBRARY_ROUNDS {
        let (missing, answered) = {
            let resolver = Resolver::new(files, &settings.packs).tracking_missing();
            let mut batch: Vec<BaseAt> = waiting
                .iter()
                .filter(|(_, absent)| absent.iter().any(|h| loaded_names.contains(h)))
                .map(|(at, _)| *at)
                .chain(pending.drain(..))
                .collect();
            let mut answered: Vec<(BaseAt, Vec<u64>)> = Vec::new();
            // The classes found are loaded already: their bases are asked
            // in this same round, until no new class is found.
            while !batch.is_empty() {
                // The resolver records what it misses behind a lock, so the
                // order the bases are resolved in does not change the set.
                // Answers are reused within fixed runs of bases, not within
                // whatever a thread happened to take: a reused answer skips
                // the steps its search took, which a hostile tree could
                // bring to the step limit, so what the memo held at each
                // base must not depend on the schedule.
                let answers: Vec<(BaseAt, BaseAnswer)> = pool.install(|| {
                    batch
                        .par_chunks(MEMO_RUN)
                        .flat_map_iter(|run| {
                            let mut memo = PathMemo::default();
                            run.iter()
                                .map(|&at @ (file, class, base)| {
                                    let base = &files[file].classes[class].bases[base];
                                    (at, resolver.resolve_base_for_loading(file, base, &mut memo))
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect()
                });
                batch = Vec::new();
                for (at, answer) in answers {
                    for key in answer.classes {
                        if files[key.file].library && reached.insert((key.file, key.class)) {
                            batch.extend(bases_of_class(files, key.file, key.class));
                        }
                    }
                    answered.push((at, answer.absent));
                }
            }
            (resolver.missing_modules(), answered)
        };
        // A base asked again replaces its earlier answer.
        let asked: HashSet<BaseAt> = answered.iter().map(|(at, _)| *at).collect();
        waiting.retain(|(at, _)| !asked.contains(at));
        waiting.extend(
            answered
                .into_iter()
                .filter(|(_, absent)| !absent.is_empty()),
        );
        let untried: Vec<String> = missing
            .into_iter()
            .filter(|m| tried.insert(m.clone()))
            .collect();
        // Up to four probes a module, most of them for modules that are not
        // there: on the pool, not one after another.
        let wanted: Vec<(String, PathBuf, bool)> = pool.install(|| {
            untried
                .into_par_iter()
                .filter_map(|module| {
                    find_module(&roots, &settings.tree, &module)
                        .map(|(path, pkg)| (module, path, pkg))
                })
                .collect()
        });
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
        loaded_names = loaded.iter().map(|f| module_hash(&f.module)).collect();
        files.extend(loaded);
    }
}

/// How many bases share one memo of answers (see `load_libraries`).
const MEMO_RUN: usize = 64;

/// A class base: its file, its class, and its place among the bases.
type BaseAt = (FileId, usize, usize);

/// Every base of every class.
fn bases_of(files: &[FileFacts]) -> impl Iterator<Item = BaseAt> + '_ {
    files.iter().enumerate().flat_map(move |(file, facts)| {
        (0..facts.classes.len()).flat_map(move |class| bases_of_class(files, file, class))
    })
}

/// Every base of one class.
fn bases_of_class(files: &[FileFacts], file: FileId, class: usize) -> impl Iterator<Item = BaseAt> {
    (0..files[file].classes[class].bases.len()).map(move |base| (file, class, base))
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

/// `$VIRTUAL_ENV` and `./.venv`: their `site-packages`, when present.
pub fn default_python_path() -> Vec<PathBuf> {
    default_python_path_in(std::path::Path::new(""))
}

/// [`default_python_path`] with the `.venv` of `dir` (the language server's
/// workspace), not of the working directory.
pub fn default_python_path_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut envs: Vec<PathBuf> = Vec::new();
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        envs.push(PathBuf::from(venv));
    }
    envs.push(dir.join(".venv"));
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
