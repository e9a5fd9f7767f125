//! DL001 guard-ignores-agent: a condition that chooses a driver's async entry
//! (a conversation's `arun`) by testing only the driver, never the object its
//! native async entry awaits (the agent it holds).

use crate::fix::{Edit, Fix};
use crate::hierarchy::Verdict;
use crate::model::{
    Binding, CapabilityTest, EntryCall, FromImport, FunctionFact, Guard, Location, NameRef,
    TestKind, Value,
};
use crate::packs::DefaultKind;

use super::{Context, Finding, Label, Rule, Severity};
use crate::semantic::conditions::{follow, follow_choosing, Choice, Followed};
use crate::semantic::values::{functions, role_pairs, root_name, At, RolePair, Values};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL001",
    name: "guard-ignores-agent",
    summary: "a condition that chooses a driver's async entry without testing what it drives",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL001.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let pairs = role_pairs(cx);
    let mut findings = Vec::new();
    for (file, function) in functions(cx) {
        let values = Values {
            cx,
            file,
            function,
            pairs: &pairs,
        };
        for guard in &function.guards {
            for pair in pairs.iter().filter(|p| !p.driven_inline()) {
                if let Some(finding) = check_guard(cx, &values, guard, pair) {
                    findings.push(finding);
                    break;
                }
            }
        }
    }
    findings
}

/// A guard that reads an attribute assigned in more than one way that may
/// choose the async path (`self._native = <test>` in `__init__`,
/// `self._native = True` in `reset()`) is judged once per stored test, the
/// others set aside: which assignment the guard reads depends on what ran
/// last, so one that tests only the driver is a finding whatever the others
/// hold, and the message names them. When every stored test also tests the
/// driven object, the other assignments decide for reasons of their own: no
/// finding.
fn check_guard(
    cx: &Context<'_>,
    values: &Values<'_>,
    guard: &Guard,
    pair: &RolePair<'_>,
) -> Option<Finding> {
    let followed = follow(cx, values.file, values.function, guard);
    let Some(read) = followed.stored.iter().find(|r| r.disputed()).cloned() else {
        return judge(cx, values, guard, pair, followed, None);
    };
    let attr = read.path[1].as_str();
    let judged: Vec<Option<Finding>> = (0..read.stores.len())
        .map(|index| {
            let choice = Some((attr, index));
            let followed = follow_choosing(cx, values.file, values.function, guard, choice);
            judge(cx, values, guard, pair, followed, choice)
        })
        .collect();
    let disagree = !read.others.is_empty() || judged.iter().any(Option::is_none);
    let (index, mut finding) = judged
        .into_iter()
        .enumerate()
        .find_map(|(index, found)| Some((index, found?)))?;
    if disagree {
        let path = read.path.join(".");
        let store = read.stores[index];
        let mut others: Vec<Location> = read
            .stores
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, at)| *at)
            .chain(read.others.iter().copied())
            .collect();
        others.sort_by_key(|at| at.start);
        let lines: Vec<String> = others.iter().map(|at| at.line.to_string()).collect();
        let driver_noun = &pair.driver.name;
        finding.message.push_str(&format!(
            "; the assignments of `{path}` disagree: the one on line {} tests only the {driver_noun}, the one on line {} does not, and the guard reads whichever ran last",
            store.line,
            lines.join(" and line "),
        ));
        finding.labels.push(Label {
            location: store,
            message: format!("`{path}` holds a test of the {driver_noun} alone after this"),
        });
        for at in others {
            finding.labels.push(Label {
                location: at,
                message: format!("`{path}` is assigned otherwise here"),
            });
        }
    }
    Some(finding)
}

/// `guard` with its condition `followed`; `choice` keeps one stored test of
/// an attribute in the conditions of the other guards around the call too.
fn judge(
    cx: &Context<'_>,
    values: &Values<'_>,
    guard: &Guard,
    pair: &RolePair<'_>,
    followed: Followed,
    choice: Choice<'_>,
) -> Option<Finding> {
    let function = values.function;
    let arun = &pair.driver.async_;
    let tests = capability_tests(values, &followed.tests, pair);
    // The guarded call of the async entry on a value whose capability the
    // condition tests: that is what makes the condition a dispatch choice.
    let (call, subject, conversation_tests) = guard.protected.iter().find_map(|&index| {
        let call = &function.entry_calls[index];
        let Value::Path(receiver) = &call.receiver else {
            return None;
        };
        if &call.method != arun {
            return None;
        }
        let at = At::call(call);
        let receiver = values.expand(receiver, at);
        let found: Vec<&CapabilityTest> = tests
            .iter()
            .filter(|t| {
                &t.attr == arun
                    && (values.expand(&t.subject, at) == receiver
                        || names_driver_class(values, &t.subject, pair))
            })
            .collect();
        (!found.is_empty()).then_some((call, receiver, found))
    })?;
    let at = At::call(call);
    let agent_path = pair.driven_path(&subject);
    let mut weak = Vec::new();
    for other in guards_of(function, call) {
        let other = follow_choosing(cx, values.file, function, other, choice);
        for test in capability_tests(values, &other.tests, pair) {
            if test.attr != pair.driven.async_ || values.expand(&test.subject, at) != agent_path {
                continue;
            }
            match test.kind {
                TestKind::Identity
                | TestKind::VarsContains
                | TestKind::IsInstance
                | TestKind::IsSubclass => return None,
                kind => weak.push(kind),
            }
        }
        // A condition that reads the driven object, or hands it or the
        // driver to a call we cannot see into, may decide on it after all.
        // (When both are one object, reading it is what the driver's own
        // test does: only a test of the driven entry counts.)
        let reads_agent = !pair.same_object()
            && other
                .mentions
                .iter()
                .chain(&other.passed)
                .any(|m| values.expand(m, at).starts_with(&agent_path));
        let hands_conversation = other.passed.iter().any(|m| values.expand(m, at) == subject);
        if reads_agent || hands_conversation {
            return None;
        }
    }
    let held = values.typed(&Value::Path(subject.clone()), at);
    let (driver_noun, driven_noun) = (&pair.driver.name, &pair.driven.name);
    let mut agent_note = format!(
        "; the {driven_noun}'s capability is not known statically, so only a runtime test can decide"
    );
    if let Some(conversation) = &held {
        match values.verdict(&conversation.key, pair.driver) {
            // Its async entry is the root's (the identity test never picks
            // it), or it plays no driver role: nothing driven is at stake.
            Some(Verdict::Inherited) | None => return None,
            _ => {}
        }
        let driven = match pair.same_object() {
            true => Some(conversation),
            false => conversation.held(pair.attr),
        };
        if let Some(agent) = driven {
            match values.verdict(&agent.key, pair.driven) {
                Some(Verdict::Native) => return None,
                Some(Verdict::Inherited) => {
                    agent_note = format!(
                        "; here `{}` is `{}`, which only inherits `{}.{}`",
                        agent_path.join("."),
                        values.name(&agent.key),
                        root_name(cx, pair.driven),
                        pair.driven.async_
                    );
                }
                _ => {}
            }
        }
    }
    let conversation = subject.join(".");
    let conversation_root = root_name(cx, pair.driver);
    let agent_root = root_name(cx, pair.driven);
    let astep = &pair.driven.async_;
    let agent_path = agent_path.join(".");
    // The test that decides the most, as the one the message names.
    let strongest = conversation_tests
        .iter()
        .min_by_key(|t| strength(t.kind))
        .copied()?;
    // A test of a class (`USE_ASYNC = iscoroutinefunction(LocalConversation.arun)`)
    // is named as written.
    let seen = match values.expand(&strongest.subject, at) == subject {
        true => describe(strongest, &conversation, &conversation_root),
        false => describe_class(strongest, &conversation_root),
    };
    let through = match &followed.through {
        Some(through) => format!(", through `{through}`"),
        None => String::new(),
    };
    let weak_note = if weak.is_empty() {
        String::new()
    } else {
        format!(
            " (it tests the {driven_noun}'s `{astep}` only by existence, which the inherited default passes too)"
        )
    };
    let message = format!(
        "this condition chooses `{conversation}.{arun}()` by testing only the {driver_noun} ({seen}{through}) and never the {driven_noun}'s `{astep}`{weak_note}: {driven_noun}s that only inherit `{agent_root}.{astep}` take the async path too, and their sync `{}()` {}{agent_note}",
        pair.driven.sync,
        runs_where(pair),
    );
    let mut labels = vec![Label {
        location: call.location,
        message: format!("the async path this condition chooses for any {driven_noun}"),
    }];
    if let Some(via) = &guard.via {
        if guard.branch != guard.location {
            labels.push(Label {
                location: guard.branch,
                message: format!("the branch is decided here, through `{via}`"),
            });
        }
    }
    // A constant's test is made once, at import, far from the guard.
    for (name, assigned) in &followed.constants {
        labels.push(Label {
            location: *assigned,
            message: format!("`{name}` is decided here, once, when the module is imported"),
        });
    }
    let fix = agent_conjunct(cx, values, guard, pair, &subject, at, held.is_some());
    Some(Finding {
        fix,
        code: RULE.code,
        file: values.file,
        location: guard.location,
        message,
        help: format!("add `and type({agent_path}).{astep} is not {agent_root}.{astep}`"),
        labels,
    })
}

/// The agent's test, added right after the strongest test of the
/// conversation written in this function (in the `if`, or in the helper
/// variable it reads), with the agent root's name as the module binds it.
/// None when the test is negated (`not a` + `and b` is not `not (a and b)`),
/// an `isinstance` or a class pattern, or only inside a helper function, or
/// when the module does not bind the root. Unsafe unless the conversation's
/// class is known, so that `.agent` surely exists on it.
fn agent_conjunct(
    cx: &Context<'_>,
    values: &Values<'_>,
    guard: &Guard,
    pair: &RolePair<'_>,
    subject: &[String],
    at: At<'_>,
    typed: bool,
) -> Option<Fix> {
    let arun = &pair.driver.async_;
    let negated = |test: &CapabilityTest| {
        guard
            .negated
            .iter()
            .any(|n| n.start <= test.location.start && test.location.end <= n.end)
    };
    let test = guard
        .tests
        .iter()
        .filter(|t| &t.attr == arun && !t.kind.names_classes() && !negated(t))
        .filter(|t| values.expand(&t.subject, at) == subject)
        .min_by_key(|t| strength(t.kind))?;
    let (root, import) = match bound_name(cx, values, pair) {
        Some(name) => (name, None),
        None => import_of(cx, values, pair)?,
    };
    let astep = &pair.driven.async_;
    let conjunct = format!(
        "type({}).{astep} is not {root}.{astep}",
        pair.driven_path(&test.subject).join(".")
    );
    let mut edits = vec![Edit {
        location: test.location.end_point(),
        content: format!(" and {conjunct}"),
    }];
    edits.extend(import);
    let message = format!("add `and {conjunct}`");
    Some(if typed {
        Fix::safe(message, edits)
    } else {
        Fix::unsafe_(message, edits)
    })
}

/// The root's import: joined to a `from` import of one of the root's
/// modules that the file already has, or else `from openhands.sdk import
/// AgentBase` after the module's last top-level import, from the root's
/// shortest public path; None when the module binds that name to something
/// else.
fn import_of(
    cx: &Context<'_>,
    values: &Values<'_>,
    pair: &RolePair<'_>,
) -> Option<(String, Option<Edit>)> {
    let facts = &cx.analysis.files[values.file];
    let bindings = &facts.scopes.first()?.bindings;
    let paths = root_paths(cx, pair);
    for path in &paths {
        let (module, name) = path.rsplit_once('.')?;
        if let Some(import) = facts.from_imports.iter().find(|i| i.module == module) {
            if bindings.contains_key(name) {
                return None;
            }
            return Some((name.to_owned(), Some(joined(import, name)?)));
        }
    }
    let after = facts.last_import?;
    let (module, name) = paths.first()?.rsplit_once('.')?;
    if bindings.contains_key(name) {
        return None;
    }
    let edit = Edit {
        location: after.end_point(),
        content: format!("\nfrom {module} import {name}"),
    };
    Some((name.to_owned(), Some(edit)))
}

/// Every path of the agent's root its pack names, shortest first.
fn root_paths(cx: &Context<'_>, pair: &RolePair<'_>) -> Vec<String> {
    let Some(role) = cx
        .analysis
        .packs
        .packs
        .iter()
        .filter(|p| p.name == pair.driven.pack)
        .flat_map(|p| p.roles.iter())
        .find(|r| r.name == pair.driven.name)
    else {
        return Vec::new();
    };
    let mut paths: Vec<String> = std::iter::once(&role.root)
        .chain(&role.aliases)
        .cloned()
        .collect();
    paths.sort_by_key(|p| p.matches('.').count());
    paths
}

/// `name` added to `import`'s names: in its place when they are sorted (as
/// isort and ruff sort them: constants, classes, then the rest), else last;
/// on a line of its own, indented as they are, when they are one per line.
fn joined(import: &FromImport, name: &str) -> Option<Edit> {
    let key = |n: &str| {
        let kind = if n.len() > 1 && n.chars().all(|c| !c.is_lowercase()) {
            0
        } else if n.starts_with(char::is_uppercase) {
            1
        } else {
            2
        };
        (kind, n.to_owned())
    };
    let names = &import.names;
    let sorted = names.windows(2).all(|w| key(&w[0].0) <= key(&w[1].0));
    let indent = |at: &Location| " ".repeat(at.column.saturating_sub(1) as usize);
    let next = names.iter().find(|(n, _, _)| sorted && key(name) < key(n));
    Some(match next {
        Some((_, _, at)) => Edit {
            location: Location {
                end: at.start,
                end_line: at.line,
                end_column: at.column,
                ..*at
            },
            content: if import.multiline {
                format!("{name},\n{}", indent(at))
            } else {
                format!("{name}, ")
            },
        },
        None => {
            let (_, _, last) = names.last()?;
            Edit {
                location: last.end_point(),
                content: if import.multiline {
                    format!(",\n{}{name}", indent(last))
                } else {
                    format!(", {name}")
                },
            }
        }
    })
}

/// A name the module binds at its top level to the agent's root, or a
/// module it binds that holds the root (`sdk` for `sdk.AgentBase`).
fn bound_name(cx: &Context<'_>, values: &Values<'_>, pair: &RolePair<'_>) -> Option<String> {
    let module = cx.analysis.files[values.file].scopes.first()?;
    let root = &pair.driven.root;
    let resolves = |parts: Vec<String>| {
        let name = NameRef::scoped(0, parts.clone());
        (values.class_at_ref(&name).as_ref() == Some(root)).then(|| parts.join("."))
    };
    let names = || {
        module
            .bindings
            .iter()
            .filter(|(name, _)| name.as_str() != "*")
    };
    if let Some(found) = names().find_map(|(name, _)| resolves(vec![name.clone()])) {
        return Some(found);
    }
    let paths = root_paths(cx, pair);
    names().find_map(|(name, bound)| {
        let held = match bound.as_slice() {
            [Binding::Module(module)] => module.clone(),
            [Binding::From { module, name }] => format!("{module}.{name}"),
            _ => return None,
        };
        paths.iter().find_map(|path| {
            let rest = path.strip_prefix(held.as_str())?.strip_prefix('.')?;
            let parts = std::iter::once(name.clone())
                .chain(rest.split('.').map(str::to_owned))
                .collect();
            resolves(parts)
        })
    })
}

fn strength(kind: TestKind) -> u8 {
    match kind {
        TestKind::Identity => 0,
        TestKind::VarsContains => 1,
        TestKind::IsInstance | TestKind::IsSubclass => 2,
        TestKind::IsCoroutineFunction => 3,
        TestKind::HasAttr => 4,
        TestKind::GetAttr => 5,
    }
}

/// The tests as capabilities of the pair's entries: an `isinstance` test
/// against classes that all define the conversation's (or the agent's)
/// async entry natively counts as a test of that entry.
fn capability_tests(
    values: &Values<'_>,
    tests: &[CapabilityTest],
    pair: &RolePair<'_>,
) -> Vec<CapabilityTest> {
    tests
        .iter()
        .filter_map(|test| {
            if !test.kind.names_classes() {
                return Some(test.clone());
            }
            let all_native = |role| {
                !test.classes.is_empty()
                    && test.classes.iter().all(|class| {
                        values
                            .class_at(class)
                            .is_some_and(|key| values.verdict(&key, role) == Some(Verdict::Native))
                    })
            };
            let attr = if all_native(pair.driver) {
                &pair.driver.async_
            } else if all_native(pair.driven) {
                &pair.driven.async_
            } else {
                return None;
            };
            Some(CapabilityTest {
                attr: attr.clone(),
                ..test.clone()
            })
        })
        .collect()
}

/// Whether `subject` names a class that plays the pair's driver role: a
/// test of the class (made once, at import) decides for every driver the
/// guard chooses by it.
fn names_driver_class(values: &Values<'_>, subject: &[String], pair: &RolePair<'_>) -> bool {
    values
        .class_at(subject)
        .is_some_and(|key| values.verdict(&key, pair.driver).is_some())
}

/// Where the driven role's default runs its sync entry.
fn runs_where(pair: &RolePair<'_>) -> &'static str {
    match pair.driven.default {
        Some(DefaultKind::Raises) => "is never reached: the default raises",
        _ => "runs on a worker thread",
    }
}

/// Every guard whose branch holds `call`.
fn guards_of<'f>(function: &'f FunctionFact, call: &EntryCall) -> impl Iterator<Item = &'f Guard> {
    let index = function
        .entry_calls
        .iter()
        .position(|c| std::ptr::eq(c, call));
    function
        .guards
        .iter()
        .filter(move |g| index.is_some_and(|i| g.protected.contains(&i)))
}

/// A test of a class rather than of the value (`C.arun is not Base.arun`).
fn describe_class(test: &CapabilityTest, root: &str) -> String {
    let (class, attr) = (test.subject.join("."), &test.attr);
    match test.kind {
        TestKind::Identity => format!("`{class}.{attr} is not {root}.{attr}`"),
        _ => describe(test, &class, root),
    }
}

fn describe(test: &CapabilityTest, subject: &str, root: &str) -> String {
    let attr = &test.attr;
    match test.kind {
        TestKind::Identity => format!("`type({subject}).{attr} is not {root}.{attr}`"),
        TestKind::IsCoroutineFunction => format!("`iscoroutinefunction({subject}.{attr})`"),
        TestKind::HasAttr => format!("`hasattr({subject}, \"{attr}\")`"),
        TestKind::GetAttr => format!("`getattr({subject}, \"{attr}\", None)`"),
        TestKind::VarsContains => format!("`\"{attr}\" in vars(type({subject}))`"),
        TestKind::IsInstance => {
            let classes: Vec<String> = test.classes.iter().map(|c| c.join(".")).collect();
            format!("`isinstance({subject}, {})`", classes.join(" | "))
        }
        TestKind::IsSubclass => {
            let classes: Vec<String> = test.classes.iter().map(|c| c.join(".")).collect();
            format!("`issubclass(type({subject}), {})`", classes.join(" | "))
        }
    }
}
