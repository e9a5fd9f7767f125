//! Python facts: scopes, bindings, classes and their members, from one parsed module.

use std::collections::BTreeMap;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::model::{
    AliasMember, BaseRef, Binding, Body, Callee, ClassFact, ClassId, Constant, FileFacts,
    FromImport, FunctionFact, Location, Member, NameRef, Scope, ScopeId, UnknownMember,
};

use super::flow;
use super::modules::resolve_relative;
use super::statements::{classify, receiver_assignments, suites, Runs, Statement};
use super::syntax::{dotted, Locator, MAX_DEPTH};

/// Where the walker is: which scope, which `__qualname__` prefix, which class body.
#[derive(Clone, Copy)]
struct Place {
    scope: ScopeId,
    class: Option<ClassId>,
    /// Inside a branch (`if`, `try`, loop): bindings add up instead of replacing.
    conditional: bool,
    /// Inside `if TYPE_CHECKING:`: never executed at runtime.
    type_checking: bool,
    depth: usize,
    /// In the body of a class whose text mentions a role's entry: its
    /// `__init__` tells the class of the attributes the entry is called on.
    class_follows: bool,
}

/// Lengths of the facts' lists when a scope opened.
#[derive(Clone, Copy)]
struct Mark {
    classes: usize,
    functions: usize,
    patches: usize,
}

pub struct Extractor<'a> {
    pub facts: FileFacts,
    pub locator: &'a Locator<'a>,
    /// Bindings made under `if TYPE_CHECKING:`, per scope: they only count
    /// for names that nothing binds at runtime.
    typing_only: Vec<(ScopeId, String, Binding)>,
    follow: super::Follow<'a>,
    /// Where the names `follow` asks about occur in the text, in order.
    mentions: Vec<TextSize>,
    /// Skip function bodies that [`super::inert`] finds can leave no fact.
    pub skip_inert: bool,
    /// How many statements bind each module-level name: a constant is one
    /// bound once.
    module_binds: rustc_hash::FxHashMap<String, u32>,
    /// `__qualname__` of the class or function body being walked, with its
    /// trailing `.` (or `.<locals>.`): grown and cut back as bodies nest.
    prefix: String,
    /// Each scope's bindings while the walk adds to them, by scope id; moved
    /// into the facts' compact maps when the walk ends.
    bindings: Vec<BTreeMap<String, Vec<Binding>>>,
    /// Each class's members while the walk adds to them, by class id, as
    /// `bindings` are for scopes.
    members: Vec<BTreeMap<String, Member>>,
}

impl<'a> Extractor<'a> {
    pub fn new(facts: FileFacts, locator: &'a Locator<'a>, follow: super::Follow<'a>) -> Self {
        let mentions = match follow {
            super::Follow::Mentioning(mentions) => mentions.find(locator.text()),
            _ => Vec::new(),
        };
        let bindings = facts
            .scopes
            .iter()
            .map(|scope| {
                scope
                    .bindings
                    .iter()
                    .map(|(name, bound)| (name.clone(), bound.clone()))
                    .collect()
            })
            .collect();
        let members = facts
            .classes
            .iter()
            .map(|class| {
                class
                    .members
                    .iter()
                    .map(|(name, member)| (name.clone(), member.clone()))
                    .collect()
            })
            .collect();
        Extractor {
            facts,
            members,
            locator,
            follow,
            mentions,
            skip_inert: true,
            prefix: String::new(),
            bindings,
            typing_only: Vec::new(),
            module_binds: Default::default(),
        }
    }

    pub fn run(mut self, module: &ast::ModModule) -> FileFacts {
        let place = Place {
            scope: 0,
            class: None,
            conditional: false,
            type_checking: false,
            depth: 0,
            class_follows: false,
        };
        self.suite(&module.body, place);
        if !self.facts.constants.is_empty() {
            let mut rebound = std::collections::HashSet::new();
            globals_declared(&module.body, &mut rebound, 0);
            let binds = &self.module_binds;
            self.facts
                .constants
                .retain(|name, _| binds.get(name) == Some(&1) && !rebound.contains(name.as_str()));
        }
        // A typing-only binding counts only where nothing binds the name at runtime.
        let runtime: std::collections::HashSet<(ScopeId, String)> = self
            .typing_only
            .iter()
            .filter(|(scope, name, _)| self.bindings[*scope].contains_key(name))
            .map(|(scope, name, _)| (*scope, name.clone()))
            .collect();
        for (scope, name, binding) in std::mem::take(&mut self.typing_only) {
            if runtime.contains(&(scope, name.clone())) {
                continue;
            }
            let bindings = self.bindings[scope].entry(name).or_default();
            if !bindings.contains(&binding) {
                bindings.push(binding);
            }
        }
        self.prune_calls();
        for (scope, bindings) in self.facts.scopes.iter_mut().zip(self.bindings) {
            // Sorted already: the compact map is filled in one pass.
            scope.bindings = bindings.into_iter().collect();
        }
        for (class, members) in self.facts.classes.iter_mut().zip(self.members) {
            class.members = members.into_iter().collect();
        }
        self.facts
    }

    /// Whether a function's flow facts are wanted: with
    /// `Follow::Mentioning`, whether one of the names occurs in its source
    /// (found once per file rather than searched for once per function).
    fn follows(&self, range: TextRange) -> bool {
        match self.follow {
            super::Follow::All => true,
            super::Follow::Nothing => false,
            super::Follow::Mentioning(_) => {
                let first = self.mentions.partition_point(|&at| at < range.start());
                self.mentions.get(first).is_some_and(|&at| at < range.end())
            }
        }
    }

    fn bind(&mut self, place: Place, name: &str, binding: Binding) {
        if place.scope == 0 {
            match self.module_binds.get_mut(name) {
                Some(count) => *count += 1,
                None => {
                    self.module_binds.insert(name.to_owned(), 1);
                }
            }
        }
        if place.type_checking {
            self.typing_only
                .push((place.scope, name.to_owned(), binding));
            return;
        }
        let scope = &mut self.bindings[place.scope];
        match scope.get_mut(name) {
            Some(bindings) => {
                if !place.conditional {
                    bindings.clear();
                }
                if !bindings.contains(&binding) {
                    bindings.push(binding);
                }
            }
            // Most names are bound once: no room for more.
            None => {
                scope.insert(name.to_owned(), vec![binding]);
            }
        }
    }

    /// What the facts held when a scope opened, to tell at its close
    /// whether anything inside it will look names up through it.
    fn mark(&self) -> Mark {
        Mark {
            classes: self.facts.classes.len(),
            functions: self.facts.functions.len(),
            patches: self.facts.patches.len(),
        }
    }

    /// Frees a closed function's scope or class body's bindings when nothing can
    /// look them up. Names are only looked up from the scopes facts refer
    /// to (a class statement's, an alias member's class body, a patch, a
    /// followed function) and outwards from there, so a scope holding none
    /// of those is never read again. About half of all bindings are such
    /// locals, and keeping them cost more in fresh pages than parsing
    /// (README, "Benchmark"). A patch of a name its own scope binds only
    /// to non-classes (`self.x = ...`) resolves to no class, so it goes
    /// first rather than keeping its scope alive.
    fn close_scope(&mut self, scope: ScopeId, mark: Mark) {
        let facts = &mut self.facts;
        let bindings = &self.bindings[scope];
        let mut inner = facts.patches.split_off(mark.patches);
        inner.retain(|(owner, _, _)| match owner {
            NameRef::Scoped { scope: s, parts } if *s == scope => !bindings
                .get(&parts[0])
                .is_some_and(|bound| bound.iter().all(|b| matches!(b, Binding::Opaque))),
            _ => true,
        });
        let last = mark.classes.wrapping_sub(1);
        let aliases = facts.scopes[scope].is_class_body
            && facts.classes.get(last).is_some_and(|class| {
                class.body_scope == scope
                    && self.members[last]
                        .values()
                        .any(|m| matches!(m, Member::AliasOf(_)))
            });
        let referred = aliases
            || !inner.is_empty()
            || facts.classes.len() > mark.classes
            || facts.functions.len() > mark.functions;
        facts.patches.append(&mut inner);
        if referred {
            return;
        }
        if facts.scopes[scope].is_class_body {
            // The class's facts name its body scope; only the names go.
            self.bindings[scope] = BTreeMap::new();
        } else {
            // Nothing inside refers to this function, so every scope opened
            // since it (its own and those of unreferred inner functions,
            // already gone) can go, and their ids be used again.
            facts.scopes.truncate(scope);
            self.bindings.truncate(scope);
            self.typing_only.retain(|(s, _, _)| *s < scope);
        }
    }

    fn new_scope(&mut self, parent: ScopeId, is_class_body: bool) -> ScopeId {
        self.facts.scopes.push(Scope {
            parent: Some(parent),
            is_class_body,
            bindings: Default::default(),
        });
        self.bindings.push(BTreeMap::new());
        self.facts.scopes.len() - 1
    }

    fn suite(&mut self, body: &[Stmt], place: Place) {
        if place.depth > MAX_DEPTH {
            return;
        }
        for stmt in body {
            self.stmt(stmt, place);
        }
    }

    fn stmt(&mut self, stmt: &Stmt, place: Place) {
        let inner = Place {
            depth: place.depth + 1,
            ..place
        };
        let branch = Place {
            conditional: true,
            ..inner
        };
        // Kept only for classes that call an entry, and for the attributes
        // other classes' methods call through (`self.llm.complete()`): a
        // pydantic-heavy codebase annotates thousands of fields no check
        // asks about (the rest go when the class body closes).
        if let (Stmt::AnnAssign(annotated), Some(class)) = (stmt, place.class) {
            let members = flow::annotation_names(&annotated.annotation);
            if let (Expr::Name(name), false) = (&*annotated.target, members.is_empty()) {
                let scope = self.facts.classes[class].scope;
                let location = self.locator.location(annotated.range());
                let names = members
                    .into_iter()
                    .map(|parts| NameRef::scoped(scope, parts))
                    .collect();
                let class = &mut self.facts.classes[class];
                class.annotations.insert(name.id.to_string(), names);
                class.annotated_at.insert(name.id.to_string(), location);
            }
        }
        if matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_))
            && place.scope == 0
            && place.class.is_none()
            && !place.conditional
            && !place.type_checking
            && place.depth == 0
        {
            let at = self.locator.location(stmt.range());
            self.facts.last_import = Some(at);
            if let Stmt::ImportFrom(import) = stmt {
                self.keep_from_import(import, at);
            }
        }
        match classify(stmt) {
            Statement::Import(import) => {
                for alias in &import.names {
                    let full = alias.name.id.as_str();
                    match &alias.asname {
                        Some(asname) => {
                            self.bind(place, asname.as_str(), Binding::Module(full.to_owned()))
                        }
                        None => {
                            let first = full.split('.').next().unwrap_or(full);
                            self.bind(place, first, Binding::Module(first.to_owned()))
                        }
                    }
                }
            }
            Statement::ImportFrom(import) => self.import_from(import, place),
            Statement::Class(class) => self.class(class, place),
            Statement::Function(function) => self.function(function, place),
            Statement::Bind { targets, value } => {
                for target in targets {
                    self.assignment(target, value, place, stmt.range());
                }
            }
            Statement::TypeAlias(name) => {
                if let Some(name) = dotted(name) {
                    self.bind(place, &name[0], Binding::Opaque);
                }
            }
            Statement::Setattr(call) => self.patch_call(call, place),
            Statement::TypeChecking(stmt_if) => {
                let typing_only = Place {
                    type_checking: true,
                    ..inner
                };
                self.suite(&stmt_if.body, typing_only);
                for clause in &stmt_if.elif_else_clauses {
                    self.suite(&clause.body, branch);
                }
            }
            Statement::If(stmt_if) => {
                let condition = self.locator.slice(stmt_if.test.range()).to_owned();
                self.branches(
                    std::iter::once((&stmt_if.body[..], Some(condition)))
                        .chain(stmt_if.elif_else_clauses.iter().map(|c| {
                            (
                                &c.body[..],
                                c.test
                                    .as_ref()
                                    .map(|t| self.locator.slice(t.range()).to_owned()),
                            )
                        }))
                        .collect(),
                    stmt_if.elif_else_clauses.iter().any(|c| c.test.is_none()),
                    branch,
                );
            }
            // A `try`'s body normally runs, so its definitions count as
            // made; a handler's are alternatives to it.
            Statement::Compound(stmt) => suites(stmt, |body, runs| {
                let place = match runs {
                    Runs::Always => inner,
                    Runs::Maybe => branch,
                };
                self.suite(body, place);
            }),
            Statement::Other => {}
        }
    }

    /// Keeps an absolute `from m import ...` that a fix's import may join.
    fn keep_from_import(&mut self, import: &ast::StmtImportFrom, at: Location) {
        let Some(module) = import.module.as_ref().filter(|_| import.level == 0) else {
            return;
        };
        // Library sources are never fixed.
        let kept = match self.follow {
            super::Follow::All => true,
            super::Follow::Nothing => false,
            super::Follow::Mentioning(mentions) => mentions.keeps_imports_of(module.id.as_str()),
        };
        if !kept {
            return;
        }
        if import.names.iter().any(|a| a.name.id.as_str() == "*") {
            return;
        }
        let names: Vec<(String, Option<String>, Location)> = import
            .names
            .iter()
            .map(|alias| {
                (
                    alias.name.id.to_string(),
                    alias.asname.as_ref().map(|a| a.to_string()),
                    self.locator.location(alias.range()),
                )
            })
            .collect();
        let multiline = names
            .first()
            .is_some_and(|(_, _, first)| first.line > at.line);
        self.facts.from_imports.push(FromImport {
            module: module.id.to_string(),
            names,
            multiline,
        });
    }

    fn import_from(&mut self, import: &ast::StmtImportFrom, place: Place) {
        let module = if import.level == 0 {
            import.module.as_ref().map(|m| m.id.to_string())
        } else {
            resolve_relative(
                &self.facts.module,
                self.facts.is_package,
                import.level,
                import.module.as_ref().map(|m| m.id.as_str()),
            )
        };
        let Some(module) = module else { return };
        for alias in &import.names {
            let name = alias.name.id.as_str();
            let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
            // A star import is kept as a binding of `*`, consulted last.
            let binding = Binding::From {
                module: module.clone(),
                name: name.to_owned(),
            };
            if name == "*" {
                let stars = self.bindings[place.scope].entry("*".into()).or_default();
                if !stars.contains(&binding) {
                    stars.push(binding);
                }
            } else {
                self.bind(place, bound, binding);
            }
        }
    }

    /// An `if`/`elif`/`else` chain. In a class body, a member defined in some
    /// branches but not all depends on the condition, which we do not evaluate.
    fn branches(&mut self, arms: Vec<(&[Stmt], Option<String>)>, has_else: bool, place: Place) {
        let Some(class) = place.class else {
            for (body, _) in arms {
                self.suite(body, place);
            }
            return;
        };
        let mut per_arm: Vec<Vec<String>> = Vec::new();
        let mut conditions = Vec::new();
        for (body, condition) in arms {
            let outside = std::mem::take(&mut self.members[class]);
            self.suite(body, place);
            let arm = std::mem::replace(&mut self.members[class], outside);
            per_arm.push(arm.keys().cloned().collect());
            self.members[class].extend(arm);
            if let Some(c) = condition {
                conditions.push(c);
            }
        }
        let all: std::collections::BTreeSet<&String> = per_arm.iter().flatten().collect();
        for name in all {
            let everywhere = has_else && per_arm.iter().all(|arm| arm.contains(name));
            if !everywhere {
                if let Some(member) = self.members[class].get(name).cloned() {
                    let location = member.location();
                    let reason = format!(
                        "`{name}` is defined only when `{}` holds",
                        conditions.join("` / `")
                    );
                    self.members[class].insert(
                        name.clone(),
                        Member::Unknown(Box::new(UnknownMember { reason, location })),
                    );
                }
            }
        }
    }

    fn assignment(&mut self, target: &Expr, value: Option<&Expr>, place: Place, range: TextRange) {
        match target {
            Expr::Name(name) => {
                let name = name.id.as_str();
                if let Some(class) = place.class {
                    if !place.type_checking {
                        let member = self.member_from_value(value, place, range);
                        self.members[class].insert(name.to_owned(), member);
                    }
                }
                if place.scope == 0
                    && place.class.is_none()
                    && !place.conditional
                    && !place.type_checking
                {
                    let tests = self.follows(range);
                    if let Some((condition, classes)) =
                        value.and_then(|v| flow::module_constant(v, self.locator, tests))
                    {
                        self.facts.constants.insert(
                            name.to_owned(),
                            Constant {
                                condition,
                                classes,
                                location: self.locator.location(range),
                            },
                        );
                    }
                }
                let binding = match value.and_then(dotted) {
                    Some(parts) => Binding::Alias(NameRef::scoped(place.scope, parts)),
                    None => Binding::Opaque,
                };
                self.bind(place, name, binding);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.assignment(elt, None, place, range);
                }
            }
            Expr::Attribute(attr) => {
                // `SomeClass.astep = f` outside the class: a runtime patch.
                if let Some(owner) = dotted(&attr.value) {
                    let location = self.locator.location(range);
                    self.facts.patches.push((
                        NameRef::scoped(place.scope, owner),
                        attr.attr.id.to_string(),
                        location,
                    ));
                }
            }
            _ => {}
        }
    }

    fn member_from_value(&self, value: Option<&Expr>, place: Place, range: TextRange) -> Member {
        let location = self.locator.location(range);
        match value.and_then(dotted) {
            Some(mut parts) if parts.len() >= 2 => {
                let attr = parts.pop().unwrap_or_default();
                Member::AliasOf(Box::new(AliasMember {
                    class: NameRef::scoped(place.scope, parts),
                    attr,
                    location,
                }))
            }
            _ => Member::Defined { location },
        }
    }

    /// `setattr(Cls, "astep", f)` as a statement.
    fn patch_call(&mut self, call: &ast::ExprCall, place: Place) {
        let args = &call.arguments.args;
        if args.len() < 2 {
            return;
        }
        let (Some(owner), Expr::StringLiteral(attr)) = (dotted(&args[0]), &args[1]) else {
            return;
        };
        let location = self.locator.location(call.range());
        self.facts.patches.push((
            NameRef::scoped(place.scope, owner),
            attr.value.to_str().to_owned(),
            location,
        ));
    }

    fn class(&mut self, class: &ast::StmtClassDef, place: Place) {
        let name = class.name.id.as_str();
        let prefix_len = self.prefix.len();
        self.prefix.push_str(name);
        let qualname = self.prefix.clone();
        let body_scope = self.new_scope(place.scope, true);
        // PEP 695 type parameters live in their own scope; they never name a role class.
        let bases = class
            .arguments
            .iter()
            .flat_map(|args| args.args.iter())
            .map(|base| self.base(base, place.scope))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|base| self.freeze(base, place.scope))
            .collect();
        let id = self.facts.classes.len();
        self.facts.classes.push(ClassFact {
            name: name.to_owned(),
            qualname,
            location: self.locator.location(class.name.range()),
            scope: place.scope,
            body_scope,
            bases,
            members: Default::default(),
            annotations: Default::default(),
            receiver_assignments: Default::default(),
            annotated_at: Default::default(),
        });
        self.members.push(BTreeMap::new());
        if let Some(outer) = place.class {
            if !place.type_checking {
                let location = self.locator.location(class.name.range());
                self.members[outer].insert(name.to_owned(), Member::Defined { location });
            }
        }
        self.bind(place, name, Binding::Class(id));
        let body_place = Place {
            scope: body_scope,
            class: Some(id),
            conditional: false,
            type_checking: place.type_checking,
            depth: place.depth + 1,
            // A class with a method that forwards to an attribute needs the
            // attribute's class: its annotations and `__init__`.
            class_follows: self.follows(class.range())
                || class.body.iter().any(|stmt| {
                    matches!(stmt, Stmt::FunctionDef(f)
                        if super::delegation::forwarding(&f.body, self.locator).is_some())
                }),
        };
        let mut declared = Default::default();
        if body_place.class_follows {
            let (counts, annotations) = receiver_assignments(class, self.locator);
            self.facts.classes[id].receiver_assignments = counts;
            declared = annotations;
        }
        let mark = self.mark();
        let bodies = self.facts.bodies.len();
        self.prefix.push('.');
        self.suite(&class.body, body_place);
        // `self.x: T` in a method declares what the class body did not.
        for (attr, members) in declared {
            let names = members
                .into_iter()
                .map(|parts| NameRef::scoped(place.scope, parts))
                .collect();
            self.facts.classes[id]
                .annotations
                .entry(attr)
                .or_insert(names);
        }
        self.prefix.truncate(prefix_len);
        if !body_place.class_follows {
            let called_through: std::collections::HashSet<&str> = self.facts.bodies[bodies..]
                .iter()
                .filter(|b| b.class == Some(id))
                .flat_map(|b| &b.calls)
                .filter_map(|c| match &c.callee {
                    Callee::Receiver(path) if path.len() > 1 => Some(path[0].as_str()),
                    _ => None,
                })
                .collect();
            let class = &mut self.facts.classes[id];
            class
                .annotations
                .retain(|attr, _| called_through.contains(attr.as_str()));
            class
                .annotated_at
                .retain(|attr, _| called_through.contains(attr.as_str()));
        }
        self.close_scope(body_scope, mark);
    }

    fn base(&self, base: &Expr, scope: ScopeId) -> BaseRef {
        // `Generic[T]`, `Base[int]`: the class is the subscripted value.
        let target = match base {
            Expr::Subscript(sub) => &*sub.value,
            other => other,
        };
        match dotted(target) {
            Some(parts) => BaseRef::Name(NameRef::scoped(scope, parts)),
            None => BaseRef::Opaque(self.locator.slice(base.range()).to_owned()),
        }
    }

    /// Pins a base name to the bindings in effect now, when the name is
    /// bound in the class statement's own scope.
    fn freeze(&self, base: BaseRef, scope: ScopeId) -> BaseRef {
        let BaseRef::Name(NameRef::Scoped { scope: s, parts }) = &base else {
            return base;
        };
        match self.bindings[scope].get(&parts[0]) {
            Some(bindings) if *s == scope => BaseRef::Frozen {
                bindings: bindings.clone(),
                name: NameRef::scoped(*s, parts.clone()),
            },
            _ => base,
        }
    }

    /// Drops the calls whose first name the module never binds (builtins
    /// such as `ValueError(...)`, but `open` and `input`) or binds only to
    /// one of its classes (a constructor, which the checks do not follow):
    /// known only once the whole module is read, since a function may call
    /// one defined below it. About a third of all calls go.
    fn prune_calls(&mut self) {
        let module = &self.bindings[0];
        let stars = module.contains_key("*");
        let wanted = |call: &crate::model::Call| match &call.callee {
            Callee::Name(NameRef::Scoped { scope: 0, parts }) => match module.get(&parts[0]) {
                None => {
                    stars
                        || (parts.len() == 1
                            && super::calls::BLOCKING_BUILTINS.contains(&parts[0].as_str()))
                }
                Some(bound) => {
                    parts.len() > 1 || !bound.iter().all(|b| matches!(b, Binding::Class(_)))
                }
            },
            _ => true,
        };
        for body in &mut self.facts.bodies {
            body.calls.retain(wanted);
            // Held until the checks run: no room left over from collecting.
            body.calls.shrink_to_fit();
        }
        self.facts.bodies.retain(|body| !body.calls.is_empty());
        self.facts.bodies.shrink_to_fit();
    }

    /// The calls of a method or module-level function, for every one of
    /// them (before the inert scan skips most bodies): a sync entry and the
    /// helpers it calls seldom mention a role's async entry. Library
    /// sources are never checked, so their bodies are not read.
    fn body(&mut self, function: &ast::StmtFunctionDef, place: Place) {
        if place.type_checking || matches!(self.follow, super::Follow::Nothing) {
            return;
        }
        let lookup = match place.class {
            Some(class) => self.facts.classes[class].scope,
            None if place.scope == 0 => 0,
            None => return,
        };
        let staticmethod = function.decorator_list.iter().any(|d| {
            dotted(&d.expression).is_some_and(|p| p.last().is_some_and(|n| n == "staticmethod"))
        });
        let bindings = &self.bindings[lookup];
        let plain_value = |name: &str| {
            bindings
                .get(name)
                .is_some_and(|bound| bound.iter().all(|b| matches!(b, Binding::Opaque)))
        };
        let site = super::calls::Site {
            method: place.class.is_some() && !staticmethod,
            lookup,
            annotations: place.scope,
            module: &self.facts.module,
            is_package: self.facts.is_package,
            plain_value: &plain_value,
        };
        let calls = super::calls::calls(function, &site, self.locator);
        if calls.is_empty() {
            return;
        }
        let name = function.name.id.as_str();
        self.facts.bodies.push(Body {
            name: name.to_owned(),
            qualname: format!("{}{name}", self.prefix),
            class: place.class,
            is_async: function.is_async,
            location: self.locator.location(function.name.range()),
            calls,
        });
    }

    fn function(&mut self, function: &ast::StmtFunctionDef, place: Place) {
        let name = function.name.id.as_str();
        if let Some(class) = place.class {
            if !place.type_checking {
                let location = self.locator.location(function.name.range());
                self.members[class].insert(name.to_owned(), Member::Defined { location });
            }
        }
        self.bind(place, name, Binding::Opaque);
        self.body(function, place);
        // Module-level functions only: their scope outlives the walk.
        let returned = function
            .returns
            .as_deref()
            .map(flow::annotation_names)
            .unwrap_or_default();
        if !returned.is_empty() && !place.type_checking && place.scope == 0 && place.class.is_none()
        {
            self.facts.return_annotations.insert(
                format!("{}{name}", self.prefix),
                returned
                    .into_iter()
                    .map(|parts| NameRef::scoped(place.scope, parts))
                    .collect(),
            );
        }
        // A method that only raises or only forwards is a shape the checks
        // read whatever its name; such bodies are one statement, cheap to keep.
        let follows = self.follows(function.range())
            || (place.class_follows && matches!(name, "__init__" | "__post_init__"))
            || (place.class.is_some()
                && (super::delegation::raising(&function.body, self.locator).is_some()
                    || super::delegation::forwarding(&function.body, self.locator).is_some()));
        // Most bodies would only bind locals that `close_scope` then drops.
        if self.skip_inert && !follows && super::inert::is_inert(function, place.depth) {
            return;
        }
        let scope = self.new_scope(place.scope, false);
        for parameter in function.parameters.iter() {
            self.bindings[scope].insert(parameter.name().id.to_string(), vec![Binding::Opaque]);
        }
        let body_place = Place {
            scope,
            class: None,
            conditional: false,
            type_checking: place.type_checking,
            depth: place.depth + 1,
            class_follows: false,
        };
        let mark = self.mark();
        let prefix_len = self.prefix.len();
        self.prefix.push_str(name);
        self.prefix.push_str(".<locals>.");
        self.suite(&function.body, body_place);
        self.prefix.truncate(prefix_len);
        if !place.type_checking && follows {
            let fact: FunctionFact = flow::function_fact(
                function,
                format!("{}{name}", self.prefix),
                scope,
                place.class,
                place.scope,
                self.locator,
            );
            self.facts.functions.push(fact);
        }
        self.close_scope(scope, mark);
    }
}

/// The names `global` statements anywhere in `body` declare: a function
/// may rebind them, so no module-level assignment tells their value.
fn globals_declared<'b>(
    body: &'b [Stmt],
    names: &mut std::collections::HashSet<&'b str>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for stmt in body {
        match stmt {
            Stmt::Global(global) => names.extend(global.names.iter().map(|n| n.id.as_str())),
            Stmt::FunctionDef(function) => globals_declared(&function.body, names, depth + 1),
            Stmt::ClassDef(class) => globals_declared(&class.body, names, depth + 1),
            Stmt::If(stmt_if) => {
                globals_declared(&stmt_if.body, names, depth + 1);
                for clause in &stmt_if.elif_else_clauses {
                    globals_declared(&clause.body, names, depth + 1);
                }
            }
            other => suites(other, |suite, _| globals_declared(suite, names, depth + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Assigned, FileFacts, Language, TestKind};

    fn facts_of(text: &str) -> FileFacts {
        let empty = FileFacts::empty("m.py".into(), Language::Python, "m".into());
        crate::python::from_text(empty, text)
    }

    #[test]
    fn constants_are_names_bound_once_at_the_top_level() {
        let facts = facts_of(concat!(
            "import inspect\n",
            "from sdk import LocalConversation, Other\n",
            "USE_ASYNC = inspect.iscoroutinefunction(LocalConversation.arun)\n",
            "NATIVE = (LocalConversation, Other)\n",
            "TWICE = (LocalConversation,)\n",
            "TWICE = (Other,)\n",
            "BUMPED = (Other,)\n",
            "BUMPED += (LocalConversation,)\n",
            "REBOUND = hasattr(LocalConversation, 'arun')\n",
            "NOT_A_TEST = len('arun')\n",
            "if inspect:\n",
            "    MAYBE = (Other,)\n",
            "class C:\n",
            "    IN_CLASS = (Other,)\n",
            "def f():\n",
            "    global REBOUND\n",
            "    REBOUND = False\n",
        ));
        let names: Vec<&str> = facts.constants.keys().map(String::as_str).collect();
        assert_eq!(names, ["NATIVE", "USE_ASYNC"]);
        let test = &facts.constants["USE_ASYNC"].condition.tests[0];
        assert_eq!(
            (test.subject.join("."), test.attr.as_str(), test.kind),
            (
                "LocalConversation".to_owned(),
                "arun",
                TestKind::IsCoroutineFunction
            )
        );
        assert_eq!(facts.constants["NATIVE"].classes.len(), 2);
    }

    #[test]
    fn methods_declare_and_assign_receiver_attributes() {
        let facts = facts_of(concat!(
            "class S:\n",
            "    def __init__(self, c):\n",
            "        self._c: Local | None = None\n",
            "        self._u: A | B\n",
            "        self._native = False\n",
            "    def start(self):\n",
            "        self._native = type(self._c).arun is not Base.arun\n",
            "        self._u: Union[C, None]\n",
        ));
        let class = &facts.classes[0];
        let declared = |attr: &str| -> Vec<String> {
            class.annotations[attr].iter().map(|n| n.text()).collect()
        };
        assert_eq!(declared("_c"), ["Local"]);
        assert_eq!(declared("_u"), ["A", "B", "C"]);
        let native: Vec<(u32, Assigned)> = class.receiver_assignments["_native"]
            .iter()
            .map(|a| (a.location.line, a.value))
            .collect();
        assert_eq!(native, [(5, Assigned::Falsy), (7, Assigned::Other)]);
        // A bare declaration assigns nothing.
        assert!(!class.receiver_assignments.contains_key("_u"));
    }
}
