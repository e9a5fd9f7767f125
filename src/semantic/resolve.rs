//! Python name resolution over all analyzed modules: scopes, imports,
//! re-exports, aliases and the rule packs' known paths.

use std::collections::BTreeSet;
use std::sync::Mutex;

use rustc_hash::FxHashMap as HashMap;

use crate::model::{BaseRef, Binding, ClassId, FileFacts, FileId, Language, NameRef, ScopeId};
use crate::packs::Packs;

/// A class defined in analyzed source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassKey {
    pub file: FileId,
    pub class: ClassId,
}

/// What a name refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Resolved {
    Class(ClassKey),
    /// A class known only from a rule pack, by canonical path.
    Known(String),
    Module(String),
    /// Standard-library or pack-declared classes that define no role entry.
    Opaque(String),
    /// A function, a value: not a class.
    NotAClass,
    Unresolved(String),
}

/// Top-level standard-library modules whose classes never define a role entry.
const STDLIB: &[&str] = &[
    "abc",
    "typing",
    "typing_extensions",
    "collections",
    "enum",
    "dataclasses",
    "contextlib",
    "asyncio",
    "threading",
    "concurrent",
    "functools",
    "builtins",
    "types",
    "io",
    "os",
    "pathlib",
    "json",
    "logging",
    "queue",
    "numbers",
];

const BUILTIN_NAMES: &[&str] = &[
    "object",
    "Exception",
    "BaseException",
    "dict",
    "list",
    "tuple",
    "set",
    "str",
    "int",
    "float",
    "bytes",
    "type",
];

/// How deeply one question may nest through imports, re-exports, star
/// imports and aliases. Real chains are a few modules long; a cycle the
/// visited set does not see, or a generated chain, stops here.
pub const MAX_RESOLVE_DEPTH: usize = 128;

/// How many steps one question may take in all: each binding of a name may
/// be followed separately, so a hostile tree could otherwise make the work
/// exponential in the depth.
pub const MAX_RESOLVE_STEPS: usize = 20_000;

/// What [`Resolver::resolve_base_for_loading`] found.
#[derive(Debug, Default)]
pub struct BaseAnswer {
    /// Hashes of the absent modules the answer hung on, sorted.
    pub absent: Vec<u64>,
    /// The classes the base is, or may be.
    pub classes: Vec<ClassKey>,
}

/// A name being resolved: (file, scope, name), or (file, [`STAR`], name)
/// for a search through the file's star imports.
type Visit = (FileId, ScopeId, String);

/// The scope of a [`Visit`] that searches star imports.
const STAR: ScopeId = ScopeId::MAX;

/// What one resolution has been through: the names being resolved (a name
/// met again is a cycle), the star imports being searched, how deep it is
/// and how many steps it has taken.
pub struct Trail {
    /// Each name being resolved, with when it was entered (see `cut_at`).
    seen: HashMap<Visit, usize>,
    /// How many names have been entered: the clock of `seen`.
    entered: usize,
    depth: usize,
    steps: usize,
    /// Set once a limit is hit: every answer after that is unresolved.
    exhausted: Option<String>,
    /// Star imports already searched in vain for a name in this question:
    /// star imports that share modules (a diamond) would otherwise be
    /// searched once per path to them, exponentially many.
    stars_searched: HashMap<Visit, VainSearch>,
    /// Hashes of the module names found absent on the way (only when the
    /// resolver tracks missing modules): the answer may change once one of
    /// them is loaded, and only then.
    absent: Vec<u64>,
    /// The earliest entry a stop short met since the last reset: a cycle
    /// back to a name entered at that time, a limit (time 0), a search
    /// skipped for having stopped short. An answer whose own search met no
    /// name entered before it began is the same from any question, so
    /// `--python-path` loading may reuse it; `usize::MAX` when none.
    cut_at: usize,
    /// Answers to absolute paths kept for reuse (only while loading).
    memo: Option<PathMemo>,
}

/// A star-import search that found nothing: the earliest entry it stopped
/// short at, if any (then a search again could find something), and the
/// absent modules it met (a question that skips it hung on them too).
struct VainSearch {
    cut_at: usize,
    absent: Vec<u64>,
}

/// Answers to absolute paths found without a cut, with the absent modules
/// each hung on, reused across the questions of one loading round: most
/// analyzed classes derive from a few framework classes, each imported in
/// its own file. Keyed with SipHash: the paths come from the analyzed tree.
pub type PathMemo = std::collections::HashMap<String, (Resolved, Vec<u64>)>;

impl Default for Trail {
    fn default() -> Self {
        Trail {
            seen: HashMap::default(),
            entered: 0,
            depth: 0,
            steps: 0,
            exhausted: None,
            stars_searched: HashMap::default(),
            absent: Vec::new(),
            cut_at: usize::MAX,
            memo: None,
        }
    }
}

impl Trail {
    /// Marks `key` as being resolved; `false` (and a stop short at the
    /// time it was entered) when it already is: a cycle.
    fn enter_name(&mut self, key: Visit) -> bool {
        if let Some(&at) = self.seen.get(&key) {
            self.cut_at = self.cut_at.min(at);
            return false;
        }
        self.entered += 1;
        self.seen.insert(key, self.entered);
        true
    }

    /// Runs `search`, and says whether its answer depended on nothing
    /// entered before it began (then any question would get the same).
    fn self_contained<T>(&mut self, search: impl FnOnce(&mut Self) -> T) -> (T, bool) {
        let (began, outer) = (
            self.entered,
            std::mem::replace(&mut self.cut_at, usize::MAX),
        );
        let found = search(self);
        let contained = self.cut_at > began;
        self.cut_at = self.cut_at.min(outer);
        (found, contained)
    }

    /// Enters one more level, or says why not.
    fn enter(&mut self) -> Result<(), Resolved> {
        if let Some(reason) = &self.exhausted {
            self.cut_at = 0;
            return Err(Resolved::Unresolved(reason.clone()));
        }
        self.steps += 1;
        let reason = if self.depth >= MAX_RESOLVE_DEPTH {
            format!(
                "the chain of imports, re-exports and aliases is deeper than {MAX_RESOLVE_DEPTH} steps; not followed"
            )
        } else if self.steps > MAX_RESOLVE_STEPS {
            format!("resolving the name took more than {MAX_RESOLVE_STEPS} steps; not followed")
        } else {
            self.depth += 1;
            return Ok(());
        };
        self.exhausted = Some(reason.clone());
        self.cut_at = 0;
        Err(Resolved::Unresolved(reason))
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

pub struct Resolver<'a> {
    pub files: &'a [FileFacts],
    pub packs: &'a Packs,
    modules: HashMap<&'a str, Vec<FileId>>,
    /// Modules asked for that are not analyzed: candidates for `--python-path`.
    /// Ordered, not hashed: the names come from the analyzed tree, and a
    /// tree could choose names that collide in a fast hash.
    missing: Mutex<BTreeSet<String>>,
    /// Whether to record `missing` (only `--python-path` loading reads it).
    track_missing: bool,
}

impl<'a> Resolver<'a> {
    pub fn new(files: &'a [FileFacts], packs: &'a Packs) -> Self {
        let mut modules: HashMap<&str, Vec<FileId>> = HashMap::default();
        for (id, file) in files.iter().enumerate() {
            if file.language == Language::Python && !file.module.is_empty() {
                modules.entry(file.module.as_str()).or_default().push(id);
            }
        }
        Resolver {
            files,
            packs,
            modules,
            missing: Mutex::new(BTreeSet::new()),
            track_missing: false,
        }
    }

    /// Records the modules asked for that are not analyzed, for `missing_modules`.
    pub fn tracking_missing(mut self) -> Self {
        self.track_missing = true;
        self
    }

    /// Resolves a class base for `--python-path` loading: which absent
    /// modules the answer depended on, as [`module_hash`]es (it can change
    /// only when one of them is loaded, so loading asks again only then),
    /// and the classes it may be (the class it names, or each class an
    /// ambiguous name may be), whose own bases are asked in turn.
    pub fn resolve_base_for_loading(
        &self,
        file: FileId,
        base: &BaseRef,
        memo: &mut PathMemo,
    ) -> BaseAnswer {
        let trail = &mut Trail {
            memo: Some(std::mem::take(memo)),
            ..Trail::default()
        };
        let answer = self.base_for_loading(file, base, trail);
        *memo = trail.memo.take().unwrap_or_default();
        answer
    }

    fn base_for_loading(&self, file: FileId, base: &BaseRef, trail: &mut Trail) -> BaseAnswer {
        let (resolved, name, frozen) = match base {
            BaseRef::Name(name) => (self.resolve_guarded(file, name, trail), name, None),
            BaseRef::Frozen { name, bindings } => (
                self.resolve_frozen_guarded(file, name, bindings, trail),
                name,
                Some(bindings.as_slice()),
            ),
            BaseRef::Opaque(_) => return BaseAnswer::default(),
        };
        let classes = match resolved {
            Resolved::Class(key) => vec![key],
            Resolved::Unresolved(_) => self
                .alternatives(file, name, frozen)
                .into_iter()
                .filter_map(|r| match r {
                    Resolved::Class(key) => Some(key),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut absent = std::mem::take(&mut trail.absent);
        absent.sort_unstable();
        absent.dedup();
        BaseAnswer { absent, classes }
    }

    pub fn missing_modules(&self) -> BTreeSet<String> {
        self.missing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn module_files(&self, module: &str) -> &[FileId] {
        self.modules.get(module).map_or(&[], Vec::as_slice)
    }

    pub fn class_qualname(&self, key: ClassKey) -> String {
        let file = &self.files[key.file];
        format!("{}.{}", file.module, file.classes[key.class].qualname)
    }

    /// A base pinned to the bindings in effect at its class statement.
    pub fn resolve_frozen(&self, file: FileId, name: &NameRef, bindings: &[Binding]) -> Resolved {
        self.resolve_frozen_guarded(file, name, bindings, &mut Trail::default())
    }

    fn resolve_frozen_guarded(
        &self,
        file: FileId,
        name: &NameRef,
        bindings: &[Binding],
        trail: &mut Trail,
    ) -> Resolved {
        let NameRef::Scoped { scope, parts } = name else {
            return self.resolve_guarded(file, name, trail);
        };
        let head = self.bindings(file, *scope, &parts[0], bindings, trail);
        parts[1..]
            .iter()
            .fold(head, |current, attr| self.member(current, attr, trail))
    }

    /// Each thing an ambiguous name may be, resolved on its own.
    pub fn alternatives(
        &self,
        file: FileId,
        name: &NameRef,
        frozen: Option<&[Binding]>,
    ) -> Vec<Resolved> {
        let NameRef::Scoped { scope, parts } = name else {
            return Vec::new();
        };
        let facts = &self.files[file];
        let bindings: Vec<Binding> = match frozen {
            Some(bindings) => bindings.to_vec(),
            None => {
                let mut current = Some(*scope);
                let mut found = Vec::new();
                while let Some(id) = current {
                    if let Some(b) = facts.scopes[id].bindings.get(&parts[0]) {
                        found = b.clone();
                        break;
                    }
                    current = facts.scopes[id].parent;
                }
                found
            }
        };
        if bindings.len() < 2 {
            return Vec::new();
        }
        bindings
            .iter()
            .map(|binding| {
                let trail = &mut Trail::default();
                let head = self.binding(file, binding, trail);
                parts[1..]
                    .iter()
                    .fold(head, |current, attr| self.member(current, attr, trail))
            })
            .collect()
    }

    pub fn resolve(&self, file: FileId, name: &NameRef) -> Resolved {
        self.resolve_guarded(file, name, &mut Trail::default())
    }

    fn resolve_guarded(&self, file: FileId, name: &NameRef, trail: &mut Trail) -> Resolved {
        match name {
            NameRef::Qualified(path) => self.resolve_path(path, trail),
            NameRef::Scoped { scope, parts } => {
                let Some((first, rest)) = parts.split_first() else {
                    return Resolved::NotAClass;
                };
                let head = self.lookup(file, *scope, first, trail);
                rest.iter()
                    .fold(head, |current, attr| self.member(current, attr, trail))
            }
        }
    }

    /// Looks a bare name up from `scope`: the scope itself, then enclosing
    /// function and module scopes (class bodies are skipped, as in Python).
    fn lookup(&self, file: FileId, scope: ScopeId, name: &str, trail: &mut Trail) -> Resolved {
        let facts = &self.files[file];
        let mut current = Some(scope);
        let mut first = true;
        while let Some(id) = current {
            let scope = &facts.scopes[id];
            if first || !scope.is_class_body {
                if let Some(bindings) = scope.bindings.get(name) {
                    return self.bindings(file, id, name, bindings, trail);
                }
            }
            first = false;
            current = scope.parent;
        }
        // Star imports at module level come last.
        if let Some(found) = self.star(file, name, trail) {
            return found;
        }
        if BUILTIN_NAMES.contains(&name) {
            return Resolved::Opaque(format!("builtins.{name}"));
        }
        self.unresolved(|| format!("`{name}` is not defined in {}", facts.module))
    }

    fn bindings(
        &self,
        file: FileId,
        scope: ScopeId,
        name: &str,
        bindings: &[Binding],
        trail: &mut Trail,
    ) -> Resolved {
        let key = (file, scope, name.to_owned());
        if trail.seen.contains_key(&key) {
            // A cycle: entering again only notes where it stopped short.
            trail.enter_name(key);
            return self.unresolved(|| format!("`{name}` is defined in terms of itself"));
        }
        if let Err(stopped) = trail.enter() {
            return stopped;
        }
        trail.enter_name(key.clone());
        let mut results: Vec<Resolved> = Vec::new();
        for binding in bindings {
            let result = self.binding(file, binding, trail);
            if !results.contains(&result) {
                results.push(result);
            }
        }
        trail.seen.remove(&key);
        trail.leave();
        if results.len() == 1 {
            return results.pop().unwrap_or(Resolved::NotAClass);
        }
        self.unresolved(|| {
            let described: Vec<String> = results.iter().map(|r| self.describe(r)).collect();
            format!(
                "`{name}` is ambiguous in {}: it may be {}",
                self.files[file].module,
                described.join(" or ")
            )
        })
    }

    fn binding(&self, file: FileId, binding: &Binding, trail: &mut Trail) -> Resolved {
        match binding {
            // `import a.b` binds `a` whether or not `a` itself is analyzed (a
            // namespace package, or a framework known from a pack).
            Binding::Module(module) => match self.resolve_path(module, trail) {
                Resolved::Unresolved(_) => Resolved::Module(module.clone()),
                found => found,
            },
            Binding::From { module, name } => {
                self.resolve_path_reusing(format!("{module}.{name}"), trail)
            }
            Binding::Class(class) => Resolved::Class(ClassKey {
                file,
                class: *class,
            }),
            Binding::Alias(target) => self.resolve_guarded(file, target, trail),
            Binding::Opaque => Resolved::NotAClass,
        }
    }

    fn member(&self, base: Resolved, attr: &str, trail: &mut Trail) -> Resolved {
        match base {
            Resolved::Module(module) => self.resolve_path(&format!("{module}.{attr}"), trail),
            Resolved::Class(key) => {
                let file = &self.files[key.file];
                let wanted = format!("{}.{attr}", file.classes[key.class].qualname);
                file.classes
                    .iter()
                    .position(|c| c.qualname == wanted)
                    .map_or(Resolved::NotAClass, |class| {
                        Resolved::Class(ClassKey {
                            file: key.file,
                            class,
                        })
                    })
            }
            Resolved::Known(path) | Resolved::Opaque(path) => {
                self.resolve_path(&format!("{path}.{attr}"), trail)
            }
            other => other,
        }
    }

    /// [`Self::resolve_path`], through the trail's memo when it has one.
    fn resolve_path_reusing(&self, path: String, trail: &mut Trail) -> Resolved {
        let Some(memo) = &trail.memo else {
            return self.resolve_path(&path, trail);
        };
        if let Some((found, absent)) = memo.get(&path) {
            trail.absent.extend_from_slice(absent);
            return found.clone();
        }
        let absent_from = trail.absent.len();
        let (found, contained) = trail.self_contained(|trail| self.resolve_path(&path, trail));
        if contained {
            let absent = trail.absent[absent_from..].to_vec();
            if let Some(memo) = &mut trail.memo {
                memo.insert(path, (found.clone(), absent));
            }
        }
        found
    }

    /// Resolves an absolute dotted path: the longest analyzed module prefix,
    /// then its module-level names; failing that, the packs.
    pub fn resolve_path(&self, path: &str, trail: &mut Trail) -> Resolved {
        if let Err(stopped) = trail.enter() {
            return stopped;
        }
        let found = self.resolve_path_inner(path, trail);
        trail.leave();
        found
    }

    fn resolve_path_inner(&self, path: &str, trail: &mut Trail) -> Resolved {
        if self.modules.contains_key(path) {
            return Resolved::Module(path.to_owned());
        }
        self.note_absent(path, trail);
        let mut prefix_end = path.len();
        while let Some(dot) = path[..prefix_end].rfind('.') {
            let module = &path[..dot];
            if let Some(files) = self.modules.get(module) {
                return self.in_module(module, files, &path[dot + 1..], path, trail);
            }
            self.note_absent(module, trail);
            prefix_end = dot;
        }
        self.outside(path, trail)
    }

    fn in_module(
        &self,
        module: &str,
        files: &[FileId],
        rest: &str,
        path: &str,
        trail: &mut Trail,
    ) -> Resolved {
        if files.len() > 1 {
            return self.unresolved(|| {
                let paths: Vec<String> = files
                    .iter()
                    .map(|&f| self.files[f].path.display().to_string())
                    .collect();
                format!("module `{module}` is ambiguous: {}", paths.join(", "))
            });
        }
        let file = files[0];
        let scope = &self.files[file].scopes[0];
        let mut rest = rest.split('.');
        let name = rest.next().unwrap_or_default();
        let head = if scope.bindings.contains_key(name) {
            self.lookup(file, 0, name, trail)
        } else if let Some(found) = self.star(file, name, trail) {
            found
        } else if let Some(known) = self.packs.canonical(path) {
            // A lazy re-export (`__getattr__`) the pack knows about.
            return self.known(known);
        } else {
            // `from pkg.sub.mod import C` with only `pkg` loaded: `sub` may be
            // a submodule that `--python-path` has not loaded yet (a package
            // need not import its submodules).
            self.note_missing(path);
            return self.unresolved(|| format!("module `{module}` has no `{name}`"));
        };
        rest.fold(head, |current, attr| self.member(current, attr, trail))
    }

    /// `name` through the module's star imports, in order. Two modules that
    /// star-import each other (or a package and its own submodule) would
    /// search each other forever: a star import already being searched for
    /// the same name is skipped.
    fn star(&self, file: FileId, name: &str, trail: &mut Trail) -> Option<Resolved> {
        let stars = self.files[file].scopes[0].bindings.get("*")?;
        let key = (file, STAR, name.to_owned());
        if let Some(vain) = trail.stars_searched.get(&key) {
            trail.cut_at = trail.cut_at.min(vain.cut_at);
            trail.absent.extend_from_slice(&vain.absent);
            return None;
        }
        if !trail.enter_name(key.clone()) {
            return None;
        }
        let absent_from = trail.absent.len();
        let (found, contained) = trail.self_contained(|trail| {
            for star in stars {
                let Binding::From { module, .. } = star else {
                    continue;
                };
                match self.resolve_path(&format!("{module}.{name}"), trail) {
                    // A limit hit below stops the search, and says so.
                    Resolved::Unresolved(reason) if trail.exhausted.is_some() => {
                        return Some(Resolved::Unresolved(reason));
                    }
                    Resolved::Unresolved(_) => {}
                    other => return Some(other),
                }
            }
            None
        });
        trail.seen.remove(&key);
        if found.is_none() {
            let vain = VainSearch {
                // A search that met nothing entered before it is vain from
                // anywhere; otherwise, skipping it stops short where it did.
                cut_at: if contained { usize::MAX } else { trail.cut_at },
                absent: trail.absent[absent_from..].to_vec(),
            };
            trail.stars_searched.insert(key, vain);
        }
        found
    }

    fn known(&self, canonical: &str) -> Resolved {
        if self.packs.is_opaque(canonical) {
            Resolved::Opaque(canonical.to_owned())
        } else {
            Resolved::Known(canonical.to_owned())
        }
    }

    /// An unresolved answer. While `--python-path` is loaded only the
    /// modules probed matter, and answers are thrown away: the reason is
    /// left empty rather than written thousands of times. That never
    /// changes what is probed: a step asks only whether an answer is
    /// unresolved. (Empty reasons are equal, so a name whose bindings are
    /// all unresolved comes back unresolved rather than ambiguous: an
    /// unresolved answer either way.)
    fn unresolved(&self, reason: impl FnOnce() -> String) -> Resolved {
        Resolved::Unresolved(if self.track_missing {
            String::new()
        } else {
            reason()
        })
    }

    fn note_absent(&self, module: &str, trail: &mut Trail) {
        if self.track_missing {
            trail.absent.push(module_hash(module));
        }
    }

    /// Every prefix of `path` is a module that `--python-path` could provide.
    fn note_missing(&self, path: &str) {
        if !self.track_missing {
            return;
        }
        let mut missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        let mut end = path.len();
        loop {
            // A path is noted with all its prefixes: one already noted ends
            // the walk (most paths are asked for many times).
            if missing.contains(&path[..end]) {
                break;
            }
            missing.insert(path[..end].to_owned());
            match path[..end].rfind('.') {
                Some(dot) => end = dot,
                None => break,
            }
        }
    }

    /// A path that no analyzed module provides.
    fn outside(&self, path: &str, trail: &mut Trail) -> Resolved {
        let top = path.split('.').next().unwrap_or(path);
        if STDLIB.contains(&top) {
            return Resolved::Opaque(path.to_owned());
        }
        // Every prefix is a module that `--python-path` could provide; its
        // source, when found, is preferred to what a pack knows.
        self.note_missing(path);
        if let Some(canonical) = self.packs.canonical(path) {
            // The canonical path may itself be analyzed source (the framework
            // checked out next to the user's code).
            if canonical != path {
                if let Resolved::Class(key) = self.resolve_path(canonical, trail) {
                    return Resolved::Class(key);
                }
            }
            return self.known(canonical);
        }
        self.unresolved(|| {
            format!("`{path}` is not in the analyzed code and no rule pack describes it")
        })
    }

    pub fn describe(&self, resolved: &Resolved) -> String {
        match resolved {
            Resolved::Class(key) => format!("`{}`", self.class_qualname(*key)),
            Resolved::Known(path) | Resolved::Opaque(path) | Resolved::Module(path) => {
                format!("`{path}`")
            }
            Resolved::NotAClass => "a non-class value".into(),
            Resolved::Unresolved(reason) => reason.clone(),
        }
    }
}

/// A module name's hash, as [`Resolver::resolve_base_for_loading`] gives it.
pub fn module_hash(module: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(module)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn file(module: &str, source: &str) -> FileFacts {
        let path = PathBuf::from(format!("{}.py", module.replace('.', "/")));
        crate::python::from_text(
            FileFacts::empty(path, Language::Python, module.into()),
            source,
        )
    }

    fn sorted(modules: &[&str]) -> Vec<u64> {
        let mut hashes: Vec<u64> = modules.iter().map(|m| module_hash(m)).collect();
        hashes.sort_unstable();
        hashes
    }

    #[test]
    fn a_base_names_the_absent_modules_its_answer_hung_on() {
        let files = vec![
            file("fw", "x = 1\n"),
            file(
                "app",
                "from fw.sub import Base\n\nclass Mine(Base):\n    pass\n",
            ),
        ];
        let packs = Packs::builtin();
        let base = &files[1].classes[0].bases[0];
        // `fw.sub.Base` and `fw.sub` were looked for and not found; `fw` was.
        let tracking = Resolver::new(&files, &packs).tracking_missing();
        assert_eq!(
            tracking
                .resolve_base_for_loading(1, base, &mut PathMemo::default())
                .absent,
            sorted(&["fw.sub.Base", "fw.sub"])
        );
        assert!(tracking.missing_modules().contains("fw.sub"));
        // A resolver that loads nothing has nothing to note.
        let plain = Resolver::new(&files, &packs);
        assert!(plain
            .resolve_base_for_loading(1, base, &mut PathMemo::default())
            .absent
            .is_empty());
    }

    #[test]
    fn a_base_found_in_analyzed_code_hangs_on_no_absent_module() {
        let files = vec![
            file("fw", "class Base:\n    pass\n"),
            file(
                "app",
                "from fw import Base\n\nclass Mine(Base):\n    pass\n",
            ),
        ];
        let packs = Packs::builtin();
        let tracking = Resolver::new(&files, &packs).tracking_missing();
        let base = &files[1].classes[0].bases[0];
        // `fw.Base` is looked for as a module first: absent, but the
        // answer comes from `fw`, loaded.
        assert_eq!(
            tracking
                .resolve_base_for_loading(1, base, &mut PathMemo::default())
                .absent,
            sorted(&["fw.Base"])
        );
        assert!(tracking.missing_modules().is_empty());
    }

    /// Every file's first class's first base, asked with one memo and
    /// without: the answers to compare.
    fn asked_with_and_without_memo(files: &[FileFacts], askers: &[FileId]) -> Vec<[BaseAnswer; 2]> {
        let packs = Packs::builtin();
        let resolver = Resolver::new(files, &packs).tracking_missing();
        let mut memo = PathMemo::default();
        askers
            .iter()
            .map(|&file| {
                let base = &files[file].classes[0].bases[0];
                [
                    resolver.resolve_base_for_loading(file, base, &mut memo),
                    resolver.resolve_base_for_loading(file, base, &mut PathMemo::default()),
                ]
            })
            .collect()
    }

    #[test]
    fn a_reused_answer_brings_the_absent_modules_it_hung_on() {
        let files = vec![
            file("fw", "x = 1\n"),
            file("fw.api", "from fw.core import Base\n"),
            file(
                "app",
                "from fw.api import Base\n\nclass A(Base):\n    pass\n",
            ),
            file(
                "other",
                "from fw.api import Base\n\nclass B(Base):\n    pass\n",
            ),
        ];
        for [reused, fresh] in asked_with_and_without_memo(&files, &[2, 3]) {
            assert_eq!(reused.absent, fresh.absent);
            assert!(
                reused.absent.contains(&module_hash("fw.core")),
                "{reused:?}"
            );
        }
    }

    #[test]
    fn star_imports_that_share_a_module_are_reused_whole() {
        // `p.b` star-imports `p.a` again: the second search of `p.a` for
        // `Base` is skipped (it was vain), which needs nothing outside.
        let files = vec![
            file("p", "from p.a import *\nfrom p.b import *\n"),
            file("p.a", "from p.c import *\n"),
            file("p.b", "from p.a import *\nfrom p.d import *\n"),
            file("p.c", "x = 1\n"),
            file("p.d", "class Base:\n    pass\n"),
            file("app", "from p import Base\n\nclass A(Base):\n    pass\n"),
            file("other", "from p import Base\n\nclass B(Base):\n    pass\n"),
        ];
        let packs = Packs::builtin();
        let resolver = Resolver::new(&files, &packs).tracking_missing();
        let mut memo = PathMemo::default();
        for file in [5, 6] {
            let base = &files[file].classes[0].bases[0];
            let answer = resolver.resolve_base_for_loading(file, base, &mut memo);
            assert_eq!(answer.classes, [ClassKey { file: 4, class: 0 }]);
        }
        assert!(memo.contains_key("p.Base"), "{:?}", memo.keys());
    }

    #[test]
    fn an_answer_cut_by_a_cycle_from_outside_is_not_reused() {
        // `a.X` and `b.X` name each other: `b.X`, asked inside `a.X`'s
        // question, stops at `a`'s `X`, entered before it began.
        let files = vec![
            file("a", "from b import X\n"),
            file("b", "from a import X\n"),
            file("app", "from a import X\n\nclass A(X):\n    pass\n"),
            file("other", "from b import X\n\nclass B(X):\n    pass\n"),
        ];
        let packs = Packs::builtin();
        let resolver = Resolver::new(&files, &packs).tracking_missing();
        let mut memo = PathMemo::default();
        let base = &files[2].classes[0].bases[0];
        resolver.resolve_base_for_loading(2, base, &mut memo);
        assert!(memo.contains_key("a.X"));
        assert!(!memo.contains_key("b.X"), "{:?}", memo.keys());
        // Reused or not, an answer hangs on every absent module a fresh one does.
        for [reused, fresh] in asked_with_and_without_memo(&files, &[2, 3]) {
            assert!(reused.classes.is_empty() && fresh.classes.is_empty());
            assert!(fresh.absent.iter().all(|h| reused.absent.contains(h)));
        }
    }
}
