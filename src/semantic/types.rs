//! The hierarchy of every analyzed type, Python classes and Rust types
//! alike, and each one's verdict in every role of its language.

use crate::hierarchy::{Hierarchy, Nodes, RoleSpec, TypeKey};
use crate::model::{FileFacts, Language};
use crate::packs::Packs;

use super::resolve::{Resolved, Resolver};
use super::rust_nodes::Model;
use super::TypeVerdict;

pub fn hierarchy(
    resolver: &Resolver<'_>,
    rust: &Model<'_>,
    files: &[FileFacts],
    packs: &Packs,
) -> Hierarchy {
    let mut nodes = Nodes::default();
    super::classes::build(resolver, packs, &mut nodes);
    let rust_roles = rust.build(&mut nodes);
    let mut roles: Vec<RoleSpec> = packs
        .roles_by_pack()
        .filter(|(pack, _)| pack.language == Language::Python)
        .map(|(pack, role)| RoleSpec {
            pack: pack.name.clone(),
            name: role.name.clone(),
            language: pack.language,
            root: match resolver.resolve_path(&role.root, &mut Default::default()) {
                Resolved::Class(key) => TypeKey::Source(key.file, key.class),
                _ => TypeKey::Known(role.root.clone()),
            },
            sync: role.sync.clone(),
            async_: role.async_.clone(),
            default: role.default,
            awaited_by_framework: role.awaited_by_framework,
            drives: role.drives.clone(),
        })
        .collect();
    roles.extend(rust_roles);
    // Reasons name only a class that defines a role's async entry (the
    // definer an unresolved base may come before), so only those get names.
    let entries: rustc_hash::FxHashSet<&str> = roles.iter().map(|r| r.async_.as_str()).collect();
    let names = nodes
        .iter()
        .filter(|(_, node)| node.members.keys().any(|m| entries.contains(m.as_str())))
        .filter_map(|(key, _)| match key {
            TypeKey::Source(file, class) => {
                let (file, class) = (&files[*file], &files[*file].classes[*class]);
                let name = match file.language {
                    Language::Python => format!("{}.{}", file.module, class.qualname),
                    Language::Rust => class.qualname.clone(),
                };
                Some((key.clone(), name))
            }
            _ => None,
        })
        .collect();
    let pseudo_native = super::classes::pseudo_native(resolver, packs);
    Hierarchy::new(nodes, roles)
        .with_names(names)
        .with_pseudo_native(pseudo_native)
}

pub fn verdicts(files: &[FileFacts], hierarchy: &Hierarchy) -> Vec<TypeVerdict> {
    // Most classes play no role: ask only the types that reach a role's
    // root, in the order of files, classes and roles.
    let mut playing: Vec<(usize, usize, usize)> = Vec::new();
    for (at, role) in hierarchy.roles.iter().enumerate() {
        playing.extend(
            hierarchy
                .source_types_reaching(role)
                .into_iter()
                .filter(|&(file, _)| !files[file].library && files[file].language == role.language)
                .map(|(file, class)| (file, class, at)),
        );
    }
    playing.sort_unstable();
    playing
        .into_iter()
        .filter_map(|(file, class, at)| {
            let role = &hierarchy.roles[at];
            let capability = hierarchy.capability(&TypeKey::Source(file, class), role)?;
            Some(TypeVerdict {
                file,
                class,
                pack: role.pack.clone(),
                role: role.name.clone(),
                capability,
            })
        })
        .collect()
}
