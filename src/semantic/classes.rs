//! Python classes as hierarchy nodes: bases and members resolved to types.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::hierarchy::{MemberNode, Nodes, TypeKey, TypeNode};
use crate::model::{BaseRef, Language, Member};
use crate::packs::Packs;

use super::resolve::{Resolved, Resolver};

pub fn key_of(resolved: Resolved, text: &str) -> TypeKey {
    match resolved {
        Resolved::Class(key) => TypeKey::Source(key.file, key.class),
        Resolved::Known(path) => TypeKey::Known(path),
        Resolved::Opaque(path) => TypeKey::Opaque(path),
        Resolved::Module(module) => TypeKey::Unresolved {
            text: text.to_owned(),
            reason: format!("`{module}` is a module, not a class"),
            candidates: Vec::new(),
        },
        Resolved::NotAClass => TypeKey::Unresolved {
            text: text.to_owned(),
            reason: "it is not a class statement or import".into(),
            candidates: Vec::new(),
        },
        Resolved::Unresolved(reason) => TypeKey::Unresolved {
            text: text.to_owned(),
            reason,
            candidates: Vec::new(),
        },
    }
}

/// A base's type; an ambiguous name keeps what it may be, so that the class
/// is still known to play the role (with an unknown verdict).
fn base_key(
    resolver: &Resolver<'_>,
    file: usize,
    name: &crate::model::NameRef,
    resolved: Resolved,
    frozen: Option<&[crate::model::Binding]>,
) -> TypeKey {
    let text = name.text();
    match resolved {
        Resolved::Unresolved(reason) => TypeKey::Unresolved {
            candidates: resolver
                .alternatives(file, name, frozen)
                .into_iter()
                .map(|r| key_of(r, &text))
                .filter(|k| !matches!(k, TypeKey::Unresolved { .. }))
                .collect(),
            text,
            reason,
        },
        other => key_of(other, &text),
    }
}

/// The member names a verdict can read: each role's async entry, and
/// whatever an alias of one of those names, transitively. A class's other
/// members (most of them) never decide anything, so its node leaves them out.
fn decisive_members(resolver: &Resolver<'_>, packs: &Packs) -> HashSet<String> {
    let mut names: HashSet<String> = packs
        .roles(Language::Python)
        .map(|role| role.async_.clone())
        .collect();
    let aliases: Vec<(&str, &str)> = resolver
        .files
        .iter()
        .filter(|file| file.language == Language::Python)
        .flat_map(|file| &file.classes)
        .flat_map(|class| &class.members)
        .filter_map(|(name, member)| match member {
            Member::AliasOf(alias) => Some((name.as_str(), alias.attr.as_str())),
            _ => None,
        })
        .collect();
    loop {
        let before = names.len();
        for (name, attr) in &aliases {
            if names.contains(*name) && !names.contains(*attr) {
                names.insert((*attr).to_owned());
            }
        }
        if names.len() == before {
            return names;
        }
    }
}

/// One node per analyzed Python class, plus one per pack-known type.
pub fn build(resolver: &Resolver<'_>, packs: &Packs, nodes: &mut Nodes) {
    let decisive = decisive_members(resolver, packs);
    // Resolving bases is independent per file: done on the parsing pool.
    let per_file: Vec<Vec<(TypeKey, TypeNode)>> = resolver
        .files
        .par_iter()
        .enumerate()
        .map(|(file_id, file)| class_nodes(resolver, &decisive, file_id, file))
        .collect();
    nodes.reserve(per_file.iter().map(Vec::len).sum());
    for file_nodes in per_file {
        nodes.extend(file_nodes);
    }
    for (file_id, file) in resolver.files.iter().enumerate() {
        if file.language != Language::Python {
            continue;
        }
        for (owner, attr, location) in &file.patches {
            if !decisive.contains(attr) {
                continue;
            }
            if let Resolved::Class(key) = resolver.resolve(file_id, owner) {
                let reason = format!(
                    "`{attr}` is replaced at runtime at {}:{} (setattr or attribute assignment)",
                    file.path.display(),
                    location.line
                );
                if let Some(node) = nodes.get_mut(&TypeKey::Source(key.file, key.class)) {
                    node.members
                        .insert(attr.clone(), MemberNode::Unknown(reason));
                }
            }
        }
    }
    for pack in packs
        .packs
        .iter()
        .filter(|p| p.language == Language::Python)
    {
        // Known types first: a root that is also a known type (LangChain's
        // `LLM` under `BaseLLM`) takes its bases from there; a root of several
        // roles gets every role's entries.
        let known = pack
            .types
            .iter()
            .map(|t| (t.qualname.clone(), t.bases.clone(), t.defines.clone()));
        let roots = pack.roles.iter().map(|role| {
            (
                role.root.clone(),
                Vec::new(),
                vec![role.sync.clone(), role.async_.clone()],
            )
        });
        for (qualname, bases, defines) in known.chain(roots) {
            let node = nodes.entry(TypeKey::Known(qualname)).or_default();
            if node.bases.is_empty() {
                node.bases = bases
                    .iter()
                    .map(|base| key_of(resolver.resolve_path(base, &mut Default::default()), base))
                    .collect();
            }
            for entry in defines {
                node.members
                    .entry(entry)
                    .or_insert(MemberNode::Defined(None));
            }
        }
    }
}

/// The (type, async entry) pairs that packs mark pseudo-native, for the
/// analyzed class when the framework's source is analyzed, else for the
/// pack's known type.
pub fn pseudo_native(resolver: &Resolver<'_>, packs: &Packs) -> Vec<(TypeKey, String)> {
    packs
        .packs
        .iter()
        .filter(|p| p.language == Language::Python)
        .flat_map(|p| &p.types)
        .flat_map(|known| {
            let key = key_of(
                resolver.resolve_path(&known.qualname, &mut Default::default()),
                &known.qualname,
            );
            known
                .pseudo_native
                .iter()
                .map(move |entry| (key.clone(), entry.clone()))
        })
        .collect()
}

/// The nodes of one file's classes.
fn class_nodes(
    resolver: &Resolver<'_>,
    decisive: &HashSet<String>,
    file_id: usize,
    file: &crate::model::FileFacts,
) -> Vec<(TypeKey, TypeNode)> {
    if file.language != Language::Python {
        return Vec::new();
    }
    file.classes
        .iter()
        .enumerate()
        .map(|(class_id, class)| {
            let bases = class
                .bases
                .iter()
                .map(|base| match base {
                    BaseRef::Name(name) => base_key(
                        resolver,
                        file_id,
                        name,
                        resolver.resolve(file_id, name),
                        None,
                    ),
                    BaseRef::Frozen { name, bindings } => base_key(
                        resolver,
                        file_id,
                        name,
                        resolver.resolve_frozen(file_id, name, bindings),
                        Some(bindings),
                    ),
                    BaseRef::Opaque(text) => TypeKey::Unresolved {
                        text: text.clone(),
                        reason: "the base is an expression, not a name".into(),
                        candidates: Vec::new(),
                    },
                })
                .collect();
            let members = class
                .members
                .iter()
                .filter(|(name, _)| decisive.contains(name.as_str()))
                .map(|(name, member)| {
                    let node = match member {
                        Member::Defined { location } => MemberNode::Defined(Some(*location)),
                        Member::Unknown(unknown) => MemberNode::Unknown(unknown.reason.clone()),
                        Member::AliasOf(alias) => match resolver.resolve(file_id, &alias.class) {
                            Resolved::Class(key) => MemberNode::AliasOf(
                                TypeKey::Source(key.file, key.class),
                                alias.attr.clone(),
                                alias.location,
                            ),
                            Resolved::Known(path) => MemberNode::AliasOf(
                                TypeKey::Known(path),
                                alias.attr.clone(),
                                alias.location,
                            ),
                            // A function from a module, or any other object:
                            // not the root's method, so a definition.
                            Resolved::Module(_) | Resolved::NotAClass | Resolved::Opaque(_) => {
                                MemberNode::Defined(Some(alias.location))
                            }
                            Resolved::Unresolved(reason) => MemberNode::Unknown(format!(
                                "`{name} = {}.{}` refers to something unresolved: {reason}",
                                alias.class.text(),
                                alias.attr
                            )),
                        },
                    };
                    (name.clone(), node)
                })
                .collect();
            (
                TypeKey::Source(file_id, class_id),
                TypeNode { bases, members },
            )
        })
        .collect()
}
