//! From a `syn` tree to [`RustFacts`]: one pass over the items of a file,
//! descending into inline modules, and one visitor over function bodies for
//! capability guards. Nothing is resolved here; paths stay as written.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::model::{ClassFact, FileFacts, Location};

use super::items::*;

/// Attributes the compiler or common tools own; anything else on an impl is
/// an attribute macro whose output we cannot see.
const INERT_ATTRS: &[&str] = &[
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "doc",
    "cfg",
    "cfg_attr",
    "must_use",
    "inline",
    "automatically_derived",
    "deprecated",
    "track_caller",
    "cold",
    "rustfmt",
    "clippy",
    "diagnostic",
    "non_exhaustive",
    "repr",
    "derive",
    "path",
    "macro_use",
    "macro_export",
    "test",
    "ignore",
    "should_panic",
    "no_mangle",
    "export_name",
    "link_section",
];

/// Location of a span in the file it was parsed from.
pub fn location(span: Span) -> Location {
    let start = span.start();
    let end = span.end();
    let bytes = span.byte_range();
    Location {
        start: bytes.start as u32,
        end: bytes.end as u32,
        line: start.line as u32,
        column: start.column as u32 + 1,
        end_line: end.line as u32,
        end_column: end.column as u32 + 1,
    }
}

pub struct Extractor<'f> {
    facts: &'f mut FileFacts,
    /// The text the tree was parsed from, which spans index.
    text: &'f str,
    rust: RustFacts,
    /// This file's `macro_rules!` macros by name: their rules, or why they
    /// cannot be read; and whether another file defines it (its output is
    /// then placed at the invocation).
    macros: std::collections::HashMap<String, (Result<Vec<super::macros::Rule>, String>, bool)>,
    /// Expansions in progress (a macro's output may invoke macros).
    expanding: usize,
    /// Tokens all expansions in this file wrote so far.
    expanded_tokens: usize,
}

/// How many tokens a file's expansions may write in all.
const MACRO_TOKENS: usize = 200_000;

/// What an impl block holds, as far as the checks need.
#[derive(Default)]
struct ImplMembers {
    methods: BTreeMap<String, MethodFact>,
    bool_consts: BTreeMap<String, (bool, Location)>,
    inner_macros: Vec<String>,
    inner_unexpanded: BTreeMap<String, String>,
}

/// How deep expansions nest before we stop (rustc's default limit is 128).
const MACRO_DEPTH: usize = 32;

impl<'f> Extractor<'f> {
    pub fn new(facts: &'f mut FileFacts, text: &'f str) -> Self {
        Extractor {
            facts,
            text,
            rust: RustFacts {
                modules: vec![ModuleFacts::default()],
                ..Default::default()
            },
            macros: Default::default(),
            expanding: 0,
            expanded_tokens: 0,
        }
    }

    /// Macros defined in other files of the crate (`#[macro_use] mod macros;`):
    /// name and rules as text. The file's own macros of the same name win.
    pub fn with_macros(mut self, macros: &[(String, String)]) -> Self {
        for (name, body) in macros {
            let rules = body
                .parse::<TokenStream>()
                .map_err(|e| e.to_string())
                .and_then(super::macros::rules);
            self.macros.insert(name.clone(), (rules, true));
        }
        self
    }

    pub fn run(mut self, file: &syn::File) -> RustFacts {
        // Macros are found first, wherever they are in the file: an
        // invocation before the definition is an error rustc reports, not a
        // reason for us to see nothing.
        let mut finder = MacroDefs::default();
        finder.visit_file(file);
        for (name, body) in finder.found {
            self.macros
                .insert(name, (super::macros::rules(body), false));
        }
        self.items(0, &file.items);
        self.rust
    }

    /// Items inside a function body (`#[test] fn t() { struct S; impl R for S {} }`)
    /// live in a module of their own named after the function.
    fn body_items(
        &mut self,
        module: ModuleIdx,
        name: &str,
        attrs: &[syn::Attribute],
        block: &syn::Block,
    ) {
        let mut found = BodyItems::default();
        found.visit_block(block);
        if found.items.is_empty() {
            return;
        }
        let mut rel = self.rust.modules[module].rel.clone();
        rel.push(name.to_owned());
        self.rust.modules.push(ModuleFacts {
            parent: Some(module),
            rel,
            cfg: cfg_of(attrs),
            block: true,
            ..Default::default()
        });
        let child = self.rust.modules.len() - 1;
        for item in found.items {
            self.item(child, &item);
        }
    }

    /// An item-level invocation of a macro: expanded when this file defines
    /// it with `macro_rules!`, recorded with what we know otherwise.
    fn macro_call(&mut self, module: ModuleIdx, m: &syn::ItemMacro, span: Span) {
        let unexpanded = match self.expand(&m.mac) {
            None => None,
            Some(Err(reason)) => Some(reason),
            Some(Ok(out)) => match syn::parse2::<syn::File>(out) {
                Ok(file) => {
                    self.expanding += 1;
                    self.items(module, &file.items);
                    self.expanding -= 1;
                    return;
                }
                Err(e) => Some(format!("its expansion does not parse as items ({e})")),
            },
        };
        let mut idents = Vec::new();
        collect_idents(m.mac.tokens.clone(), &mut idents);
        if unexpanded.is_some() {
            self.unexpanded_writes(module, &m.mac, span, &mut idents);
        }
        self.rust.macro_calls.push(MacroCall {
            module,
            name: path_segments(&m.mac.path),
            idents,
            location: location(span),
            unexpanded,
        });
    }

    /// What a `macro_rules!` macro that could not be expanded writes without
    /// its variables: the types it implements for join the invocation's
    /// names, and the types it defines are defined here, at the invocation,
    /// so that their verdicts can say why they are unknown.
    fn unexpanded_writes(
        &mut self,
        module: ModuleIdx,
        mac: &syn::Macro,
        span: Span,
        idents: &mut Vec<String>,
    ) {
        let name = path_segments(&mac.path);
        let Some(one) = name.last() else {
            return;
        };
        let Some((Ok(rules), _)) = self.macros.get(one) else {
            return;
        };
        let (defined, implemented) = super::macros::written_names(rules);
        for written in defined {
            if !self.rust.modules[module].items.contains_key(&written) {
                self.type_item(module, written.clone(), &[], 0, span);
            }
            if !idents.contains(&written) {
                idents.push(written);
            }
        }
        for written in implemented {
            if !idents.contains(&written) {
                idents.push(written);
            }
        }
    }

    /// The expansion of an invocation of a `macro_rules!` macro this file
    /// knows (its own, or another file's of the crate); `None` for any other
    /// macro.
    fn expand(&mut self, mac: &syn::Macro) -> Option<Result<TokenStream, String>> {
        let name = path_segments(&mac.path);
        let (rules, foreign) = match name.as_slice() {
            [one] => self.macros.get(one).cloned(),
            [at, one] if matches!(at.as_str(), "crate" | "$crate" | "self") => {
                self.macros.get(one).cloned()
            }
            _ => None,
        }?;
        let rules = match rules {
            Ok(rules) => rules,
            Err(reason) => return Some(Err(reason)),
        };
        // Another file's macro writes its items here, at the invocation.
        let rules = match foreign {
            true => super::macros::respan(&rules, mac.path.span()),
            false => rules,
        };
        if self.expanding >= MACRO_DEPTH {
            return Some(Err(format!("expansions nest deeper than {MACRO_DEPTH}")));
        }
        if self.expanded_tokens > MACRO_TOKENS {
            return Some(Err(format!(
                "this file's expansions already wrote more than {MACRO_TOKENS} tokens"
            )));
        }
        Some(
            super::macros::expand(&rules, mac.tokens.clone()).and_then(|out| {
                // A hostile macro may double its output at every level, or nest
                // it deeper than syn's recursion can take.
                let (count, depth) = super::macros::size(&out);
                self.expanded_tokens += count;
                if self.expanded_tokens > MACRO_TOKENS {
                    return Err(format!(
                        "this file's expansions write more than {MACRO_TOKENS} tokens"
                    ));
                }
                if depth > super::MAX_NESTING {
                    return Err(format!(
                        "its expansion nests deeper than {}",
                        super::MAX_NESTING
                    ));
                }
                Ok(out)
            }),
        )
    }

    fn items(&mut self, module: ModuleIdx, items: &[syn::Item]) {
        for item in items {
            self.item(module, item);
        }
    }

    fn define(&mut self, module: ModuleIdx, name: String, item: ItemFact) {
        self.rust.modules[module].items.insert(name, item);
    }

    fn item(&mut self, module: ModuleIdx, item: &syn::Item) {
        match item {
            syn::Item::Struct(s) => {
                let fields = s.fields.len();
                self.type_item(module, s.ident.to_string(), &s.attrs, fields, item.span());
            }
            syn::Item::Enum(e) => {
                self.type_item(module, e.ident.to_string(), &e.attrs, 0, item.span())
            }
            syn::Item::Union(u) => {
                self.type_item(module, u.ident.to_string(), &u.attrs, 0, item.span())
            }
            syn::Item::Trait(t) => self.trait_item(module, t),
            syn::Item::Impl(i) => self.impl_item(module, i),
            syn::Item::Use(u) => {
                let public = !matches!(u.vis, syn::Visibility::Inherited);
                let mut prefix = Vec::new();
                if u.leading_colon.is_some() {
                    prefix.push(String::new());
                }
                self.use_tree(module, &u.tree, &mut prefix, public);
            }
            syn::Item::Mod(m) => {
                let name = m.ident.to_string();
                match &m.content {
                    Some((_, inner)) => {
                        let mut rel = self.rust.modules[module].rel.clone();
                        rel.push(name.clone());
                        self.rust.modules.push(ModuleFacts {
                            parent: Some(module),
                            rel,
                            cfg: cfg_of(&m.attrs),
                            ..Default::default()
                        });
                        let child = self.rust.modules.len() - 1;
                        self.define(module, name.clone(), ItemFact::Module(child));
                        // An inline module with `#[path]` changes where its
                        // own `mod x;` declarations look; keep it on the decl.
                        self.rust.modules[module].mod_decls.push(ModDecl {
                            name,
                            path_attr: path_attr(&m.attrs),
                            module,
                            cfg: cfg_of(&m.attrs),
                        });
                        self.items(child, inner);
                    }
                    None => {
                        self.rust.modules[module].mod_decls.push(ModDecl {
                            name,
                            path_attr: path_attr(&m.attrs),
                            module,
                            cfg: cfg_of(&m.attrs),
                        });
                    }
                }
            }
            syn::Item::Macro(m) => {
                let name = path_segments(&m.mac.path);
                if name.last().map(String::as_str) == Some("macro_rules") {
                    if let Some(ident) = &m.ident {
                        self.rust.macro_rules.push(MacroRules {
                            name: ident.to_string(),
                            implements: implemented_names(m.mac.tokens.clone()),
                            body: m.mac.tokens.to_string(),
                            location: location(item.span()),
                        });
                    }
                } else {
                    self.macro_call(module, m, item.span());
                }
            }
            syn::Item::Fn(f) => {
                self.define(module, f.sig.ident.to_string(), ItemFact::Other);
                self.guards(module, &f.sig, &f.block);
                self.body_items(module, &f.sig.ident.to_string(), &f.attrs, &f.block);
            }
            syn::Item::Const(c) => self.define(module, c.ident.to_string(), ItemFact::Other),
            syn::Item::Static(s) => self.define(module, s.ident.to_string(), ItemFact::Other),
            syn::Item::Type(t) => self.define(module, t.ident.to_string(), ItemFact::Other),
            _ => {}
        }
    }

    fn type_item(
        &mut self,
        module: ModuleIdx,
        name: String,
        attrs: &[syn::Attribute],
        fields: usize,
        span: Span,
    ) {
        let mut qualname = self.rust.modules[module].rel.clone();
        qualname.push(name.clone());
        let class = self.facts.classes.len();
        self.facts.classes.push(ClassFact {
            name: name.clone(),
            // Made absolute by `link` once the file's module is known.
            qualname: qualname.join("::"),
            location: location(span),
            scope: 0,
            body_scope: 0,
            bases: Vec::new(),
            members: Default::default(),
            annotations: Default::default(),
            receiver_assignments: Default::default(),
            annotated_at: Default::default(),
        });
        let mut derives = Vec::new();
        for attr in attrs {
            if attr.path().is_ident("derive") {
                let _ = attr.parse_nested_meta(|meta| {
                    derives.push(path_segments(&meta.path));
                    Ok(())
                });
            }
        }
        self.define(
            module,
            name,
            ItemFact::Type {
                class,
                fields,
                derives,
                attr_macros: attr_macros(attrs),
            },
        );
    }

    fn trait_item(&mut self, module: ModuleIdx, t: &syn::ItemTrait) {
        let mut methods = BTreeMap::new();
        for item in &t.items {
            if let syn::TraitItem::Fn(f) = item {
                let name = f.sig.ident.to_string();
                let method = TraitMethod {
                    has_default: f.default.is_some(),
                    location: location(f.sig.ident.span()),
                    literal_bool: f
                        .default
                        .as_ref()
                        .and_then(|body| body_fact(&name, body).literal_bool),
                    cfg: cfg_of(&f.attrs),
                    variants: Vec::new(),
                };
                match methods.entry(name.clone()) {
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(method);
                    }
                    std::collections::btree_map::Entry::Occupied(mut first) => {
                        first.get_mut().variants.push(method)
                    }
                }
                if let Some(body) = &f.default {
                    self.guards(module, &f.sig, body);
                    self.body_items(module, &f.sig.ident.to_string(), &f.attrs, body);
                }
            }
        }
        let supertraits = t
            .supertraits
            .iter()
            .filter_map(|b| match b {
                syn::TypeParamBound::Trait(t) => Some(path_segments(&t.path)),
                _ => None,
            })
            .collect();
        self.rust.traits.push(TraitFact {
            name: t.ident.to_string(),
            module,
            location: location(t.span()),
            supertraits,
            methods,
            canonical: String::new(),
            supertraits_canonical: Vec::new(),
        });
        let index = self.rust.traits.len() - 1;
        self.define(module, t.ident.to_string(), ItemFact::Trait(index));
    }

    fn impl_item(&mut self, module: ModuleIdx, i: &syn::ItemImpl) {
        let params: Vec<String> = i
            .generics
            .type_params()
            .map(|p| p.ident.to_string())
            .collect();
        let mut bounds: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        for p in i.generics.type_params() {
            bounds
                .entry(p.ident.to_string())
                .or_default()
                .extend(trait_bounds(&p.bounds));
        }
        if let Some(where_clause) = &i.generics.where_clause {
            for predicate in &where_clause.predicates {
                if let syn::WherePredicate::Type(t) = predicate {
                    if let syn::Type::Path(p) = &t.bounded_ty {
                        if let Some(ident) = p.path.get_ident() {
                            bounds
                                .entry(ident.to_string())
                                .or_default()
                                .extend(trait_bounds(&t.bounds));
                        }
                    }
                }
            }
        }
        let mut members = ImplMembers::default();
        self.impl_members(module, &i.items, &mut members);
        let ImplMembers {
            methods,
            bool_consts,
            inner_macros,
            inner_unexpanded,
        } = members;
        self.rust.impls.push(ImplFact {
            module,
            trait_path: i.trait_.as_ref().map(|(_, path, _)| path_segments(path)),
            self_ty: self_ty(&i.self_ty, &params),
            bounds,
            methods,
            bool_consts,
            cfg: cfg_of(&i.attrs),
            attr_macros: attr_macros(&i.attrs),
            inner_macros,
            inner_unexpanded,
            location: location(i.span()),
            resolved: ImplResolved::default(),
        });
    }

    /// An impl's methods, `bool` consts and macros; a `macro_rules!` macro
    /// the file knows is expanded in place (`astep_methods!();`).
    fn impl_members(&mut self, module: ModuleIdx, items: &[syn::ImplItem], out: &mut ImplMembers) {
        for item in items {
            match item {
                syn::ImplItem::Fn(f) => {
                    let name = f.sig.ident.to_string();
                    let body = body_fact(&name, &f.block);
                    out.methods.insert(
                        name,
                        MethodFact {
                            location: location(f.sig.ident.span()),
                            cfg: cfg_of(&f.attrs),
                            is_async: f.sig.asyncness.is_some(),
                            body,
                        },
                    );
                    self.guards(module, &f.sig, &f.block);
                    self.body_items(module, &f.sig.ident.to_string(), &f.attrs, &f.block);
                }
                syn::ImplItem::Const(c) => {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Bool(b),
                        ..
                    }) = &c.expr
                    {
                        out.bool_consts
                            .insert(c.ident.to_string(), (b.value, location(c.span())));
                    }
                }
                syn::ImplItem::Macro(m) => {
                    let parsed = self.expand(&m.mac).map(|out| {
                        out.and_then(|tokens| {
                            (|input: syn::parse::ParseStream<'_>| {
                                let mut items = Vec::new();
                                while !input.is_empty() {
                                    items.push(input.parse::<syn::ImplItem>()?);
                                }
                                Ok(items)
                            })
                            .parse2(tokens)
                            .map_err(|e| e.to_string())
                        })
                    });
                    match parsed {
                        Some(Ok(expanded)) => {
                            self.expanding += 1;
                            self.impl_members(module, &expanded, out);
                            self.expanding -= 1;
                        }
                        other => {
                            let name = path_segments(&m.mac.path).join("::");
                            if let Some(Err(why)) = other {
                                out.inner_unexpanded.insert(name.clone(), why);
                            }
                            out.inner_macros.push(name);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn use_tree(
        &mut self,
        module: ModuleIdx,
        tree: &syn::UseTree,
        prefix: &mut Vec<String>,
        public: bool,
    ) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(module, &p.tree, prefix, public);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let mut path = prefix.clone();
                // `use a::b::{self}` binds `b` to `a::b`.
                let bound = if name == "self" {
                    prefix.last().cloned().unwrap_or_default()
                } else {
                    path.push(name.clone());
                    name
                };
                self.bind(module, bound, path, public);
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.bind(module, r.rename.to_string(), path, public);
            }
            syn::UseTree::Glob(_) => self.rust.modules[module].globs.push(UseFact {
                path: prefix.clone(),
                public,
            }),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(module, tree, prefix, public);
                }
            }
        }
    }

    fn bind(&mut self, module: ModuleIdx, name: String, path: Vec<String>, public: bool) {
        // `use x as _;` brings only trait methods into scope, no name.
        if name == "_" || name.is_empty() {
            return;
        }
        self.rust.modules[module]
            .uses
            .entry(name)
            .or_default()
            .push(UseFact { path, public });
    }

    fn guards(&mut self, module: ModuleIdx, sig: &syn::Signature, block: &syn::Block) {
        let mut finder = GuardFinder {
            text: self.text,
            ..GuardFinder::default()
        };
        finder.visit_block(block);
        if finder.found.is_empty() {
            return;
        }
        let traits = param_traits(sig);
        for mut guard in finder.found {
            guard.module = module;
            guard.param_traits = traits.clone();
            self.rust.guards.push(guard);
        }
    }
}

/// The segments of a path, without generic arguments; a leading `::` is an
/// empty first segment.
pub fn path_segments(path: &syn::Path) -> Vec<String> {
    let mut out = Vec::with_capacity(path.segments.len() + 1);
    if path.leading_colon.is_some() {
        out.push(String::new());
    }
    out.extend(path.segments.iter().map(|s| s.ident.to_string()));
    out
}

/// The traits that bound each named parameter's type: `&dyn T`, `impl T`,
/// `Box<dyn T>`, a generic `C` with `C: T` (in `<...>` or `where`).
fn param_traits(sig: &syn::Signature) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut generic: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for param in sig.generics.type_params() {
        generic
            .entry(param.ident.to_string())
            .or_default()
            .extend(trait_bounds(&param.bounds));
    }
    for predicate in sig.generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Type(t) = predicate {
            if let syn::Type::Path(p) = &t.bounded_ty {
                if let Some(ident) = p.path.get_ident() {
                    generic
                        .entry(ident.to_string())
                        .or_default()
                        .extend(trait_bounds(&t.bounds));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for input in &sig.inputs {
        let syn::FnArg::Typed(typed) = input else {
            continue;
        };
        let syn::Pat::Ident(name) = &*typed.pat else {
            continue;
        };
        let traits = type_traits(&typed.ty, &generic);
        if !traits.is_empty() {
            out.insert(name.ident.to_string(), traits);
        }
    }
    out
}

fn type_traits(ty: &syn::Type, generic: &BTreeMap<String, Vec<Vec<String>>>) -> Vec<Vec<String>> {
    match ty {
        syn::Type::Reference(r) => type_traits(&r.elem, generic),
        syn::Type::Paren(p) => type_traits(&p.elem, generic),
        syn::Type::Group(g) => type_traits(&g.elem, generic),
        syn::Type::TraitObject(t) => trait_bounds(&t.bounds).collect(),
        syn::Type::ImplTrait(t) => trait_bounds(&t.bounds).collect(),
        syn::Type::Path(p) if p.qself.is_none() => {
            if let Some(ident) = p.path.get_ident() {
                return generic.get(&ident.to_string()).cloned().unwrap_or_default();
            }
            // A smart pointer derefs to what it holds, and so do its methods.
            let Some(last) = p.path.segments.last() else {
                return Vec::new();
            };
            if !matches!(last.ident.to_string().as_str(), "Box" | "Arc" | "Rc") {
                return Vec::new();
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return Vec::new();
            };
            match args.args.first() {
                Some(syn::GenericArgument::Type(inner)) => type_traits(inner, generic),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn trait_bounds<'a, I: IntoIterator<Item = &'a syn::TypeParamBound>>(
    bounds: I,
) -> impl Iterator<Item = Vec<String>> + use<'a, I> {
    bounds.into_iter().filter_map(|b| match b {
        syn::TypeParamBound::Trait(t) => Some(path_segments(&t.path)),
        _ => None,
    })
}

fn self_ty(ty: &syn::Type, params: &[String]) -> SelfTy {
    let param_of = |ty: &syn::Type| -> Option<String> {
        match ty {
            syn::Type::Path(p) if p.qself.is_none() => p
                .path
                .get_ident()
                .map(|i| i.to_string())
                .filter(|i| params.contains(i)),
            _ => None,
        }
    };
    match ty {
        syn::Type::Paren(p) => self_ty(&p.elem, params),
        syn::Type::Group(g) => self_ty(&g.elem, params),
        syn::Type::Reference(r) => match param_of(&r.elem) {
            Some(param) => SelfTy::Wrapper {
                kind: if r.mutability.is_some() { "&mut" } else { "&" }.into(),
                param,
            },
            None => SelfTy::Other(text_of_type(ty)),
        },
        syn::Type::Path(p) if p.qself.is_none() => {
            if let Some(param) = param_of(ty) {
                return SelfTy::Param(param);
            }
            let last = p.path.segments.last();
            if let Some(last) = last {
                let wrapper = matches!(
                    last.ident.to_string().as_str(),
                    "Box" | "Arc" | "Rc" | "Cow" | "Pin"
                );
                if wrapper {
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(inner) = arg {
                                if let Some(param) = param_of(inner) {
                                    return SelfTy::Wrapper {
                                        kind: last.ident.to_string(),
                                        param,
                                    };
                                }
                            }
                        }
                    }
                }
            }
            SelfTy::Path(path_segments(&p.path))
        }
        _ => SelfTy::Other(text_of_type(ty)),
    }
}

fn text_of_type(ty: &syn::Type) -> String {
    match ty {
        syn::Type::TraitObject(t) => {
            let names: Vec<String> = trait_bounds(&t.bounds).map(|p| p.join("::")).collect();
            format!("dyn {}", names.join(" + "))
        }
        syn::Type::Tuple(_) => "(..)".into(),
        syn::Type::Slice(_) | syn::Type::Array(_) => "[..]".into(),
        syn::Type::Reference(r) => format!("&{}", text_of_type(&r.elem)),
        syn::Type::Path(p) => path_segments(&p.path).join("::"),
        _ => "_".into(),
    }
}

/// The `#[cfg(...)]` predicates on an item, joined with `all(...)` when several.
fn cfg_of(attrs: &[syn::Attribute]) -> Option<String> {
    let cfgs: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| match &a.meta {
            syn::Meta::List(list) => Some(tokens_text(&list.tokens)),
            _ => None,
        })
        .collect();
    match cfgs.len() {
        0 => None,
        1 => cfgs.into_iter().next(),
        _ => Some(format!("all({})", cfgs.join(", "))),
    }
}

/// `TokenStream`'s own text puts spaces before groups (`not (x)`); this reads as written.
fn tokens_text(tokens: &TokenStream) -> String {
    tokens.to_string().replace(" (", "(").replace(" ,", ",")
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

fn attr_macros(attrs: &[syn::Attribute]) -> Vec<Vec<String>> {
    attrs
        .iter()
        .map(|a| path_segments(a.path()))
        .filter(|p| {
            let first = p.first().map(String::as_str).unwrap_or("");
            !(p.len() <= 2 && INERT_ATTRS.contains(&first))
        })
        .collect()
}

/// The names following `impl` in a `macro_rules!` body: `impl $crate::Agent
/// for $t` gives `Agent`.
fn implemented_names(tokens: TokenStream) -> Vec<String> {
    let mut flat = Vec::new();
    flatten(tokens, &mut flat);
    let mut names = Vec::new();
    let mut after_impl = false;
    let mut last_ident: Option<String> = None;
    let mut depth = 0i32;
    for token in flat {
        match token {
            TokenTree::Ident(ident) if ident == "impl" => {
                after_impl = true;
                last_ident = None;
                depth = 0;
            }
            TokenTree::Ident(ident) if after_impl && ident == "for" => {
                if let Some(name) = last_ident.take() {
                    names.push(name);
                }
                after_impl = false;
            }
            TokenTree::Ident(ident) if after_impl && depth == 0 => {
                last_ident = Some(ident.to_string());
            }
            TokenTree::Punct(p) if after_impl && p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if after_impl && p.as_char() == '>' => depth -= 1,
            _ => {}
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Every token, with the delimiters of groups dropped.
fn flatten(tokens: TokenStream, out: &mut Vec<TokenTree>) {
    for token in tokens {
        match token {
            TokenTree::Group(g) => flatten(g.stream(), out),
            other => out.push(other),
        }
    }
}

fn collect_idents(tokens: TokenStream, out: &mut Vec<String>) {
    let mut flat = Vec::new();
    flatten(tokens, &mut flat);
    for token in flat {
        if let TokenTree::Ident(ident) = token {
            let name = ident.to_string();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
}

fn body_fact(name: &str, block: &syn::Block) -> BodyFact {
    let mut fact = BodyFact::default();
    if let [syn::Stmt::Expr(expr, None)] = block.stmts.as_slice() {
        match expr {
            syn::Expr::Path(p) if p.path.is_ident("None") => fact.returns_none = true,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(b),
                ..
            }) => fact.literal_bool = Some(b.value),
            _ => {}
        }
    }
    let mut scan = BodyScan {
        name,
        fact: &mut fact,
    };
    scan.visit_block(block);
    fact
}

struct BodyScan<'a> {
    name: &'a str,
    fact: &'a mut BodyFact,
}

impl<'ast> Visit<'ast> for BodyScan<'_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let segments = path_segments(&p.path);
            if segments.len() == 1 && segments[0] == "Some" {
                self.fact.builds_some = true;
            }
            // `T::step(self, ..)` / `Agent::step(&**self, ..)`: forwarding by path.
            if segments.len() > 1 && segments.last().map(String::as_str) == Some(self.name) {
                self.fact.forwards = true;
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == self.name && !is_bare_self(&call.receiver) {
            self.fact.forwards = true;
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

fn is_bare_self(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.path.is_ident("self"))
}

/// The text of a receiver expression, for comparing subjects: `self.conv`,
/// `conv.agent()`, `*conv`.
pub fn expr_text(expr: &syn::Expr) -> String {
    match expr {
        syn::Expr::Path(p) => path_segments(&p.path).join("::"),
        syn::Expr::Field(f) => {
            let member = match &f.member {
                syn::Member::Named(n) => n.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            };
            format!("{}.{member}", expr_text(&f.base))
        }
        syn::Expr::MethodCall(m) => format!("{}.{}()", expr_text(&m.receiver), m.method),
        syn::Expr::Paren(p) => expr_text(&p.expr),
        syn::Expr::Reference(r) => expr_text(&r.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => expr_text(&u.expr),
        syn::Expr::Try(t) => expr_text(&t.expr),
        _ => "<expr>".into(),
    }
}

/// Finds conditions that test `x.as_async()` and the method calls in the
/// branch they guard.
#[derive(Default)]
struct GuardFinder<'t> {
    /// The file's text, which the conjuncts quote.
    text: &'t str,
    /// `let native = conv.as_async().is_some();`: helper name -> subjects and tests.
    helpers: Vec<(String, Tested)>,
    found: Vec<GuardFact>,
}

/// What a condition tests: `as_async()` receivers, and every argument-less call.
#[derive(Clone, Default)]
struct Tested {
    subjects: Vec<String>,
    tests: Vec<(String, String)>,
    conjuncts: Vec<ConjunctFact>,
}

impl GuardFinder<'_> {
    /// What a condition tests, and the helper it went through.
    fn tested(&self, cond: &syn::Expr) -> (Tested, Option<String>) {
        let mut found = AsAsyncReceivers::default();
        found.visit_expr(cond);
        let mut via = None;
        let mut all = Tested {
            subjects: found.receivers,
            tests: found.calls,
            conjuncts: conjuncts(self.text, cond),
        };
        for name in found.names {
            if let Some((helper, tested)) = self.helpers.iter().rev().find(|(h, _)| *h == name) {
                via = Some(helper.clone());
                all.subjects.extend(tested.subjects.iter().cloned());
                all.tests.extend(tested.tests.iter().cloned());
                // Only a helper that is the whole condition, or one operand
                // of its `&&` chain, is a `bool` that a conjunct may join.
                if operands(cond).iter().any(|o| is_name(o, helper)) {
                    all.conjuncts.extend(tested.conjuncts.iter().cloned());
                }
            }
        }
        (all, via)
    }

    fn record(&mut self, cond: &syn::Expr, branches: &[&dyn Fn(&mut MethodCalls)]) {
        let (tested, via) = self.tested(cond);
        if tested.tests.is_empty() {
            return;
        }
        let mut calls = MethodCalls::default();
        for branch in branches {
            branch(&mut calls);
        }
        if calls.calls.is_empty() {
            return;
        }
        // `if let` binds; a conjunct after it needs let chains (edition 2024).
        let binds = matches!(cond, syn::Expr::Let(_));
        self.found.push(GuardFact {
            location: location(cond.span()),
            subjects: tested.subjects,
            via,
            tests: tested.tests,
            calls: calls.calls,
            conjuncts: if binds { Vec::new() } else { tested.conjuncts },
            module: 0,
            param_traits: BTreeMap::new(),
            param_traits_resolved: BTreeMap::new(),
        });
    }
}

/// The operands of `cond`'s top-level `&&` chain (`cond` itself when it is
/// none), each of which `&& x` may follow without changing how the rest
/// groups: not `a || b` unparenthesized, and not `let`, a range, an
/// assignment or a closure, which bind looser than `&&` or are no `bool`.
fn operands(cond: &syn::Expr) -> Vec<&syn::Expr> {
    fn walk<'e>(e: &'e syn::Expr, out: &mut Vec<&'e syn::Expr>) {
        match e {
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                walk(&b.left, out);
                walk(&b.right, out);
            }
            _ => out.push(e),
        }
    }
    let mut out = Vec::new();
    walk(cond, &mut out);
    out.retain(|e| {
        !matches!(
            e,
            syn::Expr::Let(_)
                | syn::Expr::Range(_)
                | syn::Expr::Assign(_)
                | syn::Expr::Closure(_)
                | syn::Expr::Binary(syn::ExprBinary {
                    op: syn::BinOp::Or(_),
                    ..
                })
        )
    });
    out
}

fn is_name(e: &syn::Expr, name: &str) -> bool {
    matches!(e, syn::Expr::Path(p) if p.path.is_ident(name))
}

/// The argument-less calls of each operand of `cond` that a conjunct may
/// follow, quoted from `text`. A span that does not quote the operand (code
/// a macro wrote) gives none.
fn conjuncts(text: &str, cond: &syn::Expr) -> Vec<ConjunctFact> {
    let mut out = Vec::new();
    for operand in operands(cond) {
        let at = location(operand.span());
        let Some(quoted) = text.get(at.start as usize..at.end as usize) else {
            continue;
        };
        let same = syn::parse_str::<syn::Expr>(quoted).is_ok_and(|parsed| {
            quote::ToTokens::to_token_stream(&parsed).to_string()
                == quote::ToTokens::to_token_stream(operand).to_string()
        });
        if !same {
            continue;
        }
        let mut calls = PlainCalls::default();
        calls.visit_expr(operand);
        for call in calls.found {
            let receiver = location(call.receiver.span());
            if receiver.start < at.start || receiver.end > at.end {
                continue;
            }
            let (r0, r1) = (receiver.start as usize, receiver.end as usize);
            out.push(ConjunctFact {
                method: call.method.to_string(),
                receiver: expr_text(&call.receiver),
                location: at,
                before: text[at.start as usize..r0].to_owned(),
                receiver_text: text[r0..r1].to_owned(),
                after: text[r1..at.end as usize].to_owned(),
            });
        }
    }
    out
}

/// Argument-less method calls that decide their operand as written: not
/// under `!` or `||`, and not in a closure.
#[derive(Default)]
struct PlainCalls<'ast> {
    found: Vec<&'ast syn::ExprMethodCall>,
}

impl<'ast> Visit<'ast> for PlainCalls<'ast> {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.args.is_empty() {
            self.found.push(call);
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_unary(&mut self, e: &'ast syn::ExprUnary) {
        if !matches!(e.op, syn::UnOp::Not(_)) {
            syn::visit::visit_expr_unary(self, e);
        }
    }

    fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
        if !matches!(e.op, syn::BinOp::Or(_)) {
            syn::visit::visit_expr_binary(self, e);
        }
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

impl<'ast> Visit<'ast> for GuardFinder<'_> {
    /// A nested item's bodies are read when the item itself is.
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let (syn::Pat::Ident(name), Some(init)) = (&local.pat, &local.init) {
            let (tested, _) = self.tested(&init.expr);
            if !tested.tests.is_empty() {
                self.helpers.push((name.ident.to_string(), tested));
            }
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
        self.record(
            &e.cond,
            &[&|calls: &mut MethodCalls| calls.visit_block(&e.then_branch)],
        );
        syn::visit::visit_expr_if(self, e);
    }

    fn visit_expr_match(&mut self, e: &'ast syn::ExprMatch) {
        self.record(
            &e.expr,
            &[&|calls: &mut MethodCalls| {
                for arm in &e.arms {
                    calls.visit_expr(&arm.body);
                }
            }],
        );
        syn::visit::visit_expr_match(self, e);
    }
}

#[derive(Default)]
struct AsAsyncReceivers {
    receivers: Vec<String>,
    /// Every argument-less call: (method, receiver).
    calls: Vec<(String, String)>,
    /// Plain names in the condition, which may be helper variables.
    names: Vec<String>,
}

impl<'ast> Visit<'ast> for AsAsyncReceivers {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.args.is_empty() {
            let receiver = expr_text(&call.receiver);
            if call.method == "as_async" {
                self.receivers.push(receiver.clone());
            }
            self.calls.push((call.method.to_string(), receiver));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(ident) = p.path.get_ident() {
            self.names.push(ident.to_string());
        }
    }
}

#[derive(Default)]
struct MethodCalls {
    calls: Vec<(String, Location)>,
}

impl<'ast> Visit<'ast> for MethodCalls {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.calls
            .push((call.method.to_string(), location(call.method.span())));
        syn::visit::visit_expr_method_call(self, call);
    }
}

/// The items directly inside a body, at any block depth, not inside other items.
#[derive(Default)]
struct BodyItems<'ast> {
    items: Vec<std::borrow::Cow<'ast, syn::Item>>,
}

impl<'ast> Visit<'ast> for BodyItems<'ast> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.items.push(std::borrow::Cow::Borrowed(item));
    }

    /// `agent_type!(Local);` in a body is a statement to syn; it may write items.
    fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
        self.items
            .push(std::borrow::Cow::Owned(syn::Item::Macro(syn::ItemMacro {
                attrs: m.attrs.clone(),
                ident: None,
                mac: m.mac.clone(),
                semi_token: m.semi_token,
            })));
    }
}

/// Every `macro_rules!` in a file, at any depth.
#[derive(Default)]
struct MacroDefs {
    found: Vec<(String, TokenStream)>,
}

impl<'ast> Visit<'ast> for MacroDefs {
    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if let (Some(ident), Some("macro_rules")) = (
            &m.ident,
            m.mac
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .as_deref(),
        ) {
            self.found.push((ident.to_string(), m.mac.tokens.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (method, receiver, before, receiver text, after) of each conjunct
    /// of the condition of the first `if` in `body`.
    fn conjuncts_of(body: &str) -> Vec<(String, String, String, String, String)> {
        let text = format!("fn f() {{ {body} }}");
        let file = syn::parse_file(&text).unwrap();
        let syn::Item::Fn(f) = &file.items[0] else {
            unreachable!()
        };
        let syn::Stmt::Expr(syn::Expr::If(e), _) = &f.block.stmts[0] else {
            panic!("no if in {body}")
        };
        conjuncts(&text, &e.cond)
            .into_iter()
            .map(|c| (c.method, c.receiver, c.before, c.receiver_text, c.after))
            .collect()
    }

    #[test]
    fn a_conjunct_follows_an_operand_of_the_top_level_and_chain() {
        let found = conjuncts_of("if ready && (*conv).as_async().is_some() {}");
        let owned = |s: &[&str; 5]| -> (String, String, String, String, String) {
            (
                s[0].into(),
                s[1].into(),
                s[2].into(),
                s[3].into(),
                s[4].into(),
            )
        };
        assert_eq!(
            found,
            [
                owned(&[
                    "is_some",
                    "conv.as_async()",
                    "",
                    "(*conv).as_async()",
                    ".is_some()"
                ]),
                owned(&["as_async", "conv", "", "(*conv)", ".as_async().is_some()"]),
            ]
        );
    }

    #[test]
    fn no_conjunct_under_or_not_let_or_in_a_closure() {
        assert!(conjuncts_of("if ready || conv.as_async().is_some() {}").is_empty());
        assert!(conjuncts_of("if !conv.as_async().is_none() {}").is_empty());
        assert!(conjuncts_of("if let Some(n) = conv.as_async() {}").is_empty());
        assert!(conjuncts_of("if all(|c| c.as_async().is_some()) {}").is_empty());
        // A parenthesized `||` is one operand; only the call outside it counts.
        let found = conjuncts_of("if (a.x() || b.y()) && conv.is_streaming() {}");
        let methods: Vec<&str> = found.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(methods, ["is_streaming"]);
    }
}
