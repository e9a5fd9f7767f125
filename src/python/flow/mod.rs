//! What the dispatch checks need from a function body: parameters, local
//! assignments, calls of async entries, capability guards, and delegation.
//!
//! Only this module sees the statements of a function; the checks see the
//! facts it leaves behind. It recognizes shapes, never roles: it records
//! every driven method call and every capability-looking test, and the
//! checks decide which of them name a role's entries. Which conditions
//! test a capability is [`capability`]'s; the shape of a delegating body
//! is `super::delegation`'s.

use std::collections::HashMap;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt, UnaryOp};
use ruff_text_size::{Ranged, TextRange};

use crate::model::{
    Assign, Block, ClassId, Condition, Driver, EntryCall, FunctionFact, Guard, Location, NameRef,
    Param, ScopeId, Stored, Value,
};

use super::delegation::{delegation, forwarding, raising};
use super::syntax::{dotted, Locator, MAX_DEPTH};

mod capability;

use capability::{AttrRef, Cond};

pub fn function_fact(
    function: &ast::StmtFunctionDef,
    qualname: String,
    scope: ScopeId,
    class: Option<ClassId>,
    outer_scope: ScopeId,
    locator: &Locator<'_>,
) -> FunctionFact {
    let params = function
        .parameters
        .iter()
        .map(|parameter| Param {
            name: parameter.name().id.to_string(),
            annotation: parameter
                .annotation()
                .map(annotation_names)
                .unwrap_or_default()
                .into_iter()
                .map(|parts| NameRef::scoped(outer_scope, parts))
                .collect(),
        })
        .collect();
    let mut flow = Flow::new(scope, locator);
    flow.predicate = !function.is_async;
    flow.params = function
        .parameters
        .iter()
        .map(|p| p.name().id.to_string())
        .collect();
    if class.is_some() {
        flow.receiver = function
            .parameters
            .iter()
            .next()
            .map(|p| p.name().id.to_string());
    }
    flow.suite(&function.body, 0);
    // A guard that tests nothing we recognize matters only for a call it
    // protects.
    flow.guards
        .retain(|g| !g.tests.is_empty() || !g.protected.is_empty());
    let delegation = if function.is_async {
        delegation(&function.body, locator)
    } else {
        None
    };
    FunctionFact {
        name: function.name.id.to_string(),
        qualname,
        location: locator.location(function.name.range()),
        span: locator.location(
            function
                .decorator_list
                .first()
                .map_or(function.range(), |first| {
                    ruff_text_size::TextRange::new(first.range().start(), function.range().end())
                }),
        ),
        is_async: function.is_async,
        scope,
        class,
        params,
        assigns: flow.assigns,
        entry_calls: flow.entry_calls,
        guards: flow.guards,
        delegation,
        raises: raising(&function.body, locator),
        forwards: forwarding(&function.body, locator),
        returns: flow.returns,
        stored: flow.stored,
    }
}

/// The classes an annotation names, `None` aside: `MyAgent`,
/// `"MyAgent"`, `Optional[MyAgent]`, `MyAgent | None`, and each member of
/// `A | B` or `Union[A, B]`. Nothing when a member is no name.
pub fn annotation_names(expr: &ast::Expr) -> Vec<Vec<String>> {
    let mut members = Vec::new();
    if !annotation_members(expr, &mut members, 0) {
        members.clear();
    }
    members
}

fn annotation_members(expr: &ast::Expr, out: &mut Vec<Vec<String>>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match expr {
        ast::Expr::NoneLiteral(_) => true,
        ast::Expr::StringLiteral(s) => {
            let text = s.value.to_str();
            let parts: Vec<String> = text.split('.').map(str::to_owned).collect();
            let named = parts.iter().all(|p| super::modules::is_identifier(p));
            if named {
                out.push(parts);
            }
            named
        }
        ast::Expr::Subscript(sub) => {
            let Some(outer) = dotted(&sub.value) else {
                return false;
            };
            match outer.last().map(String::as_str) {
                Some("Optional") => annotation_members(&sub.slice, out, depth + 1),
                Some("Union") => match &*sub.slice {
                    ast::Expr::Tuple(tuple) => tuple
                        .elts
                        .iter()
                        .all(|member| annotation_members(member, out, depth + 1)),
                    one => annotation_members(one, out, depth + 1),
                },
                _ => {
                    out.push(outer);
                    true
                }
            }
        }
        ast::Expr::BinOp(bin) if bin.op == ast::Operator::BitOr => {
            annotation_members(&bin.left, out, depth + 1)
                && annotation_members(&bin.right, out, depth + 1)
        }
        other => match dotted(other) {
            Some(parts) => {
                out.push(parts);
                true
            }
            None => false,
        },
    }
}

/// A module-level value a guard may read by name: a capability test
/// (`USE_ASYNC = inspect.iscoroutinefunction(LocalConversation.arun)`), or
/// the classes of a tuple (`_NATIVE = (LocalConversation, MyConversation)`).
///
/// `tests`: whether the value may name an entry at all (most module-level
/// calls are `getLogger(__name__)`, not worth reading as conditions).
pub fn module_constant(
    value: &Expr,
    locator: &Locator<'_>,
    tests: bool,
) -> Option<(Condition, Vec<Vec<String>>)> {
    if let Expr::Tuple(tuple) = value {
        let classes: Option<Vec<Vec<String>>> = tuple.elts.iter().map(dotted).collect();
        return classes
            .filter(|c| !c.is_empty())
            .map(|c| (Condition::default(), c));
    }
    if !tests || !may_be_test(value) {
        return None;
    }
    let mut flow = Flow::new(0, locator);
    flow.module = true;
    let mut cond = Cond::default();
    flow.condition(value, &mut cond, 0);
    (!cond.tests.is_empty()).then(|| (cond.into_condition(), Vec::new()))
}

/// A local name whose value a later condition may use: a test
/// (`has_native_arun = ...`) or a looked-up method (`arun = getattr(...)`).
#[derive(Clone, Debug)]
struct Helper {
    cond: Cond,
    attr: Option<AttrRef>,
    location: Location,
}

/// Calls that run a coroutine they are handed.
const DRIVERS: &[&str] = &[
    "create_task",
    "ensure_future",
    "gather",
    "wait_for",
    "shield",
    "run_until_complete",
    "run_coroutine_threadsafe",
];

struct Flow<'l> {
    scope: ScopeId,
    locator: &'l Locator<'l>,
    assigns: Vec<Assign>,
    entry_calls: Vec<EntryCall>,
    guards: Vec<Guard>,
    returns: Vec<Condition>,
    stored: Vec<Stored>,
    /// A method's first parameter (`self`): `if self._native:` may read a
    /// test another method stored.
    receiver: Option<String>,
    /// The function's parameter names.
    params: Vec<String>,
    /// A sync function: one a condition may call to test a capability, so
    /// its returns are read as conditions.
    predicate: bool,
    helpers: HashMap<String, Helper>,
    /// Local names bound to a value's class (`cls = type(conversation)`):
    /// `issubclass(cls, C)` tests that value.
    class_of: HashMap<String, Vec<String>>,
    block: Block,
    next_block: u32,
    /// Guards whose branch holds the point being walked.
    active: Vec<usize>,
    /// Expression nesting below the current statement.
    depth: usize,
    /// Reading a module-level value: `C.arun` there is looked up on a class
    /// (no instance exists at import), so comparable by identity.
    module: bool,
}

impl<'l> Flow<'l> {
    fn new(scope: ScopeId, locator: &'l Locator<'l>) -> Self {
        Flow {
            scope,
            locator,
            assigns: Vec::new(),
            entry_calls: Vec::new(),
            guards: Vec::new(),
            returns: Vec::new(),
            stored: Vec::new(),
            receiver: None,
            params: Vec::new(),
            predicate: false,
            helpers: HashMap::new(),
            class_of: HashMap::new(),
            block: Vec::new(),
            next_block: 0,
            active: Vec::new(),
            depth: 0,
            module: false,
        }
    }

    fn suite(&mut self, body: &[Stmt], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        // Guards that an early exit put in force end with the suite.
        let active = self.active.len();
        for stmt in body {
            self.stmt(stmt, depth + 1);
        }
        self.active.truncate(active);
    }

    /// A suite that may or may not run: its bindings do not reach past it.
    fn branch(&mut self, body: &[Stmt], depth: usize, bound: Option<(&str, TextRange)>) {
        self.next_block += 1;
        self.block.push(self.next_block);
        if let Some((name, range)) = bound {
            self.record(vec![name.to_owned()], Value::Other, range);
            self.helpers.remove(name);
            self.class_of.remove(name);
        }
        self.suite(body, depth);
        self.block.pop();
    }

    fn stmt(&mut self, stmt: &Stmt, depth: usize) {
        match stmt {
            Stmt::Expr(e) => self.expr(&e.value),
            Stmt::Assign(assign) => {
                self.expr(&assign.value);
                if let [Expr::Tuple(targets)] = &assign.targets[..] {
                    if let Expr::Tuple(values) = &*assign.value {
                        if targets.elts.len() == values.elts.len()
                            && !values.elts.iter().any(Expr::is_starred_expr)
                        {
                            for (target, value) in targets.elts.iter().zip(&values.elts) {
                                self.bind(target, Some(value), assign.range(), 0);
                            }
                            return;
                        }
                    }
                }
                for target in &assign.targets {
                    self.bind(target, Some(&assign.value), assign.range(), 0);
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.expr(value);
                    self.bind(&assign.target, Some(value), assign.range(), 0);
                }
            }
            Stmt::AugAssign(assign) => {
                self.expr(&assign.value);
                self.bind(&assign.target, None, assign.range(), 0);
            }
            Stmt::Return(ret) => {
                if let Some(value) = &ret.value {
                    self.expr(value);
                    if !self.predicate || !may_be_test(value) {
                        return;
                    }
                    let mut cond = Cond::default();
                    self.condition(value, &mut cond, 0);
                    if cond.may_test() && self.names_a_parameter(&cond) {
                        self.returns.push(cond.into_condition());
                    }
                }
            }
            Stmt::Raise(raise) => {
                for e in raise.exc.iter().chain(raise.cause.iter()) {
                    self.expr(e);
                }
            }
            Stmt::Assert(assert) => self.expr(&assert.test),
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.bind(target, None, delete.range(), 0);
                }
            }
            Stmt::If(stmt_if) => self.if_stmt(stmt_if, depth),
            Stmt::For(stmt_for) => {
                self.expr(&stmt_for.iter);
                self.bind(&stmt_for.target, None, stmt_for.target.range(), 0);
                self.branch(&stmt_for.body, depth, None);
                self.branch(&stmt_for.orelse, depth, None);
            }
            Stmt::While(stmt_while) => {
                self.expr(&stmt_while.test);
                self.branch(&stmt_while.body, depth, None);
                self.branch(&stmt_while.orelse, depth, None);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.expr(&item.context_expr);
                    if let Some(var) = &item.optional_vars {
                        // `async with LocalConversation(...) as conv`: the
                        // context managers in question return themselves.
                        self.bind(var, Some(&item.context_expr), item.range(), 0);
                    }
                }
                self.suite(&with.body, depth);
            }
            Stmt::Try(stmt_try) => {
                self.suite(&stmt_try.body, depth);
                for handler in &stmt_try.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    let bound = handler.name.as_ref().map(|n| (n.id.as_str(), n.range));
                    self.branch(&handler.body, depth, bound);
                }
                self.branch(&stmt_try.orelse, depth, None);
                self.suite(&stmt_try.finalbody, depth);
            }
            Stmt::Match(stmt_match) => self.match_stmt(stmt_match, depth),
            Stmt::FunctionDef(f) => {
                self.record(vec![f.name.id.to_string()], Value::Other, f.name.range);
                self.helpers.remove(f.name.id.as_str());
                self.class_of.remove(f.name.id.as_str());
            }
            Stmt::ClassDef(c) => {
                self.record(vec![c.name.id.to_string()], Value::Other, c.name.range);
                self.helpers.remove(c.name.id.as_str());
                self.class_of.remove(c.name.id.as_str());
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                // Another scope assigns these too: no local assignment tells their value.
                for name in names {
                    self.record(vec![name.id.to_string()], Value::Other, name.range);
                    self.record(vec![name.id.to_string()], Value::Other, name.range);
                }
            }
            _ => {}
        }
    }

    fn if_stmt(&mut self, stmt_if: &ast::StmtIf, depth: usize) {
        let arms = std::iter::once((Some(&*stmt_if.test), &stmt_if.body[..])).chain(
            stmt_if
                .elif_else_clauses
                .iter()
                .map(|c| (c.test.as_ref(), &c.body[..])),
        );
        // A guard covers its own arm and every later one: an `else` runs
        // because the test failed, which is still the test's decision.
        let mut guards = Vec::new();
        let mut exits = false;
        for (test, body) in arms {
            if let Some(test) = test {
                self.expr(test);
                if let Some(guard) = self.guard(test) {
                    guards.push(guard);
                }
            }
            let outer = self.active.len();
            self.active.extend(&guards);
            self.branch(body, depth, None);
            self.active.truncate(outer);
            exits |= ends_flow(body);
        }
        if exits {
            // `if not native: ...; return` decides for what follows it.
            self.active.extend(guards);
        }
    }

    fn guard(&mut self, test: &Expr) -> Option<usize> {
        let mut cond = Cond::default();
        self.condition(test, &mut cond, 0);
        let bare = match test {
            Expr::Name(_) => true,
            Expr::UnaryOp(u) => u.op == UnaryOp::Not && u.operand.is_name_expr(),
            _ => false,
        };
        self.guard_of(cond, test.range(), bare)
    }

    /// A guard of `cond`, the condition at `range`: when it tests something
    /// we recognize, calls what may, or reads an attribute of the method's
    /// receiver where another method may have stored a test.
    fn guard_of(&mut self, cond: Cond, range: TextRange, bare: bool) -> Option<usize> {
        // A closure nested in a method reads the method's `self`.
        let receiver = self.receiver.as_deref().unwrap_or("self");
        let reads_stored = cond
            .mentions
            .iter()
            .any(|m| m.len() == 2 && m[0] == receiver);
        // A name the function neither binds nor is handed may be a
        // module-level constant that holds a test.
        let reads_global = cond.mentions.iter().any(|m| match &m[..] {
            [name] => !self.params.contains(name) && !self.assigns.iter().any(|a| a.target == *m),
            _ => false,
        });
        if !cond.may_test() && !reads_stored && !reads_global {
            return None;
        }
        let branch = self.locator.location(range);
        let location = match (&cond.via, bare) {
            (Some((_, assigned)), true) => *assigned,
            _ => branch,
        };
        self.guards.push(Guard {
            location,
            via: cond.via.map(|(name, _)| name),
            branch,
            tests: cond.tests,
            mentions: cond.mentions,
            passed: cond.passed,
            calls: cond.calls,
            negated: cond.negated,
            protected: Vec::new(),
        });
        Some(self.guards.len() - 1)
    }

    /// `match <test>: case True:` and `match x: case SomeClass():`. As an
    /// `if` chain, a case's guard covers it and every later case.
    fn match_stmt(&mut self, stmt_match: &ast::StmtMatch, depth: usize) {
        let subject = &stmt_match.subject;
        self.expr(subject);
        let mut guards = Vec::new();
        for case in &stmt_match.cases {
            let mut cond = Cond::default();
            match &case.pattern {
                ast::Pattern::MatchSingleton(single) if single.value == ast::Singleton::True => {
                    self.condition(subject, &mut cond, 0);
                }
                ast::Pattern::MatchClass(class) => {
                    if let (Some(path), Some(named)) = (dotted(subject), dotted(&class.cls)) {
                        cond.tests.push(self.instance_test(
                            path,
                            vec![named],
                            case.pattern.range(),
                        ));
                    }
                }
                _ => {}
            }
            if let Some(test) = &case.guard {
                self.expr(test);
                self.condition(test, &mut cond, 0);
            }
            let range = match &case.pattern {
                ast::Pattern::MatchClass(_) => case.pattern.range(),
                _ => subject.range(),
            };
            if let Some(guard) = self.guard_of(cond, range, false) {
                guards.push(guard);
            }
            let outer = self.active.len();
            self.active.extend(&guards);
            self.branch(&case.body, depth, None);
            self.active.truncate(outer);
        }
    }

    fn expr(&mut self, expr: &Expr) {
        self.depth = 0;
        self.visit_expr(expr);
    }

    fn record(&mut self, target: Vec<String>, value: Value, range: TextRange) {
        self.assigns.push(Assign {
            target,
            value,
            location: self.locator.location(range),
            block: self.block.clone(),
        });
    }

    fn bind(&mut self, target: &Expr, value: Option<&Expr>, range: TextRange, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match target {
            Expr::Name(_) | Expr::Attribute(_) => {
                let Some(path) = dotted(target) else { return };
                let converted = value.map_or(Value::Other, |v| self.value(v, 0));
                self.record(path.clone(), converted, range);
                if path.len() == 2 && self.receiver.as_ref() == Some(&path[0]) {
                    if let Some(value) = value.filter(|v| may_be_test(v)) {
                        let mut cond = Cond::default();
                        self.condition(value, &mut cond, 0);
                        if cond.may_test() {
                            self.stored.push(Stored {
                                target: path.clone(),
                                condition: cond.into_condition(),
                                location: self.locator.location(range),
                            });
                        }
                    }
                }
                if let [name] = &path[..] {
                    match value.and_then(capability::type_of) {
                        Some(subject) => {
                            self.class_of.insert(name.clone(), subject);
                        }
                        None => {
                            self.class_of.remove(name);
                        }
                    }
                    match value.and_then(|v| self.helper(v, range)) {
                        Some(helper) => {
                            self.helpers.insert(name.clone(), helper);
                        }
                        None => {
                            self.helpers.remove(name);
                        }
                    }
                }
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.bind(elt, None, range, depth + 1);
                }
            }
            Expr::Starred(starred) => self.bind(&starred.value, None, range, depth + 1),
            _ => {}
        }
    }

    /// Whether a returned condition tests (or hands a call) one of the
    /// function's parameters: a caller can only follow it through them.
    fn names_a_parameter(&self, cond: &Cond) -> bool {
        let is_param = |path: &[String]| {
            path.first()
                .is_some_and(|head| self.params.iter().any(|p| p == head))
        };
        cond.tests.iter().any(|t| is_param(&t.subject))
            || cond.calls.iter().any(|c| {
                (c.callee.len() > 1 && is_param(&c.callee))
                    || c.args.iter().flatten().any(|a| is_param(a))
                    || c.keywords.iter().any(|(_, a)| is_param(a))
            })
    }

    fn helper(&self, value: &Expr, range: TextRange) -> Option<Helper> {
        let mut cond = Cond::default();
        self.condition(value, &mut cond, 0);
        let attr = self.attr_ref(value, 0);
        if cond.is_empty() && attr.is_none() {
            return None;
        }
        Some(Helper {
            cond,
            attr,
            location: self.locator.location(range),
        })
    }

    /// A value as far as the checks follow it.
    fn value(&self, expr: &Expr, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Other;
        }
        if let Some(path) = dotted(expr) {
            return Value::Path(path);
        }
        match expr {
            Expr::Call(call) => match dotted(&call.func) {
                Some(callee) => Value::Call {
                    callee: NameRef::scoped(self.scope, callee),
                    args: call
                        .arguments
                        .args
                        .iter()
                        .map(|a| {
                            if a.is_starred_expr() {
                                Value::Other
                            } else {
                                self.value(a, depth + 1)
                            }
                        })
                        .collect(),
                    keywords: call
                        .arguments
                        .keywords
                        .iter()
                        .filter_map(|k| {
                            k.arg
                                .as_ref()
                                .map(|name| (name.id.to_string(), self.value(&k.value, depth + 1)))
                        })
                        .collect(),
                },
                None => Value::Other,
            },
            Expr::StringLiteral(s) => Value::Str(s.value.to_str().to_owned()),
            _ => Value::Other,
        }
    }

    /// `recv.method(...)` with a receiver the checks can follow.
    fn method_call(&self, expr: &Expr) -> Option<(Value, String)> {
        let Expr::Call(call) = expr else { return None };
        let Expr::Attribute(attr) = &*call.func else {
            return None;
        };
        match self.value(&attr.value, 0) {
            Value::Other | Value::Str(_) => None,
            receiver => Some((receiver, attr.attr.id.to_string())),
        }
    }

    fn entry(&mut self, receiver: Value, method: String, driver: Driver, range: TextRange) {
        let index = self.entry_calls.len();
        self.entry_calls.push(EntryCall {
            receiver,
            method,
            driver,
            location: self.locator.location(range),
            block: self.block.clone(),
        });
        for &guard in &self.active {
            self.guards[guard].protected.push(index);
        }
    }

    /// `asyncio.run(c.arun())`, `loop.create_task(c.arun())`, `asyncio.gather(a.arun(), b.arun())`.
    fn driven(&mut self, call: &ast::ExprCall) {
        let Some(func) = dotted(&call.func) else {
            return;
        };
        let Some(name) = func.last().map(String::as_str) else {
            return;
        };
        let driver = if func == ["asyncio", "run"] {
            Driver::AsyncioRun
        } else if DRIVERS.contains(&name) {
            Driver::Scheduled
        } else {
            return;
        };
        let args = &call.arguments.args;
        let handed: &[Expr] = if name == "gather" {
            args
        } else {
            &args[..args.len().min(1)]
        };
        for arg in handed {
            if let Some((receiver, method)) = self.method_call(arg) {
                self.entry(receiver, method, driver, arg.range());
            }
        }
    }
}

impl<'a> Visitor<'a> for Flow<'_> {
    /// A chain (`x + await c.arun()`, `a.b().c()`) is one level however
    /// long, walked in a loop: a call at its far end is seen as in a short
    /// one. The order is the recursive walk's: each link before what it
    /// holds, the end of the chain, then the links' other children from
    /// the innermost out.
    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth > MAX_DEPTH {
            return;
        }
        let (links, end) = super::spine::links(expr);
        for link in &links {
            if let Expr::Call(call) = link {
                self.driven(call);
            }
        }
        self.visit_end(end);
        self.depth += 1;
        for link in links.iter().rev() {
            super::spine::walk_beside(self, link);
        }
        self.depth -= 1;
    }
}

impl<'a> Flow<'_> {
    /// An expression that is no link of a chain, or the end of one.
    fn visit_end(&mut self, expr: &'a Expr) {
        match expr {
            // A lambda's body runs when called, not here.
            Expr::Lambda(_) => return,
            Expr::Await(await_expr) => match &*await_expr.value {
                // `await (c.arun() if native else asyncio.to_thread(c.run))`
                Expr::If(choice) => {
                    let guard = self.guard(&choice.test);
                    let outer = self.active.len();
                    self.active.extend(guard);
                    for branch in [&*choice.body, &*choice.orelse] {
                        if let Some((receiver, method)) = self.method_call(branch) {
                            self.entry(receiver, method, Driver::Await, await_expr.range());
                        }
                    }
                    self.active.truncate(outer);
                }
                value => {
                    if let Some((receiver, method)) = self.method_call(value) {
                        self.entry(receiver, method, Driver::Await, await_expr.range());
                    }
                }
            },
            Expr::Call(call) => self.driven(call),
            _ => {}
        }
        self.depth += 1;
        visitor::walk_expr(self, expr);
        self.depth -= 1;
        if let Expr::Named(named) = expr {
            self.bind(&named.target, Some(&named.value), named.range(), 0);
        }
    }
}

/// Whether an expression may be a capability test or hold one: a
/// comparison, a call, `not`, `and`/`or`, a walrus. A plain name or
/// attribute only reads a value (the test it holds is found where it was
/// made), and a literal tests nothing.
fn may_be_test(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Compare(_) | Expr::Call(_) | Expr::BoolOp(_) | Expr::UnaryOp(_) | Expr::Named(_)
    )
}

fn ends_flow(body: &[Stmt]) -> bool {
    matches!(
        body.last(),
        Some(Stmt::Return(_) | Stmt::Raise(_) | Stmt::Continue(_) | Stmt::Break(_))
    )
}
