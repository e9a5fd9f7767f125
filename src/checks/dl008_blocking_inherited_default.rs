//! DL008 blocking-inherited-default: a class that defines a role's sync
//! entry, which blocks, and inherits the root's async entry, whose default
//! calls the sync entry inline, where the framework's own async path awaits
//! that async entry: the framework blocks its event loop on the class.

use crate::hierarchy::{TypeKey, Verdict};
use crate::model::Language;
use crate::packs::DefaultKind;

use super::{Context, Finding, Label, Rule, Severity};
use crate::semantic::blocking::Blocking;
use crate::semantic::values::{python_files, root_name};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL008",
    name: "blocking-inherited-default",
    summary: "a class inherits an inline async default that the framework awaits while its sync entry blocks",
    // The loop blocks only when the async path is taken (the framework's
    // async agents and engines take it; sync users never do), and the
    // class may be meant for sync use only.
    severity: Severity::Warning,
    docs: include_str!("../../rules/docs/DL008.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let blocking = Blocking::new(cx);
    let hierarchy = &cx.hierarchy;
    let roles: Vec<_> = hierarchy
        .roles
        .iter()
        .filter(|role| {
            role.language == Language::Python
                && role.awaited_by_framework
                && role.default == Some(DefaultKind::Inline)
        })
        .collect();
    let mut findings = Vec::new();
    if roles.is_empty() {
        return findings;
    }
    for (file_id, file) in python_files(cx) {
        for (class_id, class) in file.classes.iter().enumerate() {
            let key = TypeKey::Source(file_id, class_id);
            for role in &roles {
                // Only a class that defines the sync entry itself is asked
                // about: the cheap test first, the hierarchy's after.
                if key == role.root || !class.members.contains_key(&role.sync) {
                    continue;
                }
                let inherited = hierarchy
                    .capability(&key, role)
                    .is_some_and(|c| c.verdict == Verdict::Inherited && !c.pseudo_native);
                // Reported where the sync entry is defined: its subclasses
                // that inherit both are the same problem.
                if !inherited || blocking.provider(&key, &role.sync).as_ref() != Some(&key) {
                    continue;
                }
                let Some((_, body)) = blocking.method(&key, &role.sync) else {
                    continue;
                };
                let Some(blocked) = blocking
                    .blocking_calls(file_id, body, &|_| false)
                    .into_iter()
                    .next()
                else {
                    continue;
                };
                let (sync, async_) = (&role.sync, &role.async_);
                let root = root_name(cx, role);
                let mut labels = vec![Label {
                    location: body.location,
                    message: format!("`{sync}` is defined here"),
                }];
                let last = blocked.last();
                if last.file == file_id {
                    labels.push(Label {
                        location: last.location,
                        message: format!("{} blocks here", blocked.cause),
                    });
                }
                findings.push(Finding {
                    fix: None,
                    code: RULE.code,
                    file: file_id,
                    location: class.location,
                    message: format!(
                        "`{}` inherits `{root}.{async_}`, which calls the sync `{sync}()` inline, and `{sync}` calls {}{}: when the framework awaits `{async_}`, the event loop blocks for as long as that call takes",
                        class.name,
                        blocked.cause,
                        blocked.through(),
                    ),
                    help: format!(
                        "override `async def {async_}` with async I/O (an async client, or `await` the async entry of the object `{sync}` calls), or at least run `self.{sync}` in a thread with `asyncio.to_thread`"
                    ),
                    labels,
                });
            }
        }
    }
    findings
}
