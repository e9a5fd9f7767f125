//! The type index, method resolution order (C3), and each type's capability
//! for each role. Language-neutral: front ends and resolvers hand it nodes.

use std::collections::{BTreeMap, HashSet};
use std::sync::RwLock;

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use serde::Serialize;

use crate::model::{FileId, Language, Location};

/// A type, wherever it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeKey {
    /// Defined in analyzed source: file and class index.
    Source(FileId, usize),
    /// Known only from a rule pack, by canonical path.
    Known(String),
    /// Known to define no role entry (standard library, pack `opaque`).
    Opaque(String),
    /// Could not be resolved: the text as written, why, and what it may be
    /// (for a name bound differently on different paths).
    Unresolved {
        text: String,
        reason: String,
        candidates: Vec<TypeKey>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberNode {
    Defined(Option<Location>),
    /// The same object as attribute `attr` of another type.
    AliasOf(TypeKey, String, Location),
    Unknown(String),
}

#[derive(Clone, Debug, Default)]
pub struct TypeNode {
    pub bases: Vec<TypeKey>,
    pub members: BTreeMap<String, MemberNode>,
}

/// Every type's node, by key.
pub type Nodes = HashMap<TypeKey, TypeNode>;

/// A role as the hierarchy needs it.
#[derive(Clone, Debug)]
pub struct RoleSpec {
    /// The pack that declares the role, and the role's name in it.
    pub pack: String,
    pub name: String,
    pub language: Language,
    pub root: TypeKey,
    pub sync: String,
    pub async_: String,
    /// What the root's async default does, when the pack says.
    pub default: Option<crate::packs::DefaultKind>,
    /// The framework's own async path awaits this role's async entry.
    pub awaited_by_framework: bool,
    /// The roles (of the same pack) whose async entry this role's native
    /// async entry awaits, each on an attribute of `self`.
    pub drives: Vec<crate::packs::Drive>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Native,
    Inherited,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Native => "native",
            Verdict::Inherited => "inherited",
            Verdict::Unknown => "unknown",
        }
    }

    /// The runtime's capability, when the verdict decides one.
    pub fn capability(self) -> Option<dispatchlint_runtime::Capability> {
        match self {
            Verdict::Native => Some(dispatchlint_runtime::Capability::Native),
            Verdict::Inherited => Some(dispatchlint_runtime::Capability::Inherited),
            Verdict::Unknown => None,
        }
    }
}

/// The capability of one type for one role.
#[derive(Clone, Debug)]
pub struct Capability {
    pub verdict: Verdict,
    /// The type whose definition of the async entry applies.
    pub provider: Option<TypeKey>,
    pub provider_location: Option<Location>,
    pub reason: Option<String>,
    /// The provider's async entry is an override that a pack marks as only
    /// handing the sync entry on (`SimpleChatModel._agenerate`): `native` to
    /// Python's identity test, the root's default in behaviour.
    pub pseudo_native: bool,
}

impl Capability {
    fn unknown(reason: String) -> Self {
        Capability {
            verdict: Verdict::Unknown,
            provider: None,
            provider_location: None,
            reason: Some(reason),
            pseudo_native: false,
        }
    }
}

/// The longest MRO computed (and so the deepest recursion through bases).
pub const MAX_INHERITANCE_DEPTH: usize = 1000;

fn too_long() -> String {
    format!(
        "the method resolution order is deeper than {MAX_INHERITANCE_DEPTH} classes; not followed"
    )
}

/// How far alias chains (`astep = Other.astep`) are followed.
const MAX_ALIAS_DEPTH: usize = 32;

pub struct Hierarchy {
    nodes: Nodes,
    pub roles: Vec<RoleSpec>,
    mros: RwLock<HashMap<TypeKey, Result<Vec<TypeKey>, String>>>,
    /// Per role root, every type that reaches it.
    reaching: RwLock<HashMap<TypeKey, FxHashSet<TypeKey>>>,
    /// How analyzed types are named in reasons (`pkg.mod.Class`).
    names: HashMap<TypeKey, String>,
    /// (type, async entry) whose definition packs mark pseudo-native.
    pseudo_native: FxHashSet<(TypeKey, String)>,
}

impl Hierarchy {
    pub fn new(nodes: Nodes, roles: Vec<RoleSpec>) -> Self {
        Hierarchy {
            nodes,
            roles,
            mros: RwLock::default(),
            reaching: RwLock::default(),
            names: HashMap::default(),
            pseudo_native: FxHashSet::default(),
        }
    }

    /// Definitions that packs mark pseudo-native.
    pub fn with_pseudo_native(
        mut self,
        marks: impl IntoIterator<Item = (TypeKey, String)>,
    ) -> Self {
        self.pseudo_native = marks.into_iter().collect();
        self
    }

    /// Names for analyzed types, used in the reasons the hierarchy gives.
    pub fn with_names(mut self, names: HashMap<TypeKey, String>) -> Self {
        self.names = names;
        self
    }

    pub fn node(&self, key: &TypeKey) -> Option<&TypeNode> {
        self.nodes.get(key)
    }

    /// C3 linearization, as Python computes `__mro__`. Unresolved and opaque
    /// types are leaves. Fails, as Python would raise `TypeError`, on an
    /// inconsistent order, and on a class that is its own ancestor.
    pub fn mro(&self, key: &TypeKey) -> Result<Vec<TypeKey>, String> {
        self.mro_guarded(key, &mut Vec::new())
    }

    fn mro_guarded(&self, key: &TypeKey, stack: &mut Vec<TypeKey>) -> Result<Vec<TypeKey>, String> {
        if let Some(done) = read(&self.mros).get(key) {
            return done.clone();
        }
        if stack.contains(key) {
            return Err("the class is its own ancestor (an inheritance cycle)".into());
        }
        // The recursion follows the chain of bases; a generated chain of
        // 100,000 classes would overflow the stack (and its MROs would be
        // quadratic in size). Real hierarchies are a few dozen deep.
        // The path on the stack holds distinct classes that all end up in
        // this MRO, so stopping here gives the same answer as the length
        // check below, whatever order the classes are asked in.
        if stack.len() >= MAX_INHERITANCE_DEPTH {
            return Err(too_long());
        }
        let bases = self
            .nodes
            .get(key)
            .map(|n| n.bases.clone())
            .unwrap_or_default();
        stack.push(key.clone());
        let mut sequences = Vec::with_capacity(bases.len() + 1);
        let mut failure = None;
        for base in &bases {
            match self.mro_guarded(base, stack) {
                Ok(mro) => sequences.push(mro),
                Err(reason) => {
                    failure = Some(reason);
                    break;
                }
            }
        }
        stack.pop();
        let result = match failure {
            Some(reason) => Err(reason),
            None => {
                sequences.push(bases.clone());
                merge(sequences).and_then(|tail| {
                    let mut mro = vec![key.clone()];
                    mro.extend(tail);
                    if mro.len() > MAX_INHERITANCE_DEPTH {
                        return Err(too_long());
                    }
                    Ok(mro)
                })
            }
        };
        // A cycle seen from inside is not cached: the outer call decides.
        if stack.is_empty() || result.is_ok() {
            write(&self.mros).insert(key.clone(), result.clone());
        }
        result
    }

    /// Whether `key` reaches `target` through bases (and the candidates of
    /// an ambiguous base), even where C3 fails. The types that reach a root
    /// are found once, walking the bases backwards from it, rather than
    /// walking up from each of the many types asked about.
    fn reaches(&self, key: &TypeKey, target: &TypeKey) -> bool {
        self.find_reaching(target);
        let reaching = read(&self.reaching);
        let set = &reaching[target];
        set.contains(key)
            || matches!(key, TypeKey::Unresolved { candidates, .. }
                if candidates.iter().any(|c| set.contains(c)))
    }

    /// The analyzed types that reach the root of `role` (as `reaches` says
    /// for them), in no particular order.
    pub fn source_types_reaching(&self, role: &RoleSpec) -> Vec<(usize, usize)> {
        self.find_reaching(&role.root);
        read(&self.reaching)[&role.root]
            .iter()
            .filter_map(|key| match key {
                TypeKey::Source(file, class) => Some((*file, *class)),
                _ => None,
            })
            .collect()
    }

    /// Fills the memo for `target`, and on the way for every role's root:
    /// the map from a type to the types that derive from it is the same
    /// for all of them, and most runs ask about every root.
    fn find_reaching(&self, target: &TypeKey) {
        if read(&self.reaching).contains_key(target) {
            return;
        }
        let derived = self.derived();
        let mut reaching = write(&self.reaching);
        let roots = std::iter::once(target).chain(self.roles.iter().map(|r| &r.root));
        for root in roots {
            if !reaching.contains_key(root) {
                reaching.insert(root.clone(), reaching_set(&derived, root));
            }
        }
    }

    /// Each type, with the types that list it as a base (or hold it as a
    /// candidate of an unresolved base).
    fn derived(&self) -> HashMap<&TypeKey, Vec<&TypeKey>> {
        let mut derived: HashMap<&TypeKey, Vec<&TypeKey>> = HashMap::default();
        for (key, node) in &self.nodes {
            for base in &node.bases {
                derived.entry(base).or_default().push(key);
            }
            for holder in std::iter::once(key).chain(&node.bases) {
                if let TypeKey::Unresolved { candidates, .. } = holder {
                    for candidate in candidates {
                        derived.entry(candidate).or_default().push(holder);
                    }
                }
            }
        }
        derived
    }

    /// The capability of `key` for `role`, or `None` when it does not play the role.
    pub fn capability(&self, key: &TypeKey, role: &RoleSpec) -> Option<Capability> {
        if !self.reaches(key, &role.root) {
            return None;
        }
        let mro = match self.mro(key) {
            Ok(mro) => mro,
            Err(reason) => {
                return Some(Capability::unknown(format!(
                    "no method resolution order: {reason}; Python raises TypeError for this class"
                )))
            }
        };
        let capability = self.provider_in(&mro, &role.async_, role, 0);
        if capability.verdict == Verdict::Unknown {
            return Some(capability);
        }
        // An unresolved base after the definer is harmless only if C3 must
        // keep it after the definer; otherwise it may derive from a class
        // that defines the entry and be placed before the definer.
        let definer = mro
            .iter()
            .find(|k| {
                self.nodes
                    .get(k)
                    .is_some_and(|n| n.members.contains_key(&role.async_))
            })
            .cloned();
        if let Some(definer) = definer {
            for key in &mro {
                if let TypeKey::Unresolved { text, reason, .. } = key {
                    if !self.precedes(&definer, key, &mro) {
                        return Some(Capability::unknown(format!(
                            "base `{text}` cannot be resolved ({reason}); it may derive from a class that defines `{}` and then come before `{}` in the MRO",
                            role.async_,
                            self.short(&definer)
                        )));
                    }
                }
            }
        }
        Some(capability)
    }

    /// Whether C3 must put `first` before `second` in any linearization of a
    /// class whose MRO is `mro`: a class comes before its bases, and bases
    /// come in the order they are listed.
    fn precedes(&self, first: &TypeKey, second: &TypeKey, mro: &[TypeKey]) -> bool {
        let mut seen = HashSet::new();
        let mut work = vec![first.clone()];
        while let Some(current) = work.pop() {
            if &current == second {
                return true;
            }
            if !seen.insert(current.clone()) {
                continue;
            }
            if let Some(node) = self.nodes.get(&current) {
                work.extend(node.bases.iter().cloned());
            }
            for holder in mro {
                if let Some(node) = self.nodes.get(holder) {
                    if let Some(at) = node.bases.iter().position(|b| b == &current) {
                        work.extend(node.bases[at + 1..].iter().cloned());
                    }
                }
            }
        }
        false
    }

    fn short(&self, key: &TypeKey) -> String {
        match key {
            TypeKey::Known(p) | TypeKey::Opaque(p) => p.clone(),
            TypeKey::Unresolved { text, .. } => text.clone(),
            TypeKey::Source(file, class) => self
                .names
                .get(key)
                .cloned()
                .unwrap_or_else(|| format!("class {class} of file {file}")),
        }
    }

    /// Walks an MRO for the first type that provides `attr`.
    fn provider_in(
        &self,
        mro: &[TypeKey],
        attr: &str,
        role: &RoleSpec,
        depth: usize,
    ) -> Capability {
        for key in mro {
            if let TypeKey::Unresolved { text, reason, .. } = key {
                return Capability::unknown(format!(
                    "base `{text}` comes before any definition of `{attr}` in the MRO and cannot be resolved ({reason})"
                ));
            }
            let Some(member) = self.nodes.get(key).and_then(|n| n.members.get(attr)) else {
                continue;
            };
            return match member {
                MemberNode::Defined(location) => Capability {
                    verdict: if *key == role.root {
                        Verdict::Inherited
                    } else {
                        Verdict::Native
                    },
                    provider: Some(key.clone()),
                    provider_location: *location,
                    reason: None,
                    pseudo_native: *key != role.root
                        && self.pseudo_native.contains(&(key.clone(), attr.to_owned())),
                },
                MemberNode::Unknown(reason) => Capability::unknown(reason.clone()),
                MemberNode::AliasOf(target, target_attr, location) => {
                    if depth >= MAX_ALIAS_DEPTH {
                        return Capability::unknown(format!(
                            "`{attr}` is an alias chain deeper than {MAX_ALIAS_DEPTH}"
                        ));
                    }
                    match self.mro(target) {
                        Ok(target_mro) => {
                            let found = self.provider_in(&target_mro, target_attr, role, depth + 1);
                            // The class whose body binds the name provides it,
                            // unless the object bound is the root's own.
                            if found.verdict == Verdict::Native {
                                Capability {
                                    provider: Some(key.clone()),
                                    provider_location: Some(*location),
                                    ..found
                                }
                            } else {
                                found
                            }
                        }
                        Err(reason) => Capability::unknown(format!(
                            "`{attr}` is taken from a class without an MRO: {reason}"
                        )),
                    }
                }
            };
        }
        Capability::unknown(format!("no class in the MRO defines `{attr}`"))
    }
}

/// The C3 merge.
fn merge(mut sequences: Vec<Vec<TypeKey>>) -> Result<Vec<TypeKey>, String> {
    let mut result = Vec::new();
    loop {
        sequences.retain(|s| !s.is_empty());
        if sequences.is_empty() {
            return Ok(result);
        }
        let candidate = sequences
            .iter()
            .map(|s| &s[0])
            .find(|head| !sequences.iter().any(|s| s[1..].contains(head)))
            .cloned();
        let Some(next) = candidate else {
            return Err("the bases cannot be put in a consistent order (C3)".into());
        };
        for sequence in &mut sequences {
            if sequence[0] == next {
                sequence.remove(0);
            }
        }
        result.push(next);
    }
}

/// `target` and every type that derives from it, directly or not.
fn reaching_set(
    derived: &HashMap<&TypeKey, Vec<&TypeKey>>,
    target: &TypeKey,
) -> FxHashSet<TypeKey> {
    let mut seen: FxHashSet<&TypeKey> = FxHashSet::from_iter([target]);
    let mut work = vec![target];
    while let Some(current) = work.pop() {
        for &next in derived.get(current).into_iter().flatten() {
            if seen.insert(next) {
                work.push(next);
            }
        }
    }
    seen.into_iter().cloned().collect()
}

/// The memo behind a lock: checks read the hierarchy from several threads.
/// A panic elsewhere cannot leave a memo half-written (each write is one
/// insert), so a poisoned lock is still sound to read.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> TypeKey {
        TypeKey::Known(name.into())
    }

    fn node(bases: &[&str], defines: &[&str]) -> TypeNode {
        TypeNode {
            bases: bases.iter().map(|b| key(b)).collect(),
            members: defines
                .iter()
                .map(|d| (d.to_string(), MemberNode::Defined(None)))
                .collect(),
        }
    }

    fn role() -> RoleSpec {
        RoleSpec {
            pack: "test".into(),
            name: "agent".into(),
            language: Language::Python,
            root: key("Root"),
            sync: "step".into(),
            async_: "astep".into(),
            default: None,
            awaited_by_framework: false,
            drives: Vec::new(),
        }
    }

    fn hierarchy(nodes: &[(&str, TypeNode)]) -> Hierarchy {
        Hierarchy::new(
            nodes
                .iter()
                .map(|(n, node)| (key(n), node.clone()))
                .collect(),
            vec![role()],
        )
    }

    #[test]
    fn mixin_before_root_is_native_after_root_is_not() {
        let h = hierarchy(&[
            ("Root", node(&[], &["step", "astep"])),
            ("Mixin", node(&[], &["astep"])),
            ("Before", node(&["Mixin", "Root"], &[])),
            ("After", node(&["Root", "Mixin"], &[])),
        ]);
        let before = h.capability(&key("Before"), &role()).unwrap();
        assert_eq!(before.verdict, Verdict::Native);
        assert_eq!(before.provider, Some(key("Mixin")));
        assert_eq!(
            h.capability(&key("After"), &role()).unwrap().verdict,
            Verdict::Inherited
        );
    }

    #[test]
    fn diamond_follows_c3() {
        // D(B, C), B(A), C(A): MRO D, B, C, A, Root. C defines astep.
        let h = hierarchy(&[
            ("Root", node(&[], &["astep"])),
            ("A", node(&["Root"], &[])),
            ("B", node(&["A"], &[])),
            ("C", node(&["A"], &["astep"])),
            ("D", node(&["B", "C"], &[])),
        ]);
        let mro = h.mro(&key("D")).unwrap();
        assert_eq!(mro, ["D", "B", "C", "A", "Root"].map(key).to_vec());
        assert_eq!(
            h.capability(&key("D"), &role()).unwrap().provider,
            Some(key("C"))
        );
    }

    #[test]
    fn inconsistent_order_and_cycles_are_unknown() {
        let h = hierarchy(&[
            ("Root", node(&[], &["astep"])),
            ("A", node(&["Root"], &[])),
            ("Bad", node(&["Root", "A"], &[])),
            ("X", node(&["Y", "Root"], &[])),
            ("Y", node(&["X"], &[])),
        ]);
        let bad = h.capability(&key("Bad"), &role()).unwrap();
        assert_eq!(bad.verdict, Verdict::Unknown);
        assert!(bad.reason.unwrap().contains("consistent order"));
        let cyclic = h.capability(&key("X"), &role()).unwrap();
        assert!(cyclic.reason.unwrap().contains("own ancestor"));
    }

    #[test]
    fn unresolved_base_before_definer_is_unknown() {
        let unresolved = TypeKey::Unresolved {
            text: "ext.Mixin".into(),
            reason: "not analyzed".into(),
            candidates: Vec::new(),
        };
        let mut nodes = Nodes::default();
        nodes.insert(key("Root"), node(&[], &["astep"]));
        let mut first = node(&["Root"], &[]);
        first.bases.insert(0, unresolved.clone());
        nodes.insert(key("First"), first);
        let mut last = node(&["Root"], &[]);
        last.bases.push(unresolved);
        nodes.insert(key("Last"), last);
        let h = Hierarchy::new(nodes, vec![role()]);
        let first = h.capability(&key("First"), &role()).unwrap();
        assert_eq!(first.verdict, Verdict::Unknown);
        assert!(first.reason.unwrap().contains("ext.Mixin"));
        assert_eq!(
            h.capability(&key("Last"), &role()).unwrap().verdict,
            Verdict::Inherited
        );
    }

    #[test]
    fn alias_to_root_method_is_inherited() {
        let mut alias = node(&["Root"], &[]);
        alias.members.insert(
            "astep".into(),
            MemberNode::AliasOf(key("Root"), "astep".into(), Location::default()),
        );
        let h = hierarchy(&[("Root", node(&[], &["astep"])), ("Alias", alias)]);
        let capability = h.capability(&key("Alias"), &role()).unwrap();
        assert_eq!(capability.verdict, Verdict::Inherited);
        assert_eq!(capability.provider, Some(key("Root")));
    }
}
