//! Python classes as hierarchy nodes: bases and members resolved to types.

use std::collections::HashMap;

use crate::hierarchy::{MemberNode, TypeKey, TypeNode};
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
        },
        Resolved::NotAClass => TypeKey::Unresolved {
            text: text.to_owned(),
            reason: "it is not a class statement or import".into(),
        },
        Resolved::Unresolved(reason) => TypeKey::Unresolved {
            text: text.to_owned(),
            reason,
        },
    }
}

/// One node per analyzed Python class, plus one per pack-known type.
pub fn build(resolver: &Resolver<'_>, packs: &Packs, nodes: &mut HashMap<TypeKey, TypeNode>) {
    for (file_id, file) in resolver.files.iter().enumerate() {
        if file.language != Language::Python {
            continue;
        }
        for (class_id, class) in file.classes.iter().enumerate() {
            let bases = class
                .bases
                .iter()
                .map(|base| match base {
                    BaseRef::Name(name) => key_of(resolver.resolve(file_id, name), &name.text()),
                    BaseRef::Opaque(text) => TypeKey::Unresolved {
                        text: text.clone(),
                        reason: "the base is an expression, not a name".into(),
                    },
                })
                .collect();
            let members = class
                .members
                .iter()
                .map(|(name, member)| {
                    let node = match member {
                        Member::Defined { location } => MemberNode::Defined(Some(*location)),
                        Member::Unknown { reason, .. } => MemberNode::Unknown(reason.clone()),
                        Member::AliasOf {
                            class,
                            attr,
                            location,
                        } => match resolver.resolve(file_id, class) {
                            Resolved::Class(key) => MemberNode::AliasOf(
                                TypeKey::Source(key.file, key.class),
                                attr.clone(),
                                *location,
                            ),
                            Resolved::Known(path) => {
                                MemberNode::AliasOf(TypeKey::Known(path), attr.clone(), *location)
                            }
                            // A function from a module, or any other object:
                            // not the root's method, so a definition.
                            Resolved::Module(_) | Resolved::NotAClass | Resolved::Opaque(_) => {
                                MemberNode::Defined(Some(*location))
                            }
                            Resolved::Unresolved(reason) => MemberNode::Unknown(format!(
                                "`{name} = {}.{attr}` refers to something unresolved: {reason}",
                                class.text()
                            )),
                        },
                    };
                    (name.clone(), node)
                })
                .collect();
            nodes.insert(
                TypeKey::Source(file_id, class_id),
                TypeNode { bases, members },
            );
        }
        for (owner, attr, location) in &file.patches {
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
        let roots = pack.roles.iter().map(|role| {
            (
                role.root.clone(),
                Vec::new(),
                vec![role.sync.clone(), role.async_.clone()],
            )
        });
        let known = pack
            .types
            .iter()
            .map(|t| (t.qualname.clone(), t.bases.clone(), t.defines.clone()));
        for (qualname, bases, defines) in roots.chain(known) {
            let key = TypeKey::Known(qualname);
            let bases = bases
                .iter()
                .map(|base| key_of(resolver.resolve_path(base, &mut Default::default()), base))
                .collect();
            let members = defines
                .into_iter()
                .map(|d| (d, MemberNode::Defined(None)))
                .collect();
            nodes.entry(key).or_insert(TypeNode { bases, members });
        }
    }
}
