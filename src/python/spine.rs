//! Chains that nest to the left: `a + b + c`, `a.b.c`, `f()()`, `a[0][1]`,
//! `a.b().c()`. Each link holds the rest of the chain as its first child,
//! so a chain of n terms is a tree n levels deep, and a visitor that
//! recursed into it would recurse once per term. The walkers here follow
//! such a chain's spine in a loop and recurse only into the other children
//! of its links.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::Expr;
use smallvec::SmallVec;

/// The links of one chain: most chains are short (`self.llm.complete(...)`
/// is three), and they are asked for at every expression.
pub type Links<'a> = SmallVec<[&'a Expr; 8]>;

/// The child a chain goes on through: `a` in `a + b`, `a.b`, `a(...)`, `a[...]`.
pub fn next(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::BinOp(binop) => Some(&binop.left),
        Expr::Attribute(attribute) => Some(&attribute.value),
        Expr::Call(call) => Some(&call.func),
        Expr::Subscript(subscript) => Some(&subscript.value),
        _ => None,
    }
}

/// The links of the chain that starts at `expr`, outermost first, and the
/// expression at its end (`expr` itself when it is no link).
pub fn links(expr: &Expr) -> (Links<'_>, &Expr) {
    let mut links = Links::new();
    let mut current = expr;
    while let Some(inner) = next(current) {
        links.push(current);
        current = inner;
    }
    (links, current)
}

/// Visits a link's children other than the one the chain goes on through,
/// in the order `walk_expr` visits them.
pub fn walk_beside<'a, V: Visitor<'a> + ?Sized>(visitor: &mut V, link: &'a Expr) {
    match link {
        Expr::BinOp(binop) => {
            visitor.visit_operator(&binop.op);
            visitor.visit_expr(&binop.right);
        }
        Expr::Attribute(attribute) => visitor.visit_expr_context(&attribute.ctx),
        Expr::Call(call) => visitor.visit_arguments(&call.arguments),
        Expr::Subscript(subscript) => {
            visitor.visit_expr(&subscript.slice);
            visitor.visit_expr_context(&subscript.ctx);
        }
        other => visitor::walk_expr(visitor, other),
    }
}
