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
//! rules are subtler (it ignores the order of bindings). It reads each
//! statement through the extractor's own classifier (`statements`), so a
//! statement the walk learns to read is one the scan sees too.

use ruff_python_ast::{self as ast, Expr, Stmt};
use rustc_hash::FxHashSet;

use super::statements::{classify, suites, Statement};
use super::syntax::MAX_DEPTH;

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
        match classify(stmt) {
            Statement::Class(_) | Statement::Setattr(_) | Statement::TypeChecking(_) => false,
            Statement::Function(function) => {
                self.opaque.insert(function.name.id.as_str());
                is_inert(function, depth)
            }
            Statement::Import(import) => {
                for alias in &import.names {
                    let bound = match &alias.asname {
                        Some(asname) => asname.as_str(),
                        None => alias.name.id.split('.').next().unwrap_or_default(),
                    };
                    self.not_opaque.insert(bound);
                }
                true
            }
            Statement::ImportFrom(import) => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.not_opaque.insert(bound.as_str());
                }
                true
            }
            Statement::Bind { targets, value } => {
                for target in targets {
                    self.target(target, value);
                }
                true
            }
            Statement::TypeAlias(name) => {
                if let Expr::Name(name) = name {
                    self.opaque.insert(name.id.as_str());
                }
                true
            }
            Statement::If(stmt_if) => {
                self.suite(&stmt_if.body, inner)
                    && stmt_if
                        .elif_else_clauses
                        .iter()
                        .all(|clause| self.suite(&clause.body, inner))
            }
            Statement::Compound(stmt) => {
                let mut inert = true;
                suites(stmt, |body, _| inert = inert && self.suite(body, inner));
                inert
            }
            Statement::Other => true,
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
