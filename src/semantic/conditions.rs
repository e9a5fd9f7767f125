//! A guard's condition with what it reaches into followed: the analyzed
//! helpers it calls (`if _native(c):`, `if self._is_native(c):`), whose
//! `return` is a capability test of their parameters, and the attributes of
//! the method's receiver that another method of its class stored a test in
//! (`self._native = type(c).arun is not ...` in `__init__`). The tests come
//! back in the caller's terms: a helper's parameter becomes the argument.

use std::collections::HashMap;

use crate::model::{
    Assigned, CapabilityTest, Condition, ConditionCall, FileId, FunctionFact, Guard, Location,
    Value,
};

use super::values::{find_function as find_helper, method_of};
use super::Semantic;

/// Helpers calling helpers are followed this deep.
const MAX_HELPERS: usize = 4;

/// A guard's condition, with its helpers and stored attributes followed.
#[derive(Default)]
pub struct Followed {
    pub tests: Vec<CapabilityTest>,
    pub mentions: Vec<Vec<String>>,
    pub passed: Vec<Vec<String>>,
    /// The first helper or stored attribute the tests came through, as
    /// written at the guard (`_native`, `self._native_arun`).
    pub through: Option<String>,
    /// Stored attributes the condition reads, with every assignment of each.
    pub stored: Vec<StoredRead>,
    /// Module-level constants whose test the condition reads, and where
    /// each was assigned.
    pub constants: Vec<(String, Location)>,
}

/// An attribute of the receiver that the condition reads and some method
/// stored a test in: where each test was stored, and where the attribute is
/// assigned anything else but a false literal (`self._native = True` in
/// `reset()`).
#[derive(Clone, Debug)]
pub struct StoredRead {
    /// As written at the guard: `self._native`.
    pub path: Vec<String>,
    pub stores: Vec<Location>,
    pub others: Vec<Location>,
}

impl StoredRead {
    /// Assigned in more than one way that may choose the async path: which
    /// one a guard reads depends on what ran before it.
    pub fn disputed(&self) -> bool {
        self.stores.len() + self.others.len() > 1
    }
}

/// One stored test of an attribute, the others set aside: `(attribute,
/// index among its stores)`.
pub type Choice<'c> = Option<(&'c str, usize)>;

pub fn follow(cx: &Semantic<'_>, file: FileId, function: &FunctionFact, guard: &Guard) -> Followed {
    follow_choosing(cx, file, function, guard, None)
}

/// As [`follow`], reading only the `choice`-th stored test of an attribute.
pub fn follow_choosing(
    cx: &Semantic<'_>,
    file: FileId,
    function: &FunctionFact,
    guard: &Guard,
    choice: Choice<'_>,
) -> Followed {
    let mut out = Followed {
        tests: guard.tests.clone(),
        mentions: guard.mentions.clone(),
        passed: guard.passed.clone(),
        through: None,
        stored: Vec::new(),
        constants: Vec::new(),
    };
    for call in &guard.calls {
        follow_call(cx, file, function, call, &|p| Some(p.to_vec()), &mut out, 0);
    }
    follow_stored(cx, file, function, &mut out, choice);
    follow_constants(cx, file, function, &mut out);
    out
}

/// Module-level constants the condition reads by name: `if USE_ASYNC:`
/// reads the test the constant holds, `isinstance(c, _NATIVE)` the classes
/// of its tuple. A name the function (or one it is nested in) binds or is
/// handed is its own, not the module's.
fn follow_constants(cx: &Semantic<'_>, file: FileId, function: &FunctionFact, out: &mut Followed) {
    let facts = &cx.analysis.files[file];
    let named = |path: &Vec<String>| path.len() == 1 && facts.constants.contains_key(&path[0]);
    let reads = out.mentions.iter().any(named)
        || out
            .tests
            .iter()
            .any(|t| t.kind.names_classes() && t.classes.iter().any(named));
    if !reads {
        return;
    }
    let enclosing: Vec<&FunctionFact> = facts
        .functions
        .iter()
        .filter(|f| {
            std::ptr::eq(*f, function)
                || function
                    .qualname
                    .starts_with(&format!("{}.<locals>.", f.qualname))
        })
        .collect();
    let constant = |name: &str| {
        let local = enclosing.iter().any(|f| {
            f.params.iter().any(|p| p.name == name)
                || f.assigns
                    .iter()
                    .any(|a| matches!(&a.target[..], [t] if t == name))
        });
        (!local).then(|| facts.constants.get(name)).flatten()
    };
    let read: Vec<String> = out
        .mentions
        .iter()
        .filter_map(|m| match &m[..] {
            [name] => Some(name.clone()),
            _ => None,
        })
        .collect();
    for name in read {
        let Some(held) = constant(&name).filter(|c| !c.condition.tests.is_empty()) else {
            continue;
        };
        out.tests.extend(held.condition.tests.iter().cloned());
        out.mentions.extend(held.condition.mentions.iter().cloned());
        out.constants.push((name.clone(), held.location));
        out.through.get_or_insert(name);
    }
    for test in out.tests.iter_mut().filter(|t| t.kind.names_classes()) {
        let mut classes = Vec::new();
        for class in std::mem::take(&mut test.classes) {
            match &class[..] {
                [name] if constant(name).is_some_and(|c| !c.classes.is_empty()) => {
                    classes.extend(constant(name).into_iter().flat_map(|c| c.classes.clone()));
                }
                _ => classes.push(class),
            }
        }
        test.classes = classes;
    }
}

/// `call`, made in `caller`; its arguments are already in the guard's
/// terms, and `terms` puts the rest of `caller`'s paths (the object a
/// method is called on) in them.
fn follow_call(
    cx: &Semantic<'_>,
    file: FileId,
    caller: &FunctionFact,
    call: &ConditionCall,
    terms: &dyn Fn(&[String]) -> Option<Vec<String>>,
    out: &mut Followed,
    depth: usize,
) {
    if depth >= MAX_HELPERS {
        return;
    }
    let Some((helper_file, helper, receiver)) = find_helper(cx, file, caller, &call.callee) else {
        return;
    };
    if helper.returns.is_empty() {
        return;
    }
    // Parameter -> the caller's path for it.
    let mut bound: HashMap<&str, Vec<String>> = HashMap::new();
    let mut params = helper.params.iter();
    if let Some(receiver) = receiver {
        if let Some(first) = params.next() {
            if let Some(receiver) = terms(&receiver) {
                bound.insert(first.name.as_str(), receiver);
            }
        }
    }
    for (param, arg) in params.zip(&call.args) {
        if let Some(arg) = arg {
            bound.insert(param.name.as_str(), arg.clone());
        }
    }
    for (name, path) in &call.keywords {
        if helper.params.iter().any(|p| &p.name == name) {
            bound.insert(name.as_str(), path.clone());
        }
    }
    let subst = |path: &[String]| -> Option<Vec<String>> {
        let (head, rest) = path.split_first()?;
        let mut to = bound.get(head.as_str())?.clone();
        to.extend(rest.iter().cloned());
        Some(to)
    };
    // What was handed to the call is followed now, not merely handed.
    for handed in call
        .args
        .iter()
        .flatten()
        .chain(call.keywords.iter().map(|(_, p)| p))
    {
        if let Some(i) = out.passed.iter().position(|p| p == handed) {
            out.passed.remove(i);
        }
    }
    if let Some(object) = terms(&call.callee[..call.callee.len() - 1]) {
        if let Some(i) = out.passed.iter().position(|p| *p == object) {
            out.passed.remove(i);
        }
    }
    out.through.get_or_insert_with(|| call.callee.join("."));
    for returned in &helper.returns {
        add_condition(cx, helper_file, helper, returned, &subst, out, depth);
    }
}

/// A helper's (or a storing method's) condition, in the caller's terms:
/// what refers to nothing the caller handed over is dropped, except that a
/// call it cannot follow leaves its arguments handed.
fn add_condition(
    cx: &Semantic<'_>,
    file: FileId,
    owner: &FunctionFact,
    condition: &Condition,
    subst: &dyn Fn(&[String]) -> Option<Vec<String>>,
    out: &mut Followed,
    depth: usize,
) {
    for test in &condition.tests {
        if let Some(subject) = subst(&test.subject) {
            out.tests.push(CapabilityTest {
                subject,
                ..test.clone()
            });
        }
    }
    out.mentions
        .extend(condition.mentions.iter().filter_map(|m| subst(m)));
    out.passed
        .extend(condition.passed.iter().filter_map(|m| subst(m)));
    for inner in &condition.calls {
        let call = ConditionCall {
            callee: inner.callee.clone(),
            args: inner
                .args
                .iter()
                .map(|a| a.as_deref().and_then(subst))
                .collect(),
            keywords: inner
                .keywords
                .iter()
                .filter_map(|(k, p)| Some((k.clone(), subst(p)?)))
                .collect(),
        };
        follow_call(cx, file, owner, &call, subst, out, depth + 1);
    }
}

/// `if self._native:` where another method of the class stored a test in
/// `self._native`: its tests, with the storing method's receiver and the
/// parameters it kept in attributes (`self._c = c`) put in the guard's terms.
fn follow_stored(
    cx: &Semantic<'_>,
    file: FileId,
    function: &FunctionFact,
    out: &mut Followed,
    choice: Choice<'_>,
) {
    let facts = &cx.analysis.files[file];
    let enclosing = method_of(facts, function);
    let Some((class, receiver)) = enclosing.and_then(|m| Some((m.class?, m.params.first()?)))
    else {
        return;
    };
    let read: Vec<Vec<String>> = out
        .mentions
        .iter()
        .filter(|m| m.len() == 2 && m[0] == receiver.name)
        .cloned()
        .collect();
    for mention in read {
        if out.stored.iter().any(|r| r.path == mention) {
            continue;
        }
        let mut stores = Vec::new();
        for method in facts.functions.iter().filter(|f| f.class == Some(class)) {
            for stored in method.stored.iter().filter(|s| s.target[1] == mention[1]) {
                let index = stores.len();
                stores.push(stored.location);
                if choice.is_some_and(|(attr, chosen)| attr == mention[1] && chosen != index) {
                    continue;
                }
                let own = &stored.target[0];
                // The method the guard sits in (or is nested in) stored it:
                // its locals are the guard's too.
                let same = enclosing.is_some_and(|m| std::ptr::eq(m, method));
                let kept: HashMap<&str, &str> = method
                    .assigns
                    .iter()
                    .filter_map(|a| match (&a.target[..], &a.value) {
                        ([object, attr], Value::Path(from)) if object == own && from.len() == 1 => {
                            Some((from[0].as_str(), attr.as_str()))
                        }
                        _ => None,
                    })
                    .collect();
                let subst = |path: &[String]| -> Option<Vec<String>> {
                    let (head, rest) = path.split_first()?;
                    let mut to = vec![mention[0].clone()];
                    if head != own {
                        if same {
                            to = vec![head.clone()];
                        } else {
                            to.push((*kept.get(head.as_str())?).to_owned());
                        }
                    }
                    to.extend(rest.iter().cloned());
                    Some(to)
                };
                out.through.get_or_insert_with(|| mention.join("."));
                add_condition(cx, file, method, &stored.condition, &subst, out, 0);
            }
        }
        if stores.is_empty() {
            continue;
        }
        let others = facts.classes[class]
            .receiver_assignments
            .get(&mention[1])
            .into_iter()
            .flatten()
            .filter(|a| a.value != Assigned::Falsy)
            .filter(|a| !stores.iter().any(|s| s.start == a.location.start))
            .map(|a| a.location)
            .collect();
        out.stored.push(StoredRead {
            path: mention,
            stores,
            others,
        });
    }
}
