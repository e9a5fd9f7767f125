//! Which conditions test a capability, and of what: `type(x).m is not
//! Base.m`, `inspect.iscoroutinefunction(x.m)`, `hasattr(x, "m")`,
//! `"m" in vars(type(x))`, through `not`, `and`, `or` and the helper
//! variables the function assigned before. Only shapes are recognized here;
//! the checks decide which of them name a role's entries.

use ruff_python_ast::{self as ast, CmpOp, Expr, UnaryOp};
use ruff_text_size::{Ranged, TextRange};

use crate::model::{CapabilityTest, Condition, ConditionCall, Location, TestKind};

use super::Flow;
use crate::python::syntax::{dotted, MAX_DEPTH};

/// A method looked up on a value: `c.arun`, `type(c).arun`, `getattr(c, "arun", None)`.
#[derive(Clone, Debug)]
pub(super) struct AttrRef {
    pub(super) subject: Vec<String>,
    pub(super) attr: String,
    /// Looked up on the class (`type(c).arun`), so comparable by identity.
    pub(super) on_type: bool,
}

/// What a condition, or part of one, tests.
#[derive(Clone, Debug, Default)]
pub(super) struct Cond {
    pub(super) tests: Vec<CapabilityTest>,
    pub(super) mentions: Vec<Vec<String>>,
    pub(super) passed: Vec<Vec<String>>,
    pub(super) calls: Vec<ConditionCall>,
    /// The first helper variable the condition went through, and where it was assigned.
    pub(super) via: Option<(String, Location)>,
    pub(super) negated: Vec<Location>,
}

impl Cond {
    pub(super) fn is_empty(&self) -> bool {
        self.tests.is_empty() && self.mentions.is_empty() && self.passed.is_empty()
    }

    /// Whether a helper or a guard may make something of it: a test, or a
    /// call that may be one.
    pub(super) fn may_test(&self) -> bool {
        !self.tests.is_empty() || !self.calls.is_empty()
    }

    pub(super) fn into_condition(self) -> Condition {
        Condition {
            tests: self.tests,
            mentions: self.mentions,
            passed: self.passed,
            calls: self.calls,
        }
    }
}

impl Flow<'_> {
    pub(super) fn condition(&self, expr: &Expr, out: &mut Cond, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let next = depth + 1;
        match expr {
            Expr::BoolOp(b) => {
                for value in &b.values {
                    self.condition(value, out, next);
                }
            }
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => {
                out.negated.push(self.locator.location(u.operand.range()));
                self.condition(&u.operand, out, next)
            }
            Expr::Named(named) => self.condition(&named.value, out, next),
            Expr::Compare(compare) => self.compare(compare, out, next),
            Expr::Call(call) => self.call_test(call, out, next),
            Expr::Name(name) => {
                let name = name.id.as_str();
                out.mentions.push(vec![name.to_owned()]);
                let Some(helper) = self.helpers.get(name) else {
                    return;
                };
                if out.via.is_none() {
                    out.via = Some((name.to_owned(), helper.location));
                }
                out.tests.extend(helper.cond.tests.iter().cloned());
                out.mentions.extend(helper.cond.mentions.iter().cloned());
                out.passed.extend(helper.cond.passed.iter().cloned());
                out.calls.extend(helper.cond.calls.iter().cloned());
                if helper.cond.tests.is_empty() {
                    // `if arun:` after `arun = getattr(c, "arun", None)`.
                    if let Some(attr) = &helper.attr {
                        out.tests
                            .push(self.test(attr, TestKind::GetAttr, expr.range()));
                    }
                }
            }
            Expr::Attribute(_) => {
                if let Some(path) = dotted(expr) {
                    out.mentions.push(path);
                }
            }
            _ => {}
        }
    }

    fn test(&self, attr: &AttrRef, kind: TestKind, range: TextRange) -> CapabilityTest {
        CapabilityTest {
            subject: attr.subject.clone(),
            attr: attr.attr.clone(),
            kind,
            location: self.locator.location(range),
            classes: Vec::new(),
        }
    }

    /// `isinstance(x, C)` or `isinstance(x, (C, D))`, and a `case C():`
    /// pattern on `x`.
    pub(super) fn instance_test(
        &self,
        subject: Vec<String>,
        classes: Vec<Vec<String>>,
        range: TextRange,
    ) -> CapabilityTest {
        CapabilityTest {
            subject,
            attr: String::new(),
            kind: TestKind::IsInstance,
            location: self.locator.location(range),
            classes,
        }
    }

    /// The value whose class `expr` is: `x` of `type(x)`, of a local
    /// `cls = type(x)`, or a name that holds a class itself (a parameter
    /// a caller hands `type(x)`, which the caller's side reads as `x`).
    fn class_subject(&self, expr: &Expr) -> Option<Vec<String>> {
        if let Some(subject) = type_of(expr) {
            return Some(subject);
        }
        if let Expr::Name(name) = expr {
            if let Some(subject) = self.class_of.get(name.id.as_str()) {
                return Some(subject.clone());
            }
        }
        dotted(expr)
    }

    fn compare(&self, compare: &ast::ExprCompare, out: &mut Cond, depth: usize) {
        if let ([op], [right]) = (&compare.ops[..], &compare.comparators[..]) {
            let left = &*compare.left;
            match op {
                CmpOp::Is | CmpOp::IsNot | CmpOp::Eq | CmpOp::NotEq => {
                    let identity = self
                        .identity(left, right)
                        .or_else(|| self.identity(right, left));
                    if let Some(attr) = identity {
                        out.tests
                            .push(self.test(&attr, TestKind::Identity, compare.range()));
                        return;
                    }
                    if right.is_none_literal_expr() {
                        if let Some(attr) = self.attr_ref(left, depth) {
                            out.tests
                                .push(self.test(&attr, TestKind::GetAttr, compare.range()));
                            return;
                        }
                    }
                }
                CmpOp::In | CmpOp::NotIn => {
                    if let (Expr::StringLiteral(s), Some(subject)) = (left, type_dict(right)) {
                        let attr = AttrRef {
                            subject,
                            attr: s.value.to_str().to_owned(),
                            on_type: true,
                        };
                        out.tests
                            .push(self.test(&attr, TestKind::VarsContains, compare.range()));
                        return;
                    }
                }
                _ => {}
            }
        }
        self.condition(&compare.left, out, depth);
        for comparator in &compare.comparators {
            self.condition(comparator, out, depth);
        }
    }

    /// `type(c).arun is not BaseConversation.arun`, seen from the `type(c).arun` side.
    fn identity(&self, looked_up: &Expr, root: &Expr) -> Option<AttrRef> {
        let attr = self.attr_ref(looked_up, 0)?;
        if !attr.on_type && !self.module {
            return None;
        }
        let root = dotted(root)?;
        (root.len() >= 2 && root.last() == Some(&attr.attr)).then_some(attr)
    }

    fn call_test(&self, call: &ast::ExprCall, out: &mut Cond, depth: usize) {
        let func = dotted(&call.func);
        let name = func.as_ref().and_then(|f| f.last()).map(String::as_str);
        let args = &call.arguments.args;
        match name {
            Some("iscoroutinefunction") => {
                if let Some(attr) = args.first().and_then(|a| self.attr_ref(a, depth)) {
                    out.tests
                        .push(self.test(&attr, TestKind::IsCoroutineFunction, call.range()));
                    return;
                }
            }
            Some("hasattr") => {
                if let [object, Expr::StringLiteral(s)] = &args[..] {
                    let (subject, on_type) = match type_of(object) {
                        Some(subject) => (Some(subject), true),
                        None => (dotted(object), false),
                    };
                    if let Some(subject) = subject {
                        let attr = AttrRef {
                            subject,
                            attr: s.value.to_str().to_owned(),
                            on_type,
                        };
                        out.tests
                            .push(self.test(&attr, TestKind::HasAttr, call.range()));
                        return;
                    }
                }
            }
            Some("getattr") => {
                if let Some(attr) = self.attr_ref(&Expr::Call(call.clone()), depth) {
                    out.tests
                        .push(self.test(&attr, TestKind::GetAttr, call.range()));
                    return;
                }
            }
            Some("isinstance") => {
                if let [object, classes] = &args[..] {
                    if let (Some(subject), Some(classes)) = (dotted(object), classes_named(classes))
                    {
                        out.tests
                            .push(self.instance_test(subject, classes, call.range()));
                        return;
                    }
                }
            }
            Some("issubclass") => {
                if let [class, classes] = &args[..] {
                    if let (Some(subject), Some(classes)) =
                        (self.class_subject(class), classes_named(classes))
                    {
                        let mut test = self.instance_test(subject, classes, call.range());
                        test.kind = TestKind::IsSubclass;
                        out.tests.push(test);
                        return;
                    }
                }
            }
            Some("callable") | Some("bool") => {
                for arg in args {
                    self.condition(arg, out, depth);
                }
                return;
            }
            _ => {}
        }
        // A call we do not know may test anything it is handed; a named one
        // the checks may follow into its body.
        if let Some(callee) = &func {
            let path = |arg: &Expr| dotted(arg).or_else(|| type_of(arg));
            out.calls.push(ConditionCall {
                callee: callee.clone(),
                args: args.iter().map(path).collect(),
                keywords: call
                    .arguments
                    .keywords
                    .iter()
                    .filter_map(|k| Some((k.arg.as_ref()?.to_string(), path(&k.value)?)))
                    .collect(),
            });
        }
        if let Some(func) = &func {
            if func.len() > 1 {
                out.passed.push(func[..func.len() - 1].to_vec());
            }
        } else if let Expr::Attribute(attr) = &*call.func {
            self.condition(&attr.value, out, depth);
        }
        let handed = args
            .iter()
            .chain(call.arguments.keywords.iter().map(|k| &k.value));
        for arg in handed {
            if let Some(path) = dotted(arg) {
                out.passed.push(path);
            } else if let Some(subject) = type_of(arg) {
                out.passed.push(subject);
            } else {
                let mut inner = Cond::default();
                self.condition(arg, &mut inner, depth + 1);
                // Whatever the argument reads is handed to the call too.
                out.passed.append(&mut inner.mentions);
                out.passed.append(&mut inner.passed);
                out.tests.append(&mut inner.tests);
                if out.via.is_none() {
                    out.via = inner.via;
                }
            }
        }
    }

    /// The method an expression looks up, and on what.
    pub(super) fn attr_ref(&self, expr: &Expr, depth: usize) -> Option<AttrRef> {
        if depth > MAX_DEPTH {
            return None;
        }
        match expr {
            Expr::Attribute(a) => {
                let attr = a.attr.id.as_str();
                if attr == "__func__" {
                    // `c.arun.__func__` is the function itself, as on the class.
                    return self
                        .attr_ref(&a.value, depth + 1)
                        .map(|r| AttrRef { on_type: true, ..r });
                }
                if let Some(subject) = type_of(&a.value) {
                    return Some(AttrRef {
                        subject,
                        attr: attr.to_owned(),
                        on_type: true,
                    });
                }
                dotted(&a.value).map(|subject| AttrRef {
                    subject,
                    attr: attr.to_owned(),
                    on_type: false,
                })
            }
            Expr::Call(call) => {
                if dotted(&call.func).as_deref() != Some(&["getattr".to_owned()][..]) {
                    return None;
                }
                let [object, Expr::StringLiteral(s), ..] = &call.arguments.args[..] else {
                    return None;
                };
                let attr = s.value.to_str().to_owned();
                match type_of(object) {
                    Some(subject) => Some(AttrRef {
                        subject,
                        attr,
                        on_type: true,
                    }),
                    None => dotted(object).map(|subject| AttrRef {
                        subject,
                        attr,
                        on_type: false,
                    }),
                }
            }
            Expr::Name(name) => self
                .helpers
                .get(name.id.as_str())
                .and_then(|h| h.attr.clone()),
            _ => None,
        }
    }
}

/// `C` or `(C, D)`: the classes an `isinstance` test names.
fn classes_named(expr: &Expr) -> Option<Vec<Vec<String>>> {
    match expr {
        Expr::Tuple(tuple) => tuple.elts.iter().map(dotted).collect(),
        one => dotted(one).map(|c| vec![c]),
    }
}

/// `x` in `type(x)` or `x.__class__`.
pub(super) fn type_of(expr: &Expr) -> Option<Vec<String>> {
    if let Expr::Call(call) = expr {
        if dotted(&call.func).as_deref() == Some(&["type".to_owned()][..])
            && call.arguments.keywords.is_empty()
        {
            if let [object] = &call.arguments.args[..] {
                return dotted(object);
            }
        }
        return None;
    }
    let mut path = dotted(expr)?;
    (path.len() >= 2 && path.pop().as_deref() == Some("__class__")).then_some(path)
}

/// `x` in `vars(type(x))` or `type(x).__dict__`.
fn type_dict(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Call(call) => {
            if dotted(&call.func).as_deref() != Some(&["vars".to_owned()][..]) {
                return None;
            }
            match &call.arguments.args[..] {
                [class] => type_of(class),
                _ => None,
            }
        }
        Expr::Attribute(a) if a.attr.id.as_str() == "__dict__" => type_of(&a.value),
        _ => None,
    }
}
