//! What an override stands in front of: the class whose definition of a
//! member would apply without it, and whether an analyzed definition only
//! raises. DL006 asks what removing a raising override would bring back;
//! DL009 asks whether a wrapper reaches its wrapped object's async entry.

use crate::hierarchy::{MemberNode, RoleSpec, TypeKey};
use crate::model::{FileId, FunctionFact, Language, Member};
use crate::packs::DefaultKind;

use super::Semantic as Context;

/// The first class of `key`'s MRO, from position `from` on (0: `key`
/// itself; 1: what `super()` reaches), that defines `member`. `None` when
/// that cannot be known: an unresolved base on the way, a member decided at
/// runtime or aliased, or no class that defines it at all.
pub fn provider_from(
    cx: &Context<'_>,
    key: &TypeKey,
    member: &str,
    from: usize,
) -> Option<TypeKey> {
    let mro = cx.hierarchy.mro(key).ok()?;
    for entry in mro.iter().skip(from) {
        if matches!(entry, TypeKey::Unresolved { .. }) {
            return None;
        }
        match own(cx, entry, member) {
            Own::Absent => continue,
            Own::Defined => return Some(entry.clone()),
            Own::Undecided => return None,
        }
    }
    None
}

enum Own {
    Absent,
    Defined,
    Undecided,
}

/// Whether one class's own namespace holds `member`. Hierarchy nodes keep
/// only the members a verdict reads (async entries, with the runtime
/// patches of them); a sync entry is read from the class's facts.
fn own(cx: &Context<'_>, key: &TypeKey, member: &str) -> Own {
    let node = cx.hierarchy.node(key).and_then(|n| n.members.get(member));
    match node {
        Some(MemberNode::Defined(_)) => return Own::Defined,
        Some(_) => return Own::Undecided,
        None => {}
    }
    let TypeKey::Source(file, class) = key else {
        return Own::Absent;
    };
    match cx.analysis.files[*file].classes[*class].members.get(member) {
        None => Own::Absent,
        Some(Member::Defined { .. }) => Own::Defined,
        Some(_) => Own::Undecided,
    }
}

/// The analyzed function that is `key`'s own definition of `member`.
pub fn definition<'a>(
    cx: &'a Context<'_>,
    key: &TypeKey,
    member: &str,
) -> Option<(FileId, &'a FunctionFact)> {
    let TypeKey::Source(file, class) = key else {
        return None;
    };
    let facts = &cx.analysis.files[*file];
    if facts.language != Language::Python {
        return None;
    }
    facts
        .functions
        .iter()
        .find(|f| f.class == Some(*class) && f.name == member)
        .map(|f| (*file, f))
}

/// Whether `key`'s own definition of `member` is known to do nothing but
/// raise `NotImplementedError`. A definition that is not analyzed (a
/// pack's type, a function the front end did not follow) is taken to work.
pub fn only_raises(cx: &Context<'_>, key: &TypeKey, member: &str) -> bool {
    definition(cx, key, member).is_some_and(|(_, f)| f.raises.is_some())
}

/// Whether a call of `method` on a value of `key` runs `role`'s sync path:
/// the role's sync entry, the sync entry of any role (`invoke`, `chat`,
/// `step`), or a method whose async twin (`run` and `arun`, `_call` and
/// `_acall`) the value's classes define, which makes it the sync side of a
/// pair the wrapper could have forwarded too.
pub fn sync_side(cx: &Context<'_>, key: &TypeKey, role: &RoleSpec, method: &str) -> bool {
    if method == role.sync
        || cx
            .hierarchy
            .roles
            .iter()
            .any(|r| r.language == role.language && r.sync == method)
    {
        return true;
    }
    let twin = match method.strip_prefix('_') {
        Some(rest) => format!("_a{rest}"),
        None => format!("a{method}"),
    };
    provider_from(cx, key, &twin, 0).is_some()
}

/// What runs when a class's own override of `role`'s async entry goes.
pub enum Hidden {
    /// The root's default, which the pack says runs the sync entry.
    Default(DefaultKind),
    /// A class further up the MRO that implements the async entry.
    Implementation(TypeKey),
}

/// What `key`'s own override of the async entry hides, when that works:
/// the root's default when it hands the sync entry to a thread or calls it
/// inline, or a definition further up that is not a stub itself. A default
/// that raises, or one the pack does not describe, hides nothing that works.
pub fn hidden_working(cx: &Context<'_>, key: &TypeKey, role: &RoleSpec) -> Option<Hidden> {
    let next = provider_from(cx, key, &role.async_, 1)?;
    if next == role.root {
        return match role.default? {
            kind @ (DefaultKind::Executor | DefaultKind::Inline) => Some(Hidden::Default(kind)),
            DefaultKind::Raises => None,
        };
    }
    (!only_raises(cx, &next, &role.async_)).then_some(Hidden::Implementation(next))
}

/// Whether `key` has a sync entry its inherited async entry could run:
/// defined below the root (the root's is abstract, or a stub itself) and
/// not one that only raises too. A class whose sync and async entries both
/// raise fails on either path.
pub fn sync_entry_works(cx: &Context<'_>, key: &TypeKey, role: &RoleSpec) -> bool {
    provider_from(cx, key, &role.sync, 0)
        .is_some_and(|p| p != role.root && !only_raises(cx, &p, &role.sync))
}
