//! DL005's shape: an async method whose whole body only hands a sync
//! method to a thread, calls it inline, or defers to `super()`.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::model::{Delegation, Via};

use super::syntax::{dotted, Locator, MAX_DEPTH};

/// The whole body of an async method, when all it does is hand a sync
/// method to a thread, call it inline, or defer to `super()`.
pub fn delegation(body: &[Stmt], locator: &Locator<'_>) -> Option<Delegation> {
    let mut rest = body.iter().filter(|s| !incidental(s));
    let only = rest.next()?;
    if rest.next().is_some() {
        return None;
    }
    let expr = match only {
        Stmt::Expr(e) => &*e.value,
        Stmt::Return(r) => r.value.as_deref()?,
        _ => return None,
    };
    let (awaited, inner) = match expr {
        Expr::Await(a) => (true, &*a.value),
        other => (false, other),
    };
    let Expr::Call(call) = inner else { return None };
    let location = locator.location(only.range());
    if let Expr::Attribute(attr) = &*call.func {
        if let Expr::Call(sup) = &*attr.value {
            if dotted(&sup.func).as_deref() == Some(&["super".to_owned()][..]) {
                return Some(Delegation {
                    via: Via::Super,
                    target: attr.attr.id.to_string(),
                    location,
                });
            }
        }
    }
    let func = dotted(&call.func)?;
    let args = &call.arguments.args;
    let (via, target) = match func.last().map(String::as_str) {
        Some("run_in_executor") if awaited => (Via::Executor, self_method(args.get(1)?, 0)?),
        Some("to_thread") if awaited => (Via::ToThread, self_method(args.first()?, 0)?),
        _ if !awaited && func.len() == 2 && func[0] == "self" => (Via::Inline, func[1].clone()),
        _ => return None,
    };
    Some(Delegation {
        via,
        target,
        location,
    })
}

/// `self.step`, `functools.partial(self.step, ...)`, `lambda: self.step(...)`.
fn self_method(expr: &Expr, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match expr {
        Expr::Call(call) => {
            let func = dotted(&call.func)?;
            if func.last().is_some_and(|f| f == "partial") {
                self_method(call.arguments.args.first()?, depth + 1)
            } else {
                None
            }
        }
        Expr::Lambda(lambda) => match &*lambda.body {
            Expr::Call(call) => self_method(&call.func, depth + 1),
            _ => None,
        },
        other => match &dotted(other)?[..] {
            [object, method] if object == "self" => Some(method.clone()),
            _ => None,
        },
    }
}

/// Statements that do not change what a delegating body does.
fn incidental(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Expr(e) => e.value.is_string_literal_expr(),
        Stmt::Pass(_) | Stmt::Import(_) | Stmt::ImportFrom(_) => true,
        Stmt::Assign(assign) => {
            assign.targets.len() == 1
                && assign.targets[0].is_name_expr()
                && matches!(&*assign.value, Expr::Call(call)
                if dotted(&call.func).is_some_and(|f| f.last().is_some_and(|n| {
                    n == "get_running_loop" || n == "get_event_loop"
                })))
        }
        _ => false,
    }
}
