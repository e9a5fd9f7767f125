//! Whether a function body can leave any fact behind.
//!
//! Most function bodies leave nothing: their local names are dropped when
//! the function closes, because nothing inside looks a name up through its
//! scope (see `Extractor::close_scope`). Walking such a body only to throw
//! its bindings away was about a tenth of a run, so the extractor first asks
//! this scan, which reads statements only and allocates nothing.
//!
//! A body is inert when it holds no class statement, no `setattr(...)`
//! statement and no `if TYPE_CHECKING:` block, when every attribute
//! assignment in it (`self.x = ...`, a patch to the extractor) is on a name
//! that the same function binds, and binds only to non-classes (its
//! parameters, plain values, nested functions), and when every function
//! nested in it is inert too. Those are exactly the bodies whose walk would
//! end with the scope dropped; the scan is conservative where the walk's
//! rules are subtler (it ignores the order of bindings).

use ruff_python_ast::{self as ast, Expr, Stmt};
use rustc_hash::FxHashSet;

use super::facts::MAX_DEPTH;

/// Whether walking `function`'s body would leave no fact behind. `depth` is
/// the extractor's depth at the function statement.
pub fn is_inert(function: &ast::StmtFunctionDef, depth: usize) -> bool {
    let mut scan = Scan::default();
    for parameter in function.parameters.iter() {
        scan.opaque.insert(parameter.name().id.as_str());
    }
    scan.suite(&function.body, depth + 1)
        && scan
            .owners
            .iter()
            .all(|owner| scan.opaque.contains(owner) && !scan.not_opaque.contains(owner))
}

/// One function's names, as the extractor would bind them.
#[derive(Default)]
struct Scan<'a> {
    /// Names bound to something that is not a class or module.
    opaque: FxHashSet<&'a str>,
    /// Names bound to an import, a class or a dotted alias.
    not_opaque: FxHashSet<&'a str>,
    /// First names of attribute assignments' targets.
    owners: Vec<&'a str>,
}

impl<'a> Scan<'a> {
    /// False as soon as the body can leave a fact.
    fn suite(&mut self, body: &'a [Stmt], depth: usize) -> bool {
        depth <= MAX_DEPTH && body.iter().all(|stmt| self.stmt(stmt, depth))
    }

    fn stmt(&mut self, stmt: &'a Stmt, depth: usize) -> bool {
        let inner = depth + 1;
        match stmt {
            Stmt::ClassDef(_) => false,
            Stmt::FunctionDef(function) => {
                self.opaque.insert(function.name.id.as_str());
                is_inert(function, depth)
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let bound = match &alias.asname {
                        Some(asname) => asname.as_str(),
                        None => alias.name.id.split('.').next().unwrap_or_default(),
                    };
                    self.not_opaque.insert(bound);
                }
                true
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.not_opaque.insert(bound.as_str());
                }
                true
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.target(target, Some(&assign.value));
                }
                true
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.target(&assign.target, Some(value));
                }
                true
            }
            Stmt::AugAssign(assign) => {
                self.target(&assign.target, None);
                true
            }
            Stmt::TypeAlias(alias) => {
                if let Expr::Name(name) = &*alias.name {
                    self.opaque.insert(name.id.as_str());
                }
                true
            }
            Stmt::Expr(expr) => !is_setattr(&expr.value),
            Stmt::If(stmt_if) => {
                !is_type_checking(&stmt_if.test)
                    && self.suite(&stmt_if.body, inner)
                    && stmt_if
                        .elif_else_clauses
                        .iter()
                        .all(|clause| self.suite(&clause.body, inner))
            }
            Stmt::Try(stmt_try) => {
                self.suite(&stmt_try.body, inner)
                    && stmt_try.handlers.iter().all(|handler| {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        self.suite(&handler.body, inner)
                    })
                    && self.suite(&stmt_try.orelse, inner)
                    && self.suite(&stmt_try.finalbody, inner)
            }
            Stmt::With(with) => self.suite(&with.body, inner),
            Stmt::For(stmt_for) => {
                self.suite(&stmt_for.body, inner) && self.suite(&stmt_for.orelse, inner)
            }
            Stmt::While(stmt_while) => {
                self.suite(&stmt_while.body, inner) && self.suite(&stmt_while.orelse, inner)
            }
            Stmt::Match(stmt_match) => stmt_match
                .cases
                .iter()
                .all(|case| self.suite(&case.body, inner)),
            _ => true,
        }
    }

    /// An assignment target, as `Extractor::assignment` reads it.
    fn target(&mut self, target: &'a Expr, value: Option<&Expr>) {
        match target {
            Expr::Name(name) => {
                if value.is_some_and(|value| first_name(value).is_some()) {
                    self.not_opaque.insert(name.id.as_str());
                } else {
                    self.opaque.insert(name.id.as_str());
                }
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.target(elt, None);
                }
            }
            Expr::Attribute(attr) => {
                if let Some(owner) = first_name(&attr.value) {
                    self.owners.push(owner);
                }
            }
            _ => {}
        }
    }
}

/// The first name of `a.b.c`, when the whole expression is a dotted name.
fn first_name(expr: &Expr) -> Option<&str> {
    let mut current = expr;
    loop {
        match current {
            Expr::Name(name) => return Some(name.id.as_str()),
            Expr::Attribute(attr) => current = &attr.value,
            _ => return None,
        }
    }
}

/// `TYPE_CHECKING` or `typing.TYPE_CHECKING`, as the extractor tells them.
fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attr) => {
            attr.attr.id.as_str() == "TYPE_CHECKING" && first_name(&attr.value).is_some()
        }
        _ => false,
    }
}

fn is_setattr(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if matches!(&*call.func, Expr::Name(name) if name.id.as_str() == "setattr"))
}
