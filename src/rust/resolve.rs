//! Name resolution over every analyzed Rust file: `use` trees with renames
//! and globs, `pub use` re-exports, `crate::`, `self::`, `super::`, and
//! paths into crates we do not have (kept as written, with renamed
//! dependencies mapped back to the crate's name). A name is looked up the
//! way rustc does: items defined in the module, then its `use` bindings,
//! then its globs; a local type named like a trait is its own item.

use std::collections::HashMap;

use crate::model::{FileFacts, FileId};
use crate::packs::Packs;

use super::items::{ItemFact, ModuleIdx};

/// How deep `use` chains and re-exports are followed.
const MAX_DEPTH: usize = 24;

/// What one resolution has looked up already: a name in a module, by file
/// and module, and what it was (`None` while the lookup is under way, so
/// that a glob cycle ends there). Globs that re-export each other would
/// otherwise be searched once per path through them: six modules that
/// glob-import one another took 26 s, and every added module multiplies it.
type Looked = HashMap<(FileId, ModuleIdx, String), Option<String>>;

pub struct Index<'a> {
    files: &'a [FileFacts],
    packs: &'a Packs,
    /// Absolute module path -> every (file, module) that defines it.
    modules: HashMap<String, Vec<(FileId, ModuleIdx)>>,
    /// Crate name -> dependency renames (`rt` -> `dispatchlint_runtime`).
    renames: HashMap<String, HashMap<String, String>>,
}

/// An item found in analyzed source.
#[derive(Clone, Debug)]
pub struct LocalItem<'a> {
    pub file: FileId,
    pub module: ModuleIdx,
    pub item: &'a ItemFact,
}

pub use crate::model::rust::rust_facts;

impl<'a> Index<'a> {
    pub fn new(
        files: &'a [FileFacts],
        packs: &'a Packs,
        renames: HashMap<String, HashMap<String, String>>,
    ) -> Self {
        let mut modules: HashMap<String, Vec<(FileId, ModuleIdx)>> = HashMap::new();
        for (id, file) in files.iter().enumerate() {
            let Some(facts) = rust_facts(file) else {
                continue;
            };
            for (m, module) in facts.modules.iter().enumerate() {
                let path = join(&file.module, &module.rel);
                modules.entry(path).or_default().push((id, m));
            }
        }
        Index {
            files,
            packs,
            modules,
            renames,
        }
    }

    pub fn module_path(&self, file: FileId, module: ModuleIdx) -> String {
        let facts = rust_facts(&self.files[file]).expect("a Rust file");
        join(&self.files[file].module, &facts.modules[module].rel)
    }

    /// The absolute path `path` names when written in `module` of `file`.
    pub fn resolve(&self, file: FileId, module: ModuleIdx, path: &[String]) -> Option<String> {
        self.resolve_at(file, module, path, 0, &mut Looked::new())
    }

    /// The path a pack knows it by, or the absolute path itself.
    pub fn canonical(&self, absolute: &str) -> String {
        self.packs
            .canonical(absolute)
            .map(str::to_owned)
            .unwrap_or_else(|| absolute.to_owned())
    }

    /// The analyzed item at an absolute path.
    pub fn item(&self, absolute: &str) -> Option<LocalItem<'a>> {
        let (parent, name) = absolute.rsplit_once("::")?;
        for &(file, module) in self.modules.get(parent)? {
            let facts = rust_facts(&self.files[file])?;
            if let Some(item) = facts.modules[module].items.get(name) {
                return Some(LocalItem { file, module, item });
            }
        }
        None
    }

    fn resolve_at(
        &self,
        file: FileId,
        module: ModuleIdx,
        path: &[String],
        depth: usize,
        looked: &mut Looked,
    ) -> Option<String> {
        if depth > MAX_DEPTH || path.is_empty() {
            return None;
        }
        // A function body's `self` and `super` are its module's.
        let mut named = module;
        let facts = rust_facts(&self.files[file])?;
        while facts.modules[named].block {
            named = facts.modules[named].parent.unwrap_or(0);
        }
        let here = self.module_path(file, named);
        let first = path[0].as_str();
        let (mut current, rest) = match first {
            "" => (
                self.extern_crate(&here, path.get(1)?),
                &path[2.min(path.len())..],
            ),
            "crate" | "$crate" => (crate_of(&here).to_owned(), &path[1..]),
            "self" => (here.clone(), &path[1..]),
            "Self" => return None,
            "super" => {
                let mut current = here.clone();
                let mut used = 0;
                while path.get(used).map(String::as_str) == Some("super") {
                    current = current.rsplit_once("::")?.0.to_owned();
                    used += 1;
                }
                (current, &path[used..])
            }
            _ => {
                // From a function body outwards to its module.
                let mut scope = module;
                let found = loop {
                    if let Some(found) = self.lookup_in(file, scope, first, depth, looked) {
                        break Some(found);
                    }
                    if scope == named {
                        break None;
                    }
                    scope = facts.modules[scope].parent.unwrap_or(named);
                };
                match found {
                    Some(found) => (found, &path[1..]),
                    None => (self.extern_crate(&here, first), &path[1..]),
                }
            }
        };
        for segment in rest {
            current = self.member(&current, segment, depth + 1, looked)?;
        }
        Some(current)
    }

    /// A name in one module's scope: its items, its `use` bindings, its globs.
    fn lookup_in(
        &self,
        file: FileId,
        module: ModuleIdx,
        name: &str,
        depth: usize,
        looked: &mut Looked,
    ) -> Option<String> {
        let key = (file, module, name.to_owned());
        if let Some(found) = looked.get(&key) {
            return found.clone();
        }
        looked.insert(key.clone(), None);
        // The search, as a closure so that `?` ends it and not the caching.
        let found = (|| {
            let facts = rust_facts(&self.files[file])?;
            let scope = &facts.modules[module];
            let own = format!("{}::{name}", self.module_path(file, module));
            // Items, and child modules whose body is another file (`mod x;`).
            if scope.items.contains_key(name) || self.modules.contains_key(&own) {
                return Some(own);
            }
            if let Some(uses) = scope.uses.get(name) {
                for used in uses {
                    // `use a::b` with `b` bound here: resolving `b` again from
                    // the same scope would loop; the path starts elsewhere.
                    if let Some(found) =
                        self.resolve_at(file, module, &used.path, depth + 1, looked)
                    {
                        return Some(found);
                    }
                }
            }
            let mut external = None;
            for glob in &scope.globs {
                let Some(target) = self.resolve_at(file, module, &glob.path, depth + 1, looked)
                else {
                    continue;
                };
                if self.modules.contains_key(&target) {
                    if let Some(found) = self.member(&target, name, depth + 1, looked) {
                        return Some(found);
                    }
                } else {
                    // A glob from a crate we do not have: only believe it for
                    // names a pack says that crate has.
                    let candidate = format!("{target}::{name}");
                    if external.is_none() && self.packs.canonical(&candidate).is_some() {
                        external = Some(candidate);
                    }
                }
            }
            external
        })();
        looked.insert(key, found.clone());
        found
    }

    /// `name` inside the module or item at `parent`.
    fn member(
        &self,
        parent: &str,
        name: &str,
        depth: usize,
        looked: &mut Looked,
    ) -> Option<String> {
        let Some(places) = self.modules.get(parent) else {
            // A crate we do not have, or an item's associated name.
            return Some(format!("{parent}::{name}"));
        };
        if depth > MAX_DEPTH {
            return None;
        }
        for &(file, module) in places {
            if let Some(found) = self.lookup_in(file, module, name, depth + 1, looked) {
                return Some(found);
            }
        }
        None
    }

    /// The crate a leading name means from module `here`, after renames.
    fn extern_crate(&self, here: &str, name: &str) -> String {
        self.renames
            .get(crate_of(here))
            .and_then(|r| r.get(name))
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }
}

pub use crate::model::rust::crate_of;

fn join(module: &str, rel: &[String]) -> String {
    let mut path = module.to_owned();
    for part in rel {
        path.push_str("::");
        path.push_str(part);
    }
    path
}
