//! Shapes of a whole method body: an async method that only hands a sync
//! method to a thread, calls it inline, or defers to `super()`; a method
//! that only raises `NotImplementedError`; a method that only forwards to a
//! method of one of the receiver's attributes.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::model::{Delegation, Forward, Location, Via};

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

/// The statements of a body that do something: a docstring or a `pass`
/// changes nothing about what a stub does.
fn working(body: &[Stmt]) -> impl Iterator<Item = &Stmt> {
    body.iter().filter(|stmt| match stmt {
        Stmt::Expr(e) => !e.value.is_string_literal_expr(),
        Stmt::Pass(_) => false,
        _ => true,
    })
}

/// The `raise NotImplementedError` (bare or called, any arguments) that is
/// all a body does. A `raise ... from` still raises it.
pub fn raising(body: &[Stmt], locator: &Locator<'_>) -> Option<Location> {
    let mut rest = working(body);
    let Some(Stmt::Raise(raise)) = rest.next() else {
        return None;
    };
    if rest.next().is_some() {
        return None;
    }
    let raised = match raise.exc.as_deref()? {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    let name = dotted(raised)?;
    (name.last()? == "NotImplementedError").then(|| locator.location(raise.range()))
}

/// The call a body is, when the whole body is one call (returned, awaited
/// or not) of a method of an attribute: `return self.inner.run(q)`. Which
/// object is the receiver, and whether the attribute holds anything of a
/// role, is for the semantic layer to say.
pub fn forwarding(body: &[Stmt], locator: &Locator<'_>) -> Option<Forward> {
    let mut rest = working(body);
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
    let mut object = dotted(&call.func)?;
    // `self.inner.run`: a receiver, one attribute, the method. Deeper paths
    // (`self.a.b.run`) hold something no attribute type says.
    if object.len() != 3 {
        return None;
    }
    let method = object.pop()?;
    Some(Forward {
        object,
        method,
        awaited,
        location: locator.location(call.range()),
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

#[cfg(test)]
mod tests {
    use ruff_python_ast::Stmt;

    use super::{forwarding, raising};
    use crate::python::parse::parse_module;
    use crate::python::syntax::Locator;

    /// A forward as (object, method, awaited).
    type Forwarded = (Vec<String>, String, bool);

    /// The shapes found in the body of the first `def` of `source`: where
    /// the raise is, and what it forwards to.
    fn shapes(source: &str) -> (Option<(u32, u32)>, Option<Forwarded>) {
        let parsed = parse_module(source);
        let locator = Locator::new(source);
        let Some(Stmt::FunctionDef(function)) = parsed.module.body.first() else {
            panic!("no function in {source}");
        };
        (
            raising(&function.body, &locator).map(|l| (l.line, l.column)),
            forwarding(&function.body, &locator).map(|f| (f.object, f.method, f.awaited)),
        )
    }

    #[test]
    fn a_body_that_only_raises_not_implemented() {
        for body in [
            "    raise NotImplementedError\n",
            "    raise NotImplementedError()\n",
            "    \"\"\"Doc.\"\"\"\n    raise NotImplementedError('no async')\n",
            "    pass\n    raise builtins.NotImplementedError\n",
        ] {
            let source = format!("async def _arun(self, q):\n{body}");
            let (raised, _) = shapes(&source);
            assert!(raised.is_some_and(|(_, column)| column == 5), "{source}");
        }
        for body in [
            "    raise ValueError()\n",
            "    raise\n",
            "    x = 1\n    raise NotImplementedError\n",
            "    if q:\n        raise NotImplementedError\n",
            "    return NotImplemented\n",
        ] {
            let source = format!("async def _arun(self, q):\n{body}");
            assert_eq!(shapes(&source).0, None, "{source}");
        }
    }

    #[test]
    fn a_body_that_only_forwards_to_an_attribute() {
        let forwarded = |body: &str| shapes(&format!("def _run(self, *a, **k):\n{body}")).1;
        assert_eq!(
            forwarded("    return self.inner._run(*a, **k)\n"),
            Some((vec!["self".into(), "inner".into()], "_run".into(), false))
        );
        assert_eq!(
            forwarded("    \"\"\"Doc.\"\"\"\n    return await self.inner.arun(*a)\n"),
            Some((vec!["self".into(), "inner".into()], "arun".into(), true))
        );
        assert_eq!(
            forwarded("    self.inner.invoke(a)\n"),
            Some((vec!["self".into(), "inner".into()], "invoke".into(), false))
        );
        for body in [
            "    return self.run(*a)\n",
            "    return self.a.b.run(*a)\n",
            "    return run(*a)\n",
            "    x = 1\n    return self.inner.run(*a)\n",
            "    return self.inner.run(*a).strip()\n",
        ] {
            assert_eq!(forwarded(body), None, "{body}");
        }
    }
}
