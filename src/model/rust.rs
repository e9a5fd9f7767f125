//! What the Rust front end keeps of one file: modules, `use` bindings,
//! items, trait definitions, impl blocks and capability guards. Paths are
//! kept as written; `crate::rust::link` resolves them once every file is parsed,
//! because a `use` or a re-export may point into any other file.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Location;

/// Index of a module in [`RustFacts::modules`]; module 0 is the file itself.
pub type ModuleIdx = usize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct RustFacts {
    pub modules: Vec<ModuleFacts>,
    pub traits: Vec<TraitFact>,
    pub impls: Vec<ImplFact>,
    /// Item-level macro invocations (`impl_agent!(Foo);`), whose output is invisible.
    pub macro_calls: Vec<MacroCall>,
    /// `macro_rules!` definitions, with the trait names their bodies implement.
    pub macro_rules: Vec<MacroRules>,
    /// Conditions that test some value's `as_async()`.
    pub guards: Vec<GuardFact>,
}

/// One module: the file's own, or an inline `mod name { ... }` inside it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ModuleFacts {
    pub parent: Option<ModuleIdx>,
    /// Path from the file's module: empty for the file, `["inner"]` for `mod inner {}`.
    pub rel: Vec<String>,
    /// Every name a `use` binds here; globs are kept apart.
    pub uses: BTreeMap<String, Vec<UseFact>>,
    pub globs: Vec<UseFact>,
    /// Names of the items defined here.
    pub items: BTreeMap<String, ItemFact>,
    /// `mod name;` declarations, whose body is another file.
    pub mod_decls: Vec<ModDecl>,
    /// `#[cfg(...)]` on an inline module (or on the function whose body this is).
    pub cfg: Option<String>,
    /// The body of a function (`rel` ends with its name): names it does not
    /// define are looked up in the enclosing module, and `self`/`super`
    /// mean what they mean there.
    pub block: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct UseFact {
    /// The path the name stands for (for a glob, the module whose names it brings).
    pub path: Vec<String>,
    pub public: bool,
}

#[derive(Clone, Debug, Serialize)]
pub enum ItemFact {
    /// A struct, enum or union: index into `FileFacts::classes`, its field
    /// count (a newtype has one), and the derive and attribute macros on it.
    Type {
        class: usize,
        fields: usize,
        derives: Vec<Vec<String>>,
        attr_macros: Vec<Vec<String>>,
    },
    /// Index into [`RustFacts::traits`].
    Trait(usize),
    /// An inline module.
    Module(ModuleIdx),
    /// Anything else we only need to know exists (fn, const, type alias).
    Other,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModDecl {
    pub name: String,
    /// `#[path = "..."]`, relative to the declaring file's directory.
    pub path_attr: Option<String>,
    /// The module the declaration is in (inline modules add a directory).
    pub module: ModuleIdx,
    pub cfg: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TraitFact {
    pub name: String,
    pub module: ModuleIdx,
    pub location: Location,
    /// Supertrait paths as written.
    pub supertraits: Vec<Vec<String>>,
    /// Each method, and whether it has a default body.
    pub methods: BTreeMap<String, TraitMethod>,
    /// Filled in by `link`: the canonical path and supertraits.
    pub canonical: String,
    pub supertraits_canonical: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TraitMethod {
    pub has_default: bool,
    pub location: Location,
    /// The default body is a bare `true` / `false`.
    pub literal_bool: Option<bool>,
    /// `#[cfg(...)]` on the method, as written; undecided once linked.
    pub cfg: Option<String>,
    /// The same method declared again under another `#[cfg]` (a default
    /// under a feature, a required method without it). Linking keeps the
    /// one the features select, or all of them while undecided.
    pub variants: Vec<TraitMethod>,
}

impl TraitMethod {
    /// The undecided cfgs of this declaration and its variants.
    pub fn cfgs(&self) -> Vec<&str> {
        std::iter::once(self)
            .chain(&self.variants)
            .filter_map(|m| m.cfg.as_deref())
            .collect()
    }
}

/// What an impl is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SelfTy {
    /// A named type: `Foo`, `crate::a::Foo`, `Foo<T>` (arguments dropped).
    Path(Vec<String>),
    /// A generic parameter of the impl: a blanket impl `impl<T: B> Trait for T`.
    Param(String),
    /// A smart pointer or reference around a generic parameter: `Box<T>`, `&T`.
    Wrapper { kind: String, param: String },
    /// Anything else (tuples, `dyn Trait`, arrays), as text.
    Other(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct ImplFact {
    pub module: ModuleIdx,
    /// `None` for an inherent impl.
    pub trait_path: Option<Vec<String>>,
    pub self_ty: SelfTy,
    /// Each generic parameter's trait bounds (from `<T: B>` and `where`).
    pub bounds: BTreeMap<String, Vec<Vec<String>>>,
    pub methods: BTreeMap<String, MethodFact>,
    /// `const NATIVE_ASYNC: bool = true;` and the like: name and value.
    pub bool_consts: BTreeMap<String, (bool, Location)>,
    /// `#[cfg(...)]` on the impl, as written.
    pub cfg: Option<String>,
    /// Attribute macros on the impl, as written (`async_trait`, `dispatchlint_runtime::agent`).
    pub attr_macros: Vec<Vec<String>>,
    /// Macro invocations among the impl's items (`my_methods!();`).
    pub inner_macros: Vec<String>,
    /// Why each of those that is a `macro_rules!` macro the crate defines
    /// could not be expanded.
    pub inner_unexpanded: BTreeMap<String, String>,
    pub location: Location,
    /// Filled in by `link`.
    pub resolved: ImplResolved,
}

/// An impl's paths after resolution across files.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImplResolved {
    /// The trait's canonical path (a pack's name for it when it has one).
    pub trait_: Option<String>,
    /// The class standing for the self type: file and class index.
    pub self_class: Option<(usize, usize)>,
    /// Canonical bounds of each generic parameter.
    pub bounds: BTreeMap<String, Vec<String>>,
    /// Canonical paths of the attribute macros (`dispatchlint_runtime::agent`).
    pub attr_macros: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MethodFact {
    pub location: Location,
    pub cfg: Option<String>,
    pub is_async: bool,
    pub body: BodyFact,
}

/// What a method body does, as far as the checks need.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BodyFact {
    /// The body is `None` alone.
    pub returns_none: bool,
    /// The body builds `Some(...)`.
    pub builds_some: bool,
    /// The body is a bare `true` / `false`.
    pub literal_bool: Option<bool>,
    /// It calls the method of the same name on something other than `self`
    /// itself (`self.0.step(..)`, `(**self).step(..)`, `T::step(self, ..)`).
    pub forwards: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct MacroCall {
    pub module: ModuleIdx,
    pub name: Vec<String>,
    /// Identifiers and paths among its arguments, which may name the types it implements for.
    pub idents: Vec<String>,
    pub location: Location,
    /// Why a `macro_rules!` macro of this file could not be expanded.
    pub unexpanded: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MacroRules {
    pub name: String,
    /// The last segment of every path that follows `impl` in its body (`Agent`).
    pub implements: Vec<String>,
    /// Its rules as text, for expanding it where another file invokes it.
    pub body: String,
    pub location: Location,
}

/// `if conv.as_async().is_some() { ... conv.arun() ... }` and its relatives
/// (any condition that calls a method without arguments).
#[derive(Clone, Debug, Serialize)]
pub struct GuardFact {
    /// The condition (or the scrutinee of `if let` / `match`).
    pub location: Location,
    /// The receivers whose `as_async()` the condition tests, as text
    /// (`conv`, `self.conversation`, `conv.agent()`).
    pub subjects: Vec<String>,
    /// A helper variable the test went through (`let native = ...; if native`).
    pub via: Option<String>,
    /// Every argument-less method call the condition makes, as (method,
    /// receiver): `conv.has_async_path()` is `("has_async_path", "conv")`.
    /// A pack says which of them test a capability.
    pub tests: Vec<(String, String)>,
    /// Async entry calls in the guarded branch: method name and location.
    pub calls: Vec<(String, Location)>,
    /// Where another test can join the condition with `&&`: the calls of
    /// `tests` that stand in an operand of the condition's top-level `&&`
    /// chain (or of the helper variable's), neither negated nor under `||`.
    pub conjuncts: Vec<ConjunctFact>,
    /// The module of the function the guard is in.
    pub module: ModuleIdx,
    /// The traits that bound each parameter of that function, as written
    /// (`conv: &dyn Conversation`, `conv: impl Conversation`, `C: Conversation`).
    pub param_traits: BTreeMap<String, Vec<Vec<String>>>,
    /// Filled in by `link`: the same traits, canonical.
    pub param_traits_resolved: BTreeMap<String, Vec<String>>,
}

/// One operand of a condition's `&&` chain that holds an argument-less
/// call: `conv.as_async().is_some()` for the call of `as_async` on `conv`.
/// Its text is `before` + `receiver_text` + `after`, as written.
#[derive(Clone, Debug, Serialize)]
pub struct ConjunctFact {
    pub method: String,
    /// The receiver as [`GuardFact::tests`] names it.
    pub receiver: String,
    /// The operand.
    pub location: Location,
    pub before: String,
    pub receiver_text: String,
    pub after: String,
}

/// The crate a `::`-separated path starts in.
pub fn crate_of(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// A file's Rust facts, when it is a Rust file.
pub fn rust_facts(file: &crate::model::FileFacts) -> Option<&RustFacts> {
    file.rust.as_deref()
}
