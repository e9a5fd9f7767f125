//! What the facts say about values inside one function: the class a local
//! name holds, and for a driver, the objects it was built with (a
//! conversation's agent). Shared by
//! the checks; it never guesses: a name assigned more than once, in a branch
//! that may not have run, or from something unresolved has no type.

use super::classes::key_of;
use super::resolve::Resolved;
use crate::hierarchy::{Capability, MemberNode, RoleSpec, TypeKey, Verdict};
use crate::model::{
    Assign, Binding, EntryCall, FileFacts, FileId, FunctionFact, Language, Location, NameRef, Value,
};
use crate::packs::Factory;

use super::Semantic as Context;

/// How far values are followed through assignments and arguments.
const MAX_FOLLOW: usize = 32;

/// A driver role and a role its native async entry awaits, on an
/// attribute of `self` or on `self` itself (the pack's `drives`): a
/// conversation and its agent, an agent and its condenser, an LLM's
/// `_agenerate` and its own `_acall`.
pub struct RolePair<'a> {
    pub driver: &'a RoleSpec,
    pub driven: &'a RoleSpec,
    /// The attribute that holds the driven object, or `self`.
    pub attr: &'a str,
}

impl RolePair<'_> {
    /// The driven object is the driver itself (`attr = "self"`).
    pub fn same_object(&self) -> bool {
        self.attr == "self"
    }

    /// The driven role's default calls its sync entry inline: taking the
    /// async path only costs what the sync entry costs (a cheap condenser's
    /// `return view` costs nothing), so the pair checks leave it to the
    /// check of blocking sync entries.
    pub fn driven_inline(&self) -> bool {
        self.driven.default == Some(crate::packs::DefaultKind::Inline)
    }

    /// The path of the driven object, given the driver's.
    pub fn driven_path(&self, driver: &[String]) -> Vec<String> {
        let mut path = driver.to_vec();
        if !self.same_object() {
            path.push(self.attr.to_owned());
        }
        path
    }
}

fn short(key: &TypeKey) -> String {
    let path = match key {
        TypeKey::Known(p) | TypeKey::Opaque(p) => p.clone(),
        TypeKey::Unresolved { text, .. } => text.clone(),
        TypeKey::Source(..) => String::new(),
    };
    path.rsplit('.').next().unwrap_or_default().to_owned()
}

/// Every Python (driver, driven) pair the packs declare with `drives` (an
/// old pack's `agent-attr` is read as one), matched to the hierarchy's roles
/// by pack and name.
pub fn role_pairs<'s>(cx: &'s Context<'_>) -> Vec<RolePair<'s>> {
    let roles = &cx.hierarchy.roles;
    let mut pairs = Vec::new();
    for driver in roles.iter().filter(|r| r.language == Language::Python) {
        for drive in &driver.drives {
            let Some(driven) = roles.iter().find(|s| {
                s.language == Language::Python && s.pack == driver.pack && s.name == drive.role
            }) else {
                continue;
            };
            pairs.push(RolePair {
                driver,
                driven,
                attr: &drive.attr,
            });
        }
    }
    pairs
}

/// Whether some pair drives `role` through an attribute (not `self`): the
/// driver is the framework's own caller of its async entry.
pub fn driven_through_attribute(pairs: &[RolePair<'_>], role: &RoleSpec) -> bool {
    pairs
        .iter()
        .any(|p| !p.same_object() && std::ptr::eq(p.driven, role))
}

/// The root as written in the analyzed source, when it is analyzed.
pub fn root_name(cx: &Context<'_>, role: &RoleSpec) -> String {
    match &role.root {
        TypeKey::Source(file, class) => cx.analysis.files[*file].classes[*class].name.clone(),
        other => short(other),
    }
}

/// A value's class, and what it was built with.
#[derive(Clone, Debug)]
pub struct Typed {
    pub key: TypeKey,
    /// For a driver: the driven objects passed to its constructor or
    /// factory, by the attribute that holds them (a conversation's `agent`).
    pub held: Vec<(String, Typed)>,
    /// The assignment that made the value, when it went through one.
    pub origin: Option<Location>,
    /// The class comes from an annotation: the value may be any subclass.
    pub declared: bool,
}

impl Typed {
    fn of(key: TypeKey) -> Self {
        Typed {
            key,
            held: Vec::new(),
            origin: None,
            declared: false,
        }
    }

    fn declared(key: TypeKey) -> Self {
        Typed {
            declared: true,
            ..Typed::of(key)
        }
    }

    /// What the value holds on `attr`, as built: `None` for `self`.
    pub fn held(&self, attr: &str) -> Option<&Typed> {
        self.held.iter().find(|(a, _)| a == attr).map(|(_, t)| t)
    }
}

/// One function's values.
pub struct Values<'a> {
    pub cx: &'a Context<'a>,
    pub file: FileId,
    pub function: &'a FunctionFact,
    pub pairs: &'a [RolePair<'a>],
}

/// Where a value is used: a byte offset and the branch it sits in.
#[derive(Clone, Copy)]
pub struct At<'b> {
    pub offset: u32,
    pub block: &'b [u32],
}

impl<'b> At<'b> {
    pub fn call(call: &'b EntryCall) -> Self {
        At {
            offset: call.location.start,
            block: &call.block,
        }
    }
}

enum Reach<'a> {
    Unassigned,
    One(&'a Assign),
    Unclear,
}

impl<'a> Values<'a> {
    fn facts(&self) -> &'a FileFacts {
        &self.cx.analysis.files[self.file]
    }

    pub fn capability(&self, key: &TypeKey, role: &RoleSpec) -> Option<Capability> {
        self.cx.hierarchy.capability(key, role)
    }

    pub fn verdict(&self, key: &TypeKey, role: &RoleSpec) -> Option<Verdict> {
        self.capability(key, role).map(|c| c.verdict)
    }

    pub fn name(&self, key: &TypeKey) -> String {
        match key {
            TypeKey::Source(file, class) => self.cx.analysis.files[*file].classes[*class]
                .qualname
                .clone(),
            other => short(other),
        }
    }

    /// The one assignment of `target` that reaches `at`: the only one in
    /// the function, made before `at` in a block that encloses it.
    fn reaching(&self, target: &[String], at: At<'_>) -> Reach<'a> {
        let mut all = self.function.assigns.iter().filter(|a| a.target == target);
        let Some(first) = all.next() else {
            return Reach::Unassigned;
        };
        if all.next().is_some() {
            return Reach::Unclear;
        }
        if first.location.end <= at.offset && at.block.starts_with(&first.block) {
            Reach::One(first)
        } else {
            Reach::Unclear
        }
    }

    /// Replaces a local alias at the head of `path` by what it was assigned:
    /// `agent.astep` after `agent = conversation.agent` is `conversation.agent.astep`.
    pub fn expand(&self, path: &[String], at: At<'_>) -> Vec<String> {
        let mut current = path.to_vec();
        for _ in 0..MAX_FOLLOW {
            let Some(head) = current.first() else { break };
            let Reach::One(assign) = self.reaching(std::slice::from_ref(head), at) else {
                break;
            };
            let Value::Path(target) = &assign.value else {
                break;
            };
            if target.first() == Some(head) {
                break;
            }
            let mut next = target.clone();
            next.extend_from_slice(&current[1..]);
            current = next;
        }
        current
    }

    /// The value's class, when it says which class the value is: an
    /// annotation naming a role's root says nothing of the sort.
    pub fn typed(&self, value: &Value, at: At<'_>) -> Option<Typed> {
        self.typed_at(value, at, 0).filter(|t| self.exact(t))
    }

    fn exact(&self, typed: &Typed) -> bool {
        !typed.declared || !self.cx.hierarchy.roles.iter().any(|r| r.root == typed.key)
    }

    fn typed_at(&self, value: &Value, at: At<'_>, depth: usize) -> Option<Typed> {
        if depth > MAX_FOLLOW {
            return None;
        }
        match value {
            Value::Path(path) => self.path_typed(path, at, depth),
            Value::Call {
                callee,
                args,
                keywords,
            } => self.call_typed(callee, args, keywords, at, depth),
            Value::Str(_) | Value::Other => None,
        }
    }

    fn path_typed(&self, path: &[String], at: At<'_>, depth: usize) -> Option<Typed> {
        // `a.b.c...` recurses once per attribute: a generated chain of
        // 100,000 would overflow the stack.
        if depth > MAX_FOLLOW {
            return None;
        }
        match self.reaching(path, at) {
            Reach::One(assign) => {
                let from = At {
                    offset: assign.location.start,
                    block: &assign.block,
                };
                let mut typed = self.typed_at(&assign.value, from, depth + 1)?;
                if typed.origin.is_none() {
                    typed.origin = Some(assign.location);
                }
                return Some(typed);
            }
            Reach::Unclear => return None,
            Reach::Unassigned => {}
        }
        if let [name] = path {
            let param = self.function.params.iter().find(|p| &p.name == name)?;
            return self
                .declared(self.file, &param.annotation)
                .map(Typed::declared);
        }
        if let [object, attr] = path {
            if let Some(typed) = self.attribute_typed(object, attr, depth) {
                return Some(typed);
            }
        }
        // `conv.agent`: the agent the conversation was built with.
        let (last, parent) = path.split_last()?;
        let holder = self.path_typed(parent, at, depth + 1)?;
        let holds = self.pairs.iter().any(|p| {
            !p.same_object() && p.attr == last && self.verdict(&holder.key, p.driver).is_some()
        });
        if !holds {
            return None;
        }
        holder.held(last).cloned()
    }

    /// `self.<attr>` in a method (or a closure nested in one): the class
    /// its class body annotates it with (a dataclass or pydantic field), or
    /// else the value the class's `__init__` (`__post_init__`) assigns it,
    /// when that is the only assignment to it anywhere in the class.
    pub fn attribute_typed(&self, object: &str, attr: &str, depth: usize) -> Option<Typed> {
        let facts = &self.cx.analysis.files[self.file];
        let method = method_of(facts, self.function)?;
        if !is_receiver(method, object) {
            return None;
        }
        let class = method.class?;
        if let Some(annotation) = facts.classes[class].annotations.get(attr) {
            return self.declared(self.file, annotation).map(Typed::declared);
        }
        let mut assigned = facts
            .functions
            .iter()
            .filter(|f| f.class == Some(class))
            .flat_map(|f| {
                let receiver = f.params.first().map(|p| p.name.as_str());
                f.assigns
                    .iter()
                    .filter(move |a| {
                        matches!(&a.target[..], [o, a] if Some(o.as_str()) == receiver && a == attr)
                    })
                    .map(move |a| (f, a))
            });
        let (init, assign) = assigned.next()?;
        let once = facts.classes[class]
            .receiver_assignments
            .get(attr)
            .is_some_and(|all| all.len() == 1);
        if !once
            || assigned.next().is_some()
            || !matches!(init.name.as_str(), "__init__" | "__post_init__")
        {
            return None;
        }
        let values = Values {
            function: init,
            ..*self
        };
        let at = At {
            offset: assign.location.end,
            block: &assign.block,
        };
        let mut typed = values.typed_at(&assign.value, at, depth + 1)?;
        typed.origin.get_or_insert(assign.location);
        Some(typed)
    }

    /// The class a name names, as this file resolves it.
    pub fn class_at_ref(&self, name: &NameRef) -> Option<TypeKey> {
        self.class_key(self.cx.resolver.resolve(self.file, name))
    }

    /// The class a dotted path names in the function's scope.
    pub fn class_at(&self, path: &[String]) -> Option<TypeKey> {
        let name = NameRef::scoped(self.function.scope, path.to_vec());
        self.class_key(self.cx.resolver.resolve(self.file, &name))
    }

    /// The class an annotation of `file` declares (`names`: one, or the
    /// members of a union). A union gives a class only when its members
    /// agree, for every role, on their verdict: then any check reaches the
    /// same conclusion from one member as from the other, and its first
    /// member stands for it (`Typed` keeps one key, which every check reads).
    fn declared(&self, file: FileId, names: &[NameRef]) -> Option<TypeKey> {
        let keys = names
            .iter()
            .map(|name| self.class_key(self.cx.resolver.resolve(file, name)))
            .collect::<Option<Vec<TypeKey>>>()?;
        let (first, rest) = keys.split_first()?;
        let roles = &self.cx.hierarchy.roles;
        let agree = rest.iter().all(|other| {
            other == first
                || roles
                    .iter()
                    .all(|role| self.verdict(other, role) == self.verdict(first, role))
        });
        agree.then(|| first.clone())
    }

    fn class_key(&self, resolved: Resolved) -> Option<TypeKey> {
        match resolved {
            Resolved::Class(_) | Resolved::Known(_) => Some(key_of(resolved, "")),
            _ => None,
        }
    }

    fn call_typed(
        &self,
        callee: &NameRef,
        args: &[Value],
        keywords: &[(String, Value)],
        at: At<'_>,
        depth: usize,
    ) -> Option<Typed> {
        let resolver = &self.cx.resolver;
        let packs = &self.cx.analysis.packs;
        let resolved = resolver.resolve(self.file, callee);
        let qualname = match &resolved {
            Resolved::Class(key) => resolver.class_qualname(*key),
            Resolved::Known(path) => path.clone(),
            _ => return self.returned_typed(callee),
        };
        let canonical = packs.canonical(&qualname).unwrap_or(&qualname).to_owned();
        let keyword = |name: &str| keywords.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let factory = packs.factory(&canonical);
        let key = match factory {
            Some(factory) => {
                let returns = match factory.remote_arg.as_deref().and_then(keyword) {
                    None => factory.returns.clone(),
                    Some(workspace) => match self.remote(workspace, factory, at, depth + 1)? {
                        true => factory.remote_returns.clone()?,
                        false => factory.returns.clone(),
                    },
                };
                key_of(
                    resolver.resolve_path(&returns, &mut Default::default()),
                    &returns,
                )
            }
            None => self.class_key(resolved)?,
        };
        if !matches!(key, TypeKey::Source(..) | TypeKey::Known(_)) {
            return None;
        }
        // The attributes the class's driver roles hold their driven objects
        // on, each passed by keyword; a lone one may come first positionally
        // (`LocalConversation(agent, workspace)`), and a factory names its own.
        let mut attrs: Vec<&str> = Vec::new();
        for pair in self.pairs.iter().filter(|p| !p.same_object()) {
            if !attrs.contains(&pair.attr) && self.verdict(&key, pair.driver).is_some() {
                attrs.push(pair.attr);
            }
        }
        let lone = attrs.len() == 1;
        let mut held = Vec::new();
        for attr in attrs {
            let argument = match factory {
                Some(factory) if lone || attr == factory.agent_arg => {
                    keyword(&factory.agent_arg).or(args.first())
                }
                Some(_) => None,
                None => keyword(attr).or(args.first().filter(|_| lone)),
            };
            let typed = argument.and_then(|v| self.typed_at(v, at, depth + 1));
            if let Some(typed) = typed.filter(|t| self.exact(t)) {
                held.push((attr.to_owned(), typed));
            }
        }
        Some(Typed {
            key,
            held,
            origin: None,
            declared: false,
        })
    }

    /// A call of an analyzed module-level function: the class its return
    /// annotation names (a function of this module, or one imported).
    fn returned_typed(&self, callee: &NameRef) -> Option<Typed> {
        let NameRef::Scoped { parts, .. } = callee else {
            return None;
        };
        let [name] = &parts[..] else {
            return None;
        };
        let files = &self.cx.analysis.files;
        let (file, annotation) = defining_files(self.cx, self.file, name)
            .find_map(|(id, name)| Some((id, files[id].return_annotations.get(name)?)))?;
        self.declared(file, annotation).map(Typed::declared)
    }

    /// Whether a factory's workspace argument makes it return the remote
    /// class: `Some(true)` for a URL or a remote workspace, `None` when unknown.
    fn remote(&self, value: &Value, factory: &Factory, at: At<'_>, depth: usize) -> Option<bool> {
        if depth > MAX_FOLLOW {
            return None;
        }
        match value {
            Value::Str(s) => Some(s.starts_with("http://") || s.starts_with("https://")),
            Value::Call { callee, .. } => {
                if let Some(path) = self.written_path(callee) {
                    if factory.remote_types.contains(&path) {
                        return Some(true);
                    }
                }
                match self.cx.resolver.resolve(self.file, callee) {
                    resolved @ (Resolved::Class(_) | Resolved::Known(_)) => {
                        self.is_remote(&key_of(resolved, ""), factory)
                    }
                    Resolved::Opaque(path) => Some(factory.remote_types.contains(&path)),
                    _ => None,
                }
            }
            Value::Path(path) => match self.reaching(path, at) {
                Reach::One(assign) => {
                    let from = At {
                        offset: assign.location.start,
                        block: &assign.block,
                    };
                    self.remote(&assign.value, factory, from, depth + 1)
                }
                _ => None,
            },
            Value::Other => None,
        }
    }

    fn is_remote(&self, key: &TypeKey, factory: &Factory) -> Option<bool> {
        let mro = self.cx.hierarchy.mro(key).ok()?;
        let mut unclear = false;
        for entry in &mro {
            if matches!(entry, TypeKey::Unresolved { .. }) {
                unclear = true;
                continue;
            }
            if factory
                .remote_types
                .contains(&self.cx.analysis.qualname(entry))
            {
                return Some(true);
            }
        }
        (!unclear).then_some(false)
    }

    /// The absolute path a name was imported by (`openhands.sdk.RemoteWorkspace`),
    /// even when nothing analyzed defines it.
    fn written_path(&self, name: &NameRef) -> Option<String> {
        let NameRef::Scoped { scope, parts } = name else {
            return None;
        };
        let facts = self.facts();
        let (head, rest) = parts.split_first()?;
        let mut current = Some(*scope);
        while let Some(id) = current {
            let s = &facts.scopes[id];
            if let Some(bindings) = s.bindings.get(head) {
                let base = match bindings.as_slice() {
                    [Binding::Module(module)] => module.clone(),
                    [Binding::From { module, name }] => format!("{module}.{name}"),
                    _ => return None,
                };
                return Some(
                    std::iter::once(base)
                        .chain(rest.iter().cloned())
                        .collect::<Vec<_>>()
                        .join("."),
                );
            }
            current = s.parent;
        }
        None
    }

    /// Whether the function belongs to a class that plays a role driving
    /// `driven` through an attribute (its own method, or a function nested
    /// in one): the framework's own caller of the driven async entry.
    pub fn in_driver_of(&self, driven: &RoleSpec) -> bool {
        let facts = self.facts();
        let classes = facts.classes.iter().enumerate().filter(|(id, class)| {
            Some(*id) == self.function.class
                || self
                    .function
                    .qualname
                    .starts_with(&format!("{}.", class.qualname))
        });
        classes.into_iter().any(|(id, _)| {
            let key = TypeKey::Source(self.file, id);
            self.pairs.iter().any(|p| {
                !p.same_object()
                    && std::ptr::eq(p.driven, driven)
                    && self.verdict(&key, p.driver).is_some()
            })
        })
    }
}

/// What `super().<attr>` reaches from `key`: the verdict of the next class in
/// the MRO that provides it, when that is decidable.
pub fn next_provider(cx: &Context<'_>, key: &TypeKey, role: &RoleSpec) -> Option<Verdict> {
    let hierarchy = &cx.hierarchy;
    let mro = hierarchy.mro(key).ok()?;
    for entry in mro.iter().skip(1) {
        if matches!(entry, TypeKey::Unresolved { .. }) {
            return None;
        }
        match hierarchy
            .node(entry)
            .and_then(|n| n.members.get(&role.async_))
        {
            None => continue,
            Some(MemberNode::Defined(_)) => {
                return Some(if *entry == role.root {
                    Verdict::Inherited
                } else {
                    Verdict::Native
                })
            }
            Some(_) => return None,
        }
    }
    None
}

/// Every analyzed, non-library Python file: the ones the checks judge.
pub fn python_files<'a>(cx: &'a Context<'a>) -> impl Iterator<Item = (FileId, &'a FileFacts)> {
    cx.analysis
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.language == Language::Python && !f.library)
}

/// Every function of those files, with its file.
pub fn functions<'a>(cx: &'a Context<'a>) -> impl Iterator<Item = (FileId, &'a FunctionFact)> {
    python_files(cx).flat_map(|(id, f)| f.functions.iter().map(move |func| (id, func)))
}

pub fn is_receiver(function: &FunctionFact, name: &str) -> bool {
    function.params.first().is_some_and(|p| p.name == name)
}

/// The method whose receiver `function` sees: itself, or the method it is
/// nested in (a closure such as `_run_and_publish` inside `start`).
pub fn method_of<'a>(
    facts: &'a crate::model::FileFacts,
    function: &'a FunctionFact,
) -> Option<&'a FunctionFact> {
    match function.class {
        Some(_) => Some(function),
        None => {
            let (outer, _) = function.qualname.rsplit_once(".<locals>.")?;
            facts
                .functions
                .iter()
                .find(|f| f.qualname == outer && f.class.is_some())
        }
    }
}

/// The analyzed function a condition calls, and the path its first
/// parameter is bound to when it is called as a method (`self._native(c)`).
pub fn find_function<'a>(
    cx: &'a Context<'_>,
    file: FileId,
    caller: &FunctionFact,
    callee: &[String],
) -> Option<(FileId, &'a FunctionFact, Option<Vec<String>>)> {
    let facts = &cx.analysis.files[file];
    match callee {
        [name] => {
            let nested = format!("{}.<locals>.{name}", caller.qualname);
            if let Some(found) = facts
                .functions
                .iter()
                .find(|f| f.qualname == nested || (f.class.is_none() && &f.qualname == name))
            {
                return Some((file, found, None));
            }
            defining_files(cx, file, name).find_map(|(id, name)| {
                cx.analysis.files[id]
                    .functions
                    .iter()
                    .find(|g| g.class.is_none() && g.qualname == name)
                    .map(|g| (id, g, None))
            })
        }
        [object, name] => {
            let method = method_of(facts, caller);
            let class = if let Some(method) = method.filter(|m| is_receiver(m, object)) {
                method.class?
            } else {
                facts.classes.iter().position(|c| &c.name == object)?
            };
            let method = facts
                .functions
                .iter()
                .find(|f| f.class == Some(class) && &f.name == name)?;
            // A method whose first parameter is `self` or `cls` is bound
            // to the object it is looked up on; a staticmethod is not.
            let bound = method
                .params
                .first()
                .filter(|p| p.name == "self" || p.name == "cls")
                .map(|_| vec![object.clone()]);
            Some((file, method, bound))
        }
        _ => None,
    }
}

/// Where a module-level `name` of `file` may be defined, and under which
/// name: the file itself, else the analyzed module it is imported from
/// (`from .helpers import is_native`).
fn defining_files<'c>(
    cx: &'c Context<'_>,
    file: FileId,
    name: &'c str,
) -> impl Iterator<Item = (FileId, &'c str)> + 'c {
    let files = &cx.analysis.files;
    let imported = files[file]
        .scopes
        .first()
        .and_then(|scope| scope.bindings.get(name))
        .and_then(|bindings| match &bindings[..] {
            [Binding::From { module, name }] => Some((module.as_str(), name.as_str())),
            _ => None,
        });
    std::iter::once((file, name)).chain(imported.into_iter().flat_map(move |(module, name)| {
        files
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.module == module)
            .map(move |(id, _)| (id, name))
    }))
}
