//! What the dispatch checks need from a function body: parameters, local
//! assignments, calls of async entries, capability guards, and delegation.

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use crate::model::{ClassId, FunctionFact, NameRef, Param, ScopeId};

use super::facts::{dotted, Locator};

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
                .and_then(|a| annotation_name(a))
                .map(|parts| NameRef::scoped(outer_scope, parts)),
        })
        .collect();
    FunctionFact {
        name: function.name.id.to_string(),
        qualname,
        location: locator.location(function.name.range()),
        is_async: function.is_async,
        scope,
        class,
        params,
        assigns: Vec::new(),
        entry_calls: Vec::new(),
        guards: Vec::new(),
        delegation: None,
    }
}

/// `MyAgent`, `"MyAgent"`, `Optional[MyAgent]`, `MyAgent | None`.
fn annotation_name(expr: &ast::Expr) -> Option<Vec<String>> {
    match expr {
        ast::Expr::StringLiteral(s) => {
            let text = s.value.to_str();
            let parts: Vec<String> = text.split('.').map(str::to_owned).collect();
            parts
                .iter()
                .all(|p| super::modules::is_identifier(p))
                .then_some(parts)
        }
        ast::Expr::Subscript(sub) => {
            let outer = dotted(&sub.value)?;
            if outer.last().is_some_and(|n| n == "Optional") {
                annotation_name(&sub.slice)
            } else {
                Some(outer)
            }
        }
        ast::Expr::BinOp(bin) => {
            if matches!(&*bin.right, ast::Expr::NoneLiteral(_)) {
                annotation_name(&bin.left)
            } else if matches!(&*bin.left, ast::Expr::NoneLiteral(_)) {
                annotation_name(&bin.right)
            } else {
                None
            }
        }
        other => dotted(other),
    }
}
