//! What blocks the event loop: the callables known to wait on the outside
//! world (`time.sleep`, blocking HTTP, subprocesses, `open`), the sync entry
//! of any role called on an object of that role (`self.llm.complete(...)`
//! with `llm: CustomLLM`), and analyzed functions that call one of those,
//! followed a few calls deep. Names are resolved through the imports of the
//! file that calls them (`import time as t; t.sleep` is `time.sleep`; a
//! function of the analyzed code named `sleep` is followed, never taken for
//! it).
//!
//! The facts are the front end's [`Body`] lists; nothing here knows a
//! language's syntax.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;

use super::classes::key_of;
use super::resolve::Resolved;
use super::Semantic as Context;
use crate::hierarchy::{RoleSpec, TypeKey};
use crate::model::{
    Binding, Body, Call, CallMode, Callee, ClassId, FileId, Language, Location, NameRef,
};

/// Callables that wait on a clock, the network, a process, a file or a
/// user, by the absolute path they are imported from; what ruff's
/// `flake8-async` rules (ASYNC210-251) call blocking, and the framework
/// methods that call a model over the network.
pub const BLOCKING: &[&str] = &[
    "time.sleep",
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.delete",
    "requests.head",
    "requests.options",
    "requests.request",
    "requests.api.get",
    "requests.api.post",
    "requests.api.request",
    "httpx.get",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.delete",
    "httpx.head",
    "httpx.options",
    "httpx.request",
    "httpx.stream",
    "urllib.request.urlopen",
    "urllib.request.urlretrieve",
    "urllib3.request",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "os.system",
    "os.popen",
    "os.wait",
    "os.waitpid",
    "socket.create_connection",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "builtins.open",
    "builtins.input",
    "io.open",
    "sqlite3.connect",
    "litellm.completion",
    "litellm.text_completion",
    "litellm.embedding",
    "litellm.responses",
    // openhands-sdk 1.58.2, llm/llm.py:1752 and 2011: the sync calls of the
    // model, whose async twins (`acompletion`, `aresponses`) exist.
    "openhands.sdk.llm.llm.LLM.completion",
    "openhands.sdk.llm.llm.LLM.responses",
    "openhands.sdk.llm.LLM.completion",
    "openhands.sdk.llm.LLM.responses",
    "openhands.sdk.LLM.completion",
    "openhands.sdk.LLM.responses",
];

/// How many calls deep analyzed functions are followed.
pub const MAX_CHAIN: usize = 4;

/// How far imports and re-exports are followed for one name.
const MAX_HOPS: usize = 16;

/// One call on the way to what blocks.
#[derive(Clone, Debug)]
pub struct Step {
    pub file: FileId,
    pub location: Location,
    /// The callee as written (`self._fetch`, `t.sleep`).
    pub text: String,
    /// The function the call is in (`Tool._arun`, `download`).
    pub caller: String,
}

/// A call that blocks, directly or through analyzed functions.
#[derive(Clone, Debug)]
pub struct Blocked {
    /// From the call in the body asked about to the call that blocks.
    pub steps: Vec<Step>,
    /// What the last call is (`` `time.sleep` ``; `` `self.llm.complete`,
    /// the sync entry of `CustomLLM` ``).
    pub cause: String,
}

impl Blocked {
    /// The call in the body asked about.
    pub fn first(&self) -> &Step {
        &self.steps[0]
    }

    /// The call that blocks.
    pub fn last(&self) -> &Step {
        &self.steps[self.steps.len() - 1]
    }

    /// `` through `self._fetch()` -> `download()` `` when the blocking call
    /// is not in the body asked about; empty when it is.
    pub fn through(&self) -> String {
        if self.steps.len() < 2 {
            return String::new();
        }
        let hops: Vec<String> = self.steps[..self.steps.len() - 1]
            .iter()
            .map(|s| format!("`{}()`", s.text))
            .collect();
        format!(" through {}", hops.join(" -> "))
    }
}

/// What a call names.
enum Target<'a> {
    /// It blocks: why.
    Blocks(String),
    /// An analyzed function, to follow.
    Function(FileId, &'a Body),
    Nothing,
}

/// A name looked up through a file's imports.
enum Located {
    /// An absolute dotted path that no analyzed source defines.
    External(String),
    /// A module-level function or a class of an analyzed file, and the
    /// attributes after it.
    Function(FileId, String),
    Class(FileId, ClassId, Vec<String>),
    Nothing,
}

/// A body (by identity: bodies live as long as the analysis) asked about
/// with so many more calls left to follow.
type Visit = (FileId, *const Body, usize);

/// Each analyzed file's function bodies by class and name, indexed the
/// first time a check asks about the file: the checks that follow calls
/// share it, and ask about few files.
pub struct Bodies<'a> {
    files: &'a [crate::model::FileFacts],
    /// Per file, its bodies' places sorted by class and name (stably: the
    /// first of a name is the one found).
    index: Vec<OnceLock<Vec<usize>>>,
}

impl<'a> Bodies<'a> {
    pub fn new(files: &'a [crate::model::FileFacts]) -> Self {
        Bodies {
            files,
            index: files.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// A method by its class and name; a module-level function by its
    /// qualname (its name), with no class.
    pub fn get(&self, file: FileId, class: Option<ClassId>, name: &str) -> Option<&'a Body> {
        let facts = &self.files[file];
        if facts.language != Language::Python || facts.library {
            return None;
        }
        let key = |at: usize| {
            let body = &facts.bodies[at];
            let name = match body.class {
                Some(_) => body.name.as_str(),
                None => body.qualname.as_str(),
            };
            (body.class, name)
        };
        let order = self.index[file].get_or_init(|| {
            let mut order: Vec<usize> = (0..facts.bodies.len()).collect();
            order.sort_by(|&a, &b| key(a).cmp(&key(b)));
            order
        });
        let first = order.partition_point(|&at| key(at) < (class, name));
        let &at = order.get(first)?;
        (key(at) == (class, name)).then(|| &facts.bodies[at])
    }
}

/// Answers "does this body block?" for the checks, remembering answers.
pub struct Blocking<'c, 'a> {
    cx: &'c Context<'a>,
    memo: RefCell<HashMap<Visit, Option<Blocked>>>,
}

impl<'c, 'a> Blocking<'c, 'a> {
    pub fn new(cx: &'c Context<'a>) -> Self {
        Blocking {
            cx,
            memo: RefCell::default(),
        }
    }

    /// The body of method `name` that `key`'s class provides (the first
    /// class in its MRO that defines it), when it is analyzed.
    pub fn method(&self, key: &TypeKey, name: &str) -> Option<(FileId, &'c Body)> {
        let provider = self.provider(key, name)?;
        let TypeKey::Source(file, class) = provider else {
            return None;
        };
        let body = self.cx.bodies.get(file, Some(class), name)?;
        Some((file, body))
    }

    /// The first class in `key`'s MRO whose own body defines `name`. An
    /// analyzed class is read from its facts: the hierarchy's nodes keep
    /// only the members a verdict reads (the async entries).
    pub fn provider(&self, key: &TypeKey, name: &str) -> Option<TypeKey> {
        let hierarchy = &self.cx.hierarchy;
        hierarchy
            .mro(key)
            .ok()?
            .into_iter()
            .find(|entry| match entry {
                TypeKey::Source(file, class) => self.cx.analysis.files[*file].classes[*class]
                    .members
                    .contains_key(name),
                other => hierarchy
                    .node(other)
                    .is_some_and(|n| n.members.contains_key(name)),
            })
    }

    /// Each call of `body` that blocks the loop it runs on, with the first
    /// way it does; `skip` leaves calls out (another check's finding).
    pub fn blocking_calls(
        &self,
        file: FileId,
        body: &'c Body,
        skip: &dyn Fn(&Call) -> bool,
    ) -> Vec<Blocked> {
        let mut visiting = HashSet::new();
        visiting.insert(body as *const Body);
        body.calls
            .iter()
            .filter(|call| !skip(call))
            .filter_map(|call| self.call_blocks(file, body, call, MAX_CHAIN, &mut visiting))
            .collect()
    }

    /// The first way `body` blocks, following `depth` more calls.
    fn body_blocks(
        &self,
        file: FileId,
        body: &'c Body,
        depth: usize,
        visiting: &mut HashSet<*const Body>,
    ) -> Option<Blocked> {
        let key = (file, body as *const Body, depth);
        if let Some(known) = self.memo.borrow().get(&key) {
            return known.clone();
        }
        if !visiting.insert(body as *const Body) {
            return None;
        }
        let found = body
            .calls
            .iter()
            .find_map(|call| self.call_blocks(file, body, call, depth, visiting));
        visiting.remove(&(body as *const Body));
        self.memo.borrow_mut().insert(key, found.clone());
        found
    }

    fn call_blocks(
        &self,
        file: FileId,
        body: &'c Body,
        call: &Call,
        depth: usize,
        visiting: &mut HashSet<*const Body>,
    ) -> Option<Blocked> {
        if call.mode == CallMode::Executor {
            return None;
        }
        // Spelled out only for the few calls that block.
        let step = || Step {
            file,
            location: call.location,
            text: call.callee.text(),
            caller: self.caller(file, body),
        };
        match self.target(file, body, call) {
            Target::Blocks(cause) => Some(Blocked {
                steps: vec![step()],
                cause,
            }),
            // Calling a coroutine function without awaiting it runs nothing.
            Target::Function(_, callee) if callee.is_async && call.mode == CallMode::Inline => None,
            // Another object's async entry (or this one's, reached again
            // through `self`) runs whatever its concrete class provides: a
            // native override, or the root's default, which DL008 judges
            // class by class. Following the root's default here would blame
            // every caller for what only some classes do.
            Target::Function(next, callee) if self.is_async_entry(next, callee) => None,
            Target::Function(next, callee) if depth > 1 => {
                let mut inner = self.body_blocks(next, callee, depth - 1, visiting)?;
                inner.steps.insert(0, step());
                Some(inner)
            }
            _ => None,
        }
    }

    fn caller(&self, file: FileId, body: &Body) -> String {
        match body.class {
            Some(class) => format!(
                "{}.{}",
                self.cx.analysis.files[file].classes[class].name, body.name
            ),
            None => body.qualname.clone(),
        }
    }

    fn target(&self, file: FileId, body: &'c Body, call: &Call) -> Target<'c> {
        match &call.callee {
            Callee::Receiver(path) => {
                let Some(class) = body.class else {
                    return Target::Nothing;
                };
                let key = TypeKey::Source(file, class);
                match &path[..] {
                    [method] => {
                        if method != &body.name {
                            if let Some(role) = self.sync_entry_of(&key, method) {
                                return Target::Blocks(self.entry_cause(&call.callee, role));
                            }
                        }
                        self.method_target(&key, method)
                    }
                    [attr, method] => match self.annotation(&key, attr) {
                        Some((at, annotation)) => {
                            self.typed_target(at, &annotation, method, &call.callee)
                        }
                        None => Target::Nothing,
                    },
                    _ => Target::Nothing,
                }
            }
            Callee::Param(param) => match &param.path[..] {
                [method] => self.typed_target(file, &param.annotation, method, &call.callee),
                _ => Target::Nothing,
            },
            Callee::Name(name) => match self.locate(file, name, 0) {
                Located::External(path) => match known(&path) {
                    Some(()) => Target::Blocks(cause_of(&call.callee, &path)),
                    None => Target::Nothing,
                },
                Located::Function(at, name) => match self.cx.bodies.get(at, None, &name) {
                    Some(body) => Target::Function(at, body),
                    None => Target::Nothing,
                },
                Located::Class(at, class, rest) => match &rest[..] {
                    [method] => self.method_target(&TypeKey::Source(at, class), method),
                    _ => Target::Nothing,
                },
                Located::Nothing => Target::Nothing,
            },
        }
    }

    fn method_target(&self, key: &TypeKey, method: &str) -> Target<'c> {
        match self.method(key, method) {
            Some((file, body)) => Target::Function(file, body),
            None => Target::Nothing,
        }
    }

    /// Whether `body` is a method that is the async entry of a role its
    /// class plays.
    fn is_async_entry(&self, file: FileId, body: &Body) -> bool {
        let Some(class) = body.class else {
            return false;
        };
        let key = TypeKey::Source(file, class);
        self.cx.hierarchy.roles.iter().any(|role| {
            role.language == Language::Python
                && role.async_ == body.name
                && self.cx.hierarchy.capability(&key, role).is_some()
        })
    }

    /// A role that `key`'s class plays whose sync entry is `method`.
    fn sync_entry_of(&self, key: &TypeKey, method: &str) -> Option<&'c RoleSpec> {
        self.cx.hierarchy.roles.iter().find(|role| {
            role.language == Language::Python
                && role.sync == method
                && self.cx.hierarchy.capability(key, role).is_some()
        })
    }

    fn entry_cause(&self, callee: &Callee, role: &RoleSpec) -> String {
        format!(
            "`{}` (the sync entry of `{}`, whose async entry is `{}`)",
            callee.text(),
            super::values::root_name(self.cx, role),
            role.async_
        )
    }

    /// The class-body annotation of `attr` on `key`'s class or an analyzed
    /// class it inherits from (a pydantic or dataclass field).
    fn annotation(&self, key: &TypeKey, attr: &str) -> Option<(FileId, NameRef)> {
        let mro = self.cx.hierarchy.mro(key).ok()?;
        // The nearest annotation decides; one of a union, whose members may
        // disagree on what blocks, decides nothing.
        let nearest = mro.iter().find_map(|entry| match entry {
            TypeKey::Source(file, class) => self.cx.analysis.files[*file].classes[*class]
                .annotations
                .get(attr)
                .map(|names| (*file, names.as_slice())),
            _ => None,
        })?;
        match nearest {
            (file, [one]) => Some((file, one.clone())),
            _ => None,
        }
    }

    /// `method` called on a value whose class `annotation` names (in `file`).
    fn typed_target(
        &self,
        file: FileId,
        annotation: &NameRef,
        method: &str,
        callee: &Callee,
    ) -> Target<'c> {
        let resolved = self.cx.resolver.resolve(file, annotation);
        let path = match &resolved {
            Resolved::Class(key) => Some(self.cx.resolver.class_qualname(*key)),
            Resolved::Known(path) | Resolved::Opaque(path) => Some(path.clone()),
            _ => match self.locate(file, annotation, 0) {
                Located::External(path) => Some(path),
                _ => None,
            },
        };
        if let Some(path) = path {
            let full = format!("{path}.{method}");
            if known(&full).is_some() {
                return Target::Blocks(cause_of(callee, &full));
            }
        }
        if !matches!(resolved, Resolved::Class(_) | Resolved::Known(_)) {
            return Target::Nothing;
        }
        let key = key_of(resolved, "");
        if let Some(role) = self.sync_entry_of(&key, method) {
            return Target::Blocks(self.entry_cause(callee, role));
        }
        self.method_target(&key, method)
    }

    /// Where a name leads through `file`'s imports, re-exports and aliases.
    fn locate(&self, file: FileId, name: &NameRef, hops: usize) -> Located {
        if hops > MAX_HOPS {
            return Located::Nothing;
        }
        let (scope, parts) = match name {
            NameRef::Qualified(path) => return self.locate_path(path, hops + 1),
            NameRef::Scoped { scope, parts } => (*scope, parts),
        };
        let Some((head, rest)) = parts.split_first() else {
            return Located::Nothing;
        };
        let facts = &self.cx.analysis.files[file];
        let mut current = Some(scope);
        let mut first = true;
        let mut found = None;
        while let Some(id) = current {
            let Some(s) = facts.scopes.get(id) else { break };
            if first || !s.is_class_body {
                if let Some(bindings) = s.bindings.get(head) {
                    found = Some((id, bindings));
                    break;
                }
            }
            first = false;
            current = s.parent;
        }
        let Some((at, bindings)) = found else {
            // Nothing binds a name written in the caller: a builtin (`open`),
            // or a name a star import brings, which the table does not hold.
            // A module that lacks a name asked of it is not its builtins.
            return match rest.is_empty() && hops == 0 {
                true => Located::External(format!("builtins.{head}")),
                false => Located::Nothing,
            };
        };
        let [binding] = &bindings[..] else {
            // Bound differently on different paths: not one thing.
            return Located::Nothing;
        };
        let joined = |base: String| {
            std::iter::once(base)
                .chain(rest.iter().cloned())
                .collect::<Vec<_>>()
                .join(".")
        };
        match binding {
            Binding::Module(module) => self.locate_path(&joined(module.clone()), hops + 1),
            Binding::From { module, name } => {
                self.locate_path(&joined(format!("{module}.{name}")), hops + 1)
            }
            Binding::Alias(target) => {
                let target = match target {
                    NameRef::Scoped { scope, parts } => NameRef::Scoped {
                        scope: *scope,
                        parts: parts.iter().chain(rest).cloned().collect(),
                    },
                    NameRef::Qualified(path) => NameRef::Qualified(joined(path.clone())),
                };
                self.locate(file, &target, hops + 1)
            }
            Binding::Class(class) => Located::Class(file, *class, rest.to_vec()),
            Binding::Opaque if at == 0 && rest.is_empty() => Located::Function(file, head.clone()),
            Binding::Opaque => Located::Nothing,
        }
    }

    /// An absolute path: through the analyzed module it is in, if any.
    fn locate_path(&self, path: &str, hops: usize) -> Located {
        // Checked before an analyzed library module could hide it.
        if known(path).is_some() {
            return Located::External(path.to_owned());
        }
        let resolver = &self.cx.resolver;
        let mut end = path.len();
        while let Some(dot) = path[..end].rfind('.') {
            let module = &path[..dot];
            if let [file] = resolver.module_files(module) {
                let rest: Vec<String> = path[dot + 1..].split('.').map(str::to_owned).collect();
                let name = NameRef::scoped(0, rest);
                return match self.locate(*file, &name, hops + 1) {
                    // A module that does not define the name (a stub, a
                    // lazy `__getattr__` re-export): the path as imported.
                    Located::Nothing => Located::External(path.to_owned()),
                    found => found,
                };
            }
            end = dot;
        }
        Located::External(path.to_owned())
    }
}

fn known(path: &str) -> Option<()> {
    BLOCKING.contains(&path).then_some(())
}

/// `` `time.sleep` ``, or `` `t.sleep` (`time.sleep`) `` when written otherwise.
fn cause_of(callee: &Callee, path: &str) -> String {
    let written = callee.text();
    let plain = path.strip_prefix("builtins.").unwrap_or(path);
    if written == plain {
        format!("`{plain}`")
    } else {
        format!("`{written}` (`{plain}`)")
    }
}
