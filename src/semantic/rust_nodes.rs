//! Which Rust types play which role, and how: the impls of the role's trait
//! (and its supertraits) that apply to each type, directly or through a
//! blanket impl, the runtime's `AsyncAgent` impls reached through
//! `as_async`, and the macros whose output we cannot see. The result becomes
//! hierarchy nodes: one per type, with the role's trait as its base and the
//! async entry as a member when an impl decides it, so that verdicts come
//! out of the same `Hierarchy::capability` as Python's.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::hierarchy::{MemberNode, Nodes, RoleSpec, TypeKey, TypeNode};
use crate::model::{FileFacts, FileId, Language};
use crate::packs::{Packs, Role};

use crate::model::rust::{crate_of, rust_facts};
use crate::model::rust::{ImplFact, ItemFact, MethodFact, SelfTy, TraitFact};

/// A class: file and index in its `classes`.
pub type ClassRef = (FileId, usize);

/// A Rust role and the traits whose impls count for it.
pub struct RustRole<'a> {
    pub role: &'a Role,
    /// The root and its supertraits declared in analyzed code.
    pub closure: BTreeSet<String>,
    /// Supertraits declared outside the analyzed code that no pack describes.
    pub foreign_supertraits: Vec<String>,
}

#[derive(Clone, Copy)]
pub struct ImplRef<'a> {
    pub file: FileId,
    pub fact: &'a ImplFact,
}

/// One type in one role.
pub struct Play<'a> {
    pub class: ClassRef,
    pub role: usize,
    /// Impls of the root (or a supertrait in the closure) that apply.
    pub root_impls: Vec<ImplRef<'a>>,
    /// Impls of the role's async trait (`AsyncAgent`).
    pub async_impls: Vec<ImplRef<'a>>,
    /// How the async entry is provided; `None` when the root's default applies.
    pub member: Option<MemberNode>,
}

pub struct Model<'a> {
    pub roles: Vec<RustRole<'a>>,
    pub plays: Vec<Play<'a>>,
    /// Impls of a role's root for `Box<T>`, `&T`, a newtype, a decorator
    /// that forwards a method: role index and impl.
    pub forwarding: Vec<(usize, ImplRef<'a>, Option<ClassRef>)>,
    pub traits: HashMap<String, (FileId, &'a TraitFact)>,
    /// Fields of each analyzed type (a newtype has one).
    pub fields: HashMap<ClassRef, usize>,
}

impl<'a> Model<'a> {
    pub fn new(files: &'a [FileFacts], packs: &'a Packs) -> Self {
        let mut traits: HashMap<String, (FileId, &'a TraitFact)> = HashMap::new();
        let mut impls: Vec<ImplRef<'a>> = Vec::new();
        let mut derives: HashMap<ClassRef, Vec<String>> = HashMap::new();
        let mut fields: HashMap<ClassRef, usize> = HashMap::new();
        let mut macro_rules: HashMap<&str, &[String]> = HashMap::new();
        for (file, facts) in files.iter().enumerate() {
            let Some(rust) = rust_facts(facts) else {
                continue;
            };
            for t in &rust.traits {
                traits.entry(t.canonical.clone()).or_insert((file, t));
            }
            impls.extend(rust.impls.iter().map(|fact| ImplRef { file, fact }));
            for module in &rust.modules {
                for item in module.items.values() {
                    if let ItemFact::Type {
                        class,
                        fields: count,
                        derives: d,
                        ..
                    } = item
                    {
                        fields.insert((file, *class), *count);
                        derives.insert(
                            (file, *class),
                            d.iter().filter_map(|p| p.last().cloned()).collect(),
                        );
                    }
                }
            }
            for m in &rust.macro_rules {
                macro_rules.entry(m.name.as_str()).or_insert(&m.implements);
            }
        }
        let roles: Vec<RustRole<'a>> = packs
            .roles(Language::Rust)
            .map(|role| closure(role, &traits, packs))
            .collect();

        // The traits each class implements, directly or through blanket impls.
        let mut direct: BTreeMap<ClassRef, Vec<ImplRef<'a>>> = BTreeMap::new();
        let mut blankets: Vec<(ImplRef<'a>, Vec<String>)> = Vec::new();
        let mut forwarding_candidates: Vec<ImplRef<'a>> = Vec::new();
        for imp in &impls {
            let Some(trait_) = &imp.fact.resolved.trait_ else {
                continue;
            };
            match (&imp.fact.self_ty, imp.fact.resolved.self_class) {
                (SelfTy::Param(param), _) => {
                    // Only bounds we can check count: analyzed traits and
                    // pack roles. `T: Send` alone would make it cover every type.
                    let bounds: Vec<String> = imp
                        .fact
                        .resolved
                        .bounds
                        .get(param)
                        .into_iter()
                        .flatten()
                        .filter(|b| traits.contains_key(*b) || packs.canonical(b).is_some())
                        .filter(|b| *b != trait_)
                        .cloned()
                        .collect();
                    if !bounds.is_empty() {
                        blankets.push((*imp, bounds));
                    }
                }
                (SelfTy::Wrapper { .. }, _) => forwarding_candidates.push(*imp),
                (_, Some(class)) => {
                    direct.entry(class).or_default().push(*imp);
                    // A newtype, or a decorator: a type whose impl hands a
                    // method on to another value of the role.
                    let decorates = imp.fact.methods.values().any(|m| m.body.forwards);
                    if fields.get(&class) == Some(&1) || decorates {
                        forwarding_candidates.push(*imp);
                    }
                }
                _ => {}
            }
        }
        let mut applied: BTreeMap<ClassRef, Vec<ImplRef<'a>>> = direct.clone();
        // A blanket impl can satisfy another's bound; a few rounds reach the fixpoint.
        for _ in 0..8 {
            let mut changed = false;
            for (class, list) in applied.iter_mut() {
                for (blanket, bounds) in &blankets {
                    let has = |t: &String| {
                        list.iter()
                            .any(|i| i.fact.resolved.trait_.as_ref() == Some(t))
                    };
                    let already = list.iter().any(|i| std::ptr::eq(i.fact, blanket.fact));
                    if !already && bounds.iter().all(has) {
                        list.push(*blanket);
                        changed = true;
                    }
                }
                let _ = class;
            }
            if !changed {
                break;
            }
        }

        // Types named by invocations of `macro_rules!` macros that implement a role.
        let mut generated: HashMap<(ClassRef, usize), String> = HashMap::new();
        let index_lookup = TypeNames::new(files);
        let refs = CrateRefs::new(files);
        for (file, facts) in files.iter().enumerate() {
            let Some(rust) = rust_facts(facts) else {
                continue;
            };
            for call in &rust.macro_calls {
                let Some(name) = call.name.last() else {
                    continue;
                };
                let Some(implements) = macro_rules.get(name.as_str()) else {
                    continue;
                };
                for (r, role) in roles.iter().enumerate() {
                    if !role_named(role, implements) || !refs.mentions(file, &role.role.root) {
                        continue;
                    }
                    // Any type it names may be one it implements for
                    // (`impl_agents!(Foo, Bar)`).
                    let why = call
                        .unexpanded
                        .as_deref()
                        .unwrap_or("it is defined outside the crate");
                    for class in call
                        .idents
                        .iter()
                        .filter_map(|i| index_lookup.class(file, i))
                    {
                        generated.entry((class, r)).or_insert_with(|| {
                            format!(
                                "`{name}!` (a `macro_rules!` macro) may generate the impl at line {}; it was not expanded: {why}",
                                call.location.line
                            )
                        });
                    }
                }
            }
        }
        for (class, names) in &derives {
            for (r, role) in roles.iter().enumerate() {
                if !refs.mentions(class.0, &role.role.root) {
                    continue;
                }
                if let Some(derive) = names
                    .iter()
                    .find(|d| role_named(role, std::slice::from_ref(d)))
                {
                    generated.entry((*class, r)).or_insert_with(|| {
                        format!("`#[derive({derive})]` generates the impl; a derive macro's output is not analyzed")
                    });
                }
            }
        }

        // Every role's own macros are understood, even on the wrong impl.
        let known_macros: Vec<String> = roles
            .iter()
            .flat_map(|r| r.role.macros.iter().cloned())
            .collect();
        let mut plays = Vec::new();
        let mut classes: BTreeSet<ClassRef> = applied.keys().copied().collect();
        classes.extend(generated.keys().map(|(c, _)| *c));
        for class in classes {
            let list = applied.get(&class).map(Vec::as_slice).unwrap_or(&[]);
            for (r, role) in roles.iter().enumerate() {
                let root_impls: Vec<ImplRef<'a>> = list
                    .iter()
                    .filter(|i| {
                        i.fact
                            .resolved
                            .trait_
                            .as_ref()
                            .is_some_and(|t| role.closure.contains(t))
                    })
                    .copied()
                    .collect();
                let async_impls: Vec<ImplRef<'a>> = list
                    .iter()
                    .filter(|i| {
                        i.fact.resolved.trait_.is_some()
                            && i.fact.resolved.trait_ == role.role.async_trait
                    })
                    .copied()
                    .collect();
                let macro_reason = generated.get(&(class, r));
                if root_impls.is_empty() && macro_reason.is_none() {
                    continue;
                }
                let mut member = async_member(role.role, &root_impls, &async_impls, &known_macros);
                if let Some(reason) = macro_reason {
                    if !matches!(member, Some(MemberNode::Defined(_))) {
                        member = Some(MemberNode::Unknown(reason.clone()));
                    }
                }
                plays.push(Play {
                    class,
                    role: r,
                    root_impls,
                    async_impls,
                    member,
                });
            }
        }
        let forwarding = forwarding_candidates
            .into_iter()
            .flat_map(|imp| {
                let roles = &roles;
                roles.iter().enumerate().filter_map(move |(r, role)| {
                    let t = imp.fact.resolved.trait_.as_ref()?;
                    role.closure
                        .contains(t)
                        .then_some((r, imp, imp.fact.resolved.self_class))
                })
            })
            .collect();
        Model {
            roles,
            plays,
            forwarding,
            traits,
            fields,
        }
    }

    /// Hierarchy nodes and role specs for every Rust role.
    pub fn build(&self, nodes: &mut Nodes) -> Vec<RoleSpec> {
        let mut specs = Vec::new();
        for role in &self.roles {
            let root = TypeKey::Known(role.role.root.clone());
            let mut members = BTreeMap::new();
            members.insert(role.role.sync.clone(), MemberNode::Defined(None));
            if let Some(default) = self.root_default(role) {
                members.insert(role.role.async_.clone(), default);
            }
            nodes.insert(
                root.clone(),
                TypeNode {
                    bases: Vec::new(),
                    members,
                },
            );
            specs.push(RoleSpec {
                // The Rust checks pair Rust roles themselves (by `agent-attr`).
                pack: String::new(),
                name: role.role.name.clone(),
                language: Language::Rust,
                root,
                sync: role.role.sync.clone(),
                async_: role.role.async_.clone(),
                default: role.role.default,
                awaited_by_framework: role.role.awaited_by_framework,
                drives: role.role.drives.clone(),
            });
        }
        for play in &self.plays {
            let role = &self.roles[play.role];
            let node = nodes
                .entry(TypeKey::Source(play.class.0, play.class.1))
                .or_default();
            node.bases.push(TypeKey::Known(role.role.root.clone()));
            if let Some(member) = &play.member {
                node.members
                    .insert(role.role.async_.clone(), member.clone());
            }
        }
        specs
    }

    /// What the root itself provides for the async entry.
    fn root_default(&self, role: &RustRole<'_>) -> Option<MemberNode> {
        // The runtime's `Agent` has no `astep`: its default is `as_async`
        // returning `None`, which is the sync-only path.
        if role.role.async_trait.is_some() {
            return Some(MemberNode::Defined(None));
        }
        if !self.traits.contains_key(&role.role.root) {
            // Only the pack knows the trait: it says the default delegates.
            return Some(MemberNode::Defined(None));
        }
        for t in &role.closure {
            if let Some((_, fact)) = self.traits.get(t) {
                if let Some(method) = fact.methods.get(&role.role.async_) {
                    let cfgs = method.cfgs();
                    if !cfgs.is_empty() {
                        let gates: Vec<String> =
                            cfgs.iter().map(|c| format!("`#[cfg({c})]`")).collect();
                        let verb = if gates.len() == 1 {
                            "decides"
                        } else {
                            "decide"
                        };
                        return Some(MemberNode::Unknown(format!(
                            "{} {verb} whether `{t}::{}` exists with a default",
                            gates.join(" and "),
                            role.role.async_
                        )));
                    }
                    return method
                        .has_default
                        .then_some(MemberNode::Defined(Some(method.location)));
                }
            }
        }
        if let Some(foreign) = role.foreign_supertraits.first() {
            return Some(MemberNode::Unknown(format!(
                "`{}` is not declared by `{}` itself; it may come from the supertrait `{foreign}`, which is outside the analyzed code and no pack describes",
                role.role.async_, role.role.root
            )));
        }
        Some(MemberNode::Defined(None))
    }
}

/// The root and every supertrait reached through analyzed trait definitions.
fn closure<'a>(
    role: &'a Role,
    traits: &HashMap<String, (FileId, &TraitFact)>,
    packs: &Packs,
) -> RustRole<'a> {
    let mut seen = BTreeSet::new();
    let mut foreign = Vec::new();
    let mut work = vec![role.root.clone()];
    while let Some(t) = work.pop() {
        if seen.contains(&t) {
            continue;
        }
        // Only analyzed traits (and the root) join the closure: an impl of
        // `Debug` must not make a type play a role whose trait needs `Debug`.
        match traits.get(&t) {
            Some((_, fact)) => {
                seen.insert(t.clone());
                work.extend(fact.supertraits_canonical.iter().cloned())
            }
            None if t == role.root => {
                seen.insert(t);
            }
            None if packs.canonical(&t).is_none()
                && !is_std_marker(&t)
                && !foreign.contains(&t) =>
            {
                foreign.push(t)
            }
            None => {}
        }
    }
    RustRole {
        role,
        closure: seen,
        foreign_supertraits: foreign,
    }
}

/// Supertraits that cannot declare an async entry.
fn is_std_marker(path: &str) -> bool {
    let last = path.rsplit("::").next().unwrap_or(path);
    matches!(
        last,
        "Send" | "Sync" | "Sized" | "Unpin" | "Clone" | "Debug" | "Display" | "Default" | "Any"
    )
}

/// Whether a list of trait names (from a derive or a macro body) names the
/// role's root or async trait.
fn role_named(role: &RustRole<'_>, names: &[String]) -> bool {
    let last = |p: &str| p.rsplit("::").next().unwrap_or(p).to_owned();
    // A supertrait's impl can carry the async entry as well as the root's.
    let mut wanted: Vec<String> = role.closure.iter().map(|t| last(t)).collect();
    wanted.push(last(&role.role.root));
    if let Some(a) = &role.role.async_trait {
        wanted.push(last(a));
    }
    names.iter().any(|n| wanted.contains(n))
}

fn gated(method: &MethodFact, imp: &ImplFact) -> Option<String> {
    match (&imp.cfg, &method.cfg) {
        (Some(a), Some(b)) => Some(format!("all({a}, {b})")),
        (Some(a), None) | (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    }
}

/// How the role's async entry is provided by these impls.
fn async_member(
    role: &Role,
    root_impls: &[ImplRef<'_>],
    async_impls: &[ImplRef<'_>],
    known_macros: &[String],
) -> Option<MemberNode> {
    let by_macro = |imp: &ImplFact| {
        imp.resolved
            .attr_macros
            .iter()
            .any(|m| role.macros.contains(m))
    };
    for imp in root_impls {
        let Some(method) = imp.fact.methods.get(&role.async_) else {
            continue;
        };
        // In a runtime-style role the async entry is only in the root's impl
        // when a macro moves it to the async trait.
        if role.async_trait.is_some() && !by_macro(imp.fact) {
            continue;
        }
        if let Some(cfg) = gated(method, imp.fact) {
            return Some(MemberNode::Unknown(format!(
                "`#[cfg({cfg})]` decides whether `{}` is defined",
                role.async_
            )));
        }
        return Some(MemberNode::Defined(Some(method.location)));
    }
    if let Some(accessor) = &role.accessor {
        for imp in root_impls {
            let Some(method) = imp.fact.methods.get(accessor) else {
                continue;
            };
            if let Some(cfg) = gated(method, imp.fact) {
                return Some(MemberNode::Unknown(format!(
                    "`#[cfg({cfg})]` decides whether `{accessor}` is overridden"
                )));
            }
            if method.body.returns_none {
                return None;
            }
            if method.body.builds_some {
                let provided = async_impls
                    .iter()
                    .find_map(|i| i.fact.methods.get(&role.async_))
                    .map_or(method.location, |m| m.location);
                return Some(MemberNode::Defined(Some(provided)));
            }
            return Some(MemberNode::Unknown(format!(
                "`{accessor}` neither returns `None` nor builds `Some(..)`; what it returns is decided at run time"
            )));
        }
    }
    for imp in root_impls {
        if let Some(m) = imp.fact.inner_macros.first() {
            let why = match imp.fact.inner_unexpanded.get(m) {
                Some(why) => format!("it could not be expanded: {why}"),
                None => "its expansion is not analyzed".to_owned(),
            };
            return Some(MemberNode::Unknown(format!(
                "the macro `{m}!` inside the impl may define `{}`; {why}",
                role.async_
            )));
        }
        let opaque = imp
            .fact
            .resolved
            .attr_macros
            .iter()
            .find(|m| !known_macros.contains(m) && !m.ends_with("async_trait"));
        if let Some(m) = opaque {
            return Some(MemberNode::Unknown(format!(
                "the attribute macro `#[{m}]` on the impl may generate `{}`; its output is not analyzed",
                role.async_
            )));
        }
    }
    None
}

/// Types by name in each file's top module, for macro arguments.
struct TypeNames<'a> {
    files: &'a [FileFacts],
}

impl<'a> TypeNames<'a> {
    fn new(files: &'a [FileFacts]) -> Self {
        TypeNames { files }
    }

    /// A type named `ident` defined in any module of `file`.
    fn class(&self, file: FileId, ident: &str) -> Option<ClassRef> {
        let rust = rust_facts(&self.files[file])?;
        rust.modules.iter().find_map(|m| match m.items.get(ident) {
            Some(ItemFact::Type { class, .. }) => Some((file, *class)),
            _ => None,
        })
    }
}

/// The crates each file refers to: its own, and the first segment of every
/// `use` and resolved trait path. A macro whose name matches a role's trait
/// only counts in a file that can see that trait's crate.
struct CrateRefs {
    per_file: HashMap<FileId, BTreeSet<String>>,
}

impl CrateRefs {
    fn new(files: &[FileFacts]) -> Self {
        let mut per_file = HashMap::new();
        for (file, facts) in files.iter().enumerate() {
            let Some(rust) = rust_facts(facts) else {
                continue;
            };
            let mut crates = BTreeSet::new();
            crates.insert(crate_of(&facts.module).to_owned());
            for module in &rust.modules {
                for used in module.uses.values().flatten().chain(&module.globs) {
                    crates.extend(used.path.first().cloned());
                }
            }
            for imp in &rust.impls {
                if let Some(t) = &imp.resolved.trait_ {
                    crates.insert(crate_of(t).to_owned());
                }
            }
            per_file.insert(file, crates);
        }
        CrateRefs { per_file }
    }

    fn mentions(&self, file: FileId, path: &str) -> bool {
        self.per_file
            .get(&file)
            .is_some_and(|c| c.contains(crate_of(path)))
    }
}
