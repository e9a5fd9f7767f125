//! What a statement is to the extractor: one reading of statements that the
//! extractor's walk (`facts`) and the inert scan (`inert`) both follow, so
//! that the scan, which stands in for the walk, cannot drift from it.

use ruff_python_ast::{self as ast, Expr, Stmt};

use std::collections::BTreeMap;

use ruff_text_size::Ranged;

use crate::model::{Assigned, ReceiverAssign};

use super::syntax::{is_setattr, is_type_checking, Locator, MAX_DEPTH};

pub enum Statement<'a> {
    Import(&'a ast::StmtImport),
    ImportFrom(&'a ast::StmtImportFrom),
    Class(&'a ast::StmtClassDef),
    Function(&'a ast::StmtFunctionDef),
    /// Each target is bound to `value` (`None`: to something computed, as
    /// by `x += 1`). An annotation without a value binds nothing.
    Bind {
        targets: &'a [Expr],
        value: Option<&'a Expr>,
    },
    /// `type X = ...`: its name.
    TypeAlias(&'a Expr),
    /// `setattr(...)` as a statement: a patch of a class, maybe.
    Setattr(&'a ast::ExprCall),
    /// `if TYPE_CHECKING:`: the body never runs; its other clauses do.
    TypeChecking(&'a ast::StmtIf),
    /// Any other `if`: its clauses are alternatives.
    If(&'a ast::StmtIf),
    /// `try`, `with`, loops, `match`: walked through [`suites`].
    Compound(&'a Stmt),
    /// Leaves no binding and holds no statement.
    Other,
}

/// Whether a suite runs whenever the statement holding it does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    Always,
    /// A branch: a handler, a loop body, a case.
    Maybe,
}

pub fn classify(stmt: &Stmt) -> Statement<'_> {
    match stmt {
        Stmt::Import(import) => Statement::Import(import),
        Stmt::ImportFrom(import) => Statement::ImportFrom(import),
        Stmt::ClassDef(class) => Statement::Class(class),
        Stmt::FunctionDef(function) => Statement::Function(function),
        Stmt::Assign(assign) => Statement::Bind {
            targets: &assign.targets,
            value: Some(&assign.value),
        },
        Stmt::AnnAssign(assign) => match &assign.value {
            Some(value) => Statement::Bind {
                targets: std::slice::from_ref(&*assign.target),
                value: Some(value),
            },
            None => Statement::Other,
        },
        Stmt::AugAssign(assign) => Statement::Bind {
            targets: std::slice::from_ref(&*assign.target),
            value: None,
        },
        Stmt::TypeAlias(alias) => Statement::TypeAlias(&alias.name),
        Stmt::Expr(expr) => match &*expr.value {
            Expr::Call(call) if is_setattr(&expr.value) => Statement::Setattr(call),
            _ => Statement::Other,
        },
        Stmt::If(stmt_if) if is_type_checking(&stmt_if.test) => Statement::TypeChecking(stmt_if),
        Stmt::If(stmt_if) => Statement::If(stmt_if),
        Stmt::Try(_) | Stmt::With(_) | Stmt::For(_) | Stmt::While(_) | Stmt::Match(_) => {
            Statement::Compound(stmt)
        }
        _ => Statement::Other,
    }
}

/// The suites of a compound statement, in source order. A `try`'s body,
/// handlers and `else` are branches; its `finally` always runs.
pub fn suites<'a>(stmt: &'a Stmt, mut visit: impl FnMut(&'a [Stmt], Runs)) {
    match stmt {
        Stmt::Try(stmt_try) => {
            visit(&stmt_try.body, Runs::Maybe);
            for handler in &stmt_try.handlers {
                let ast::ExceptHandler::ExceptHandler(handler) = handler;
                visit(&handler.body, Runs::Maybe);
            }
            visit(&stmt_try.orelse, Runs::Maybe);
            visit(&stmt_try.finalbody, Runs::Always);
        }
        Stmt::With(with) => visit(&with.body, Runs::Always),
        Stmt::For(stmt_for) => {
            visit(&stmt_for.body, Runs::Maybe);
            visit(&stmt_for.orelse, Runs::Maybe);
        }
        Stmt::While(stmt_while) => {
            visit(&stmt_while.body, Runs::Maybe);
            visit(&stmt_while.orelse, Runs::Maybe);
        }
        Stmt::Match(stmt_match) => {
            for case in &stmt_match.cases {
                visit(&case.body, Runs::Maybe);
            }
        }
        _ => {}
    }
}

/// How many statements of a class's methods (and the functions nested in
/// them) assign each attribute of the method's receiver: `self.x = ...`,
/// `self.x += ...`, `self.x, y = ...`. Read without the extractor's walk,
/// which skips most method bodies.
/// Also the classes `self.x: T` declarations name, per attribute (each
/// member of a union; two declarations of one attribute are read as one
/// union).
pub fn receiver_assignments(
    class: &ast::StmtClassDef,
    locator: &Locator<'_>,
) -> (Assignments, Declared) {
    let mut counts = BTreeMap::new();
    let mut declared = Declared::new();
    for stmt in &class.body {
        if let Stmt::FunctionDef(method) = stmt {
            if let Some(receiver) = method.parameters.iter().next() {
                let receiver = receiver.name().id.as_str();
                let mut scan = Scan {
                    receiver,
                    locator,
                    counts: &mut counts,
                    declared: &mut declared,
                };
                scan.body(&method.body, 0);
            }
        }
    }
    (counts, declared)
}

/// The classes each receiver attribute is declared with.
pub type Declared = BTreeMap<String, Vec<Vec<String>>>;

/// The statements that assign each receiver attribute.
pub type Assignments = BTreeMap<String, Vec<ReceiverAssign>>;

/// One method's walk, and what it adds to its class's.
struct Scan<'s, 'l> {
    receiver: &'s str,
    locator: &'s Locator<'l>,
    counts: &'s mut Assignments,
    declared: &'s mut Declared,
}

impl Scan<'_, '_> {
    fn body(&mut self, body: &[Stmt], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for stmt in body {
            if let Stmt::AnnAssign(annotated) = stmt {
                if let Expr::Attribute(attr) = &*annotated.target {
                    if self.is_receiver(&attr.value) {
                        let members = super::flow::annotation_names(&annotated.annotation);
                        if !members.is_empty() {
                            self.declared
                                .entry(attr.attr.id.to_string())
                                .or_default()
                                .extend(members);
                        }
                    }
                }
            }
            match classify(stmt) {
                Statement::Bind { targets, value } => {
                    let location = self.locator.location(stmt.range());
                    let value = match value {
                        Some(value) if is_falsy(value) => Assigned::Falsy,
                        _ => Assigned::Other,
                    };
                    for target in targets {
                        self.target(target, ReceiverAssign { location, value }, depth);
                    }
                }
                Statement::Function(function) => self.body(&function.body, depth + 1),
                Statement::If(stmt_if) | Statement::TypeChecking(stmt_if) => {
                    self.body(&stmt_if.body, depth + 1);
                    for clause in &stmt_if.elif_else_clauses {
                        self.body(&clause.body, depth + 1);
                    }
                }
                Statement::Compound(stmt) => {
                    suites(stmt, |suite, _| self.body(suite, depth + 1));
                }
                _ => {}
            }
        }
    }

    fn is_receiver(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if name.id.as_str() == self.receiver)
    }

    fn target(&mut self, target: &Expr, assign: ReceiverAssign, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match target {
            Expr::Attribute(attr) if self.is_receiver(&attr.value) => {
                self.counts
                    .entry(attr.attr.id.to_string())
                    .or_default()
                    .push(assign);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    let assign = ReceiverAssign {
                        value: Assigned::Other,
                        ..assign.clone()
                    };
                    self.target(elt, assign, depth + 1);
                }
            }
            Expr::Starred(starred) => {
                let assign = ReceiverAssign {
                    value: Assigned::Other,
                    ..assign
                };
                self.target(&starred.value, assign, depth + 1)
            }
            _ => {}
        }
    }
}

/// A literal whose truth is false.
fn is_falsy(value: &Expr) -> bool {
    match value {
        Expr::NoneLiteral(_) => true,
        Expr::BooleanLiteral(b) => !b.value,
        Expr::NumberLiteral(n) => matches!(
            &n.value,
            ast::Number::Int(i) if i.as_u8() == Some(0)
        ),
        Expr::StringLiteral(s) => s.value.to_str().is_empty(),
        _ => false,
    }
}
