//! The Rust front end (`syn`): parse one file into facts ([`extract`], run in
//! parallel), then, once every file is parsed, place files in their crates'
//! module trees and resolve trait and type paths across files ([`link`]).
//! [`nodes`] turns the result into hierarchy nodes.

pub mod cfg;
pub mod comments;
pub mod crates;
pub mod facts;
pub mod gates;
/// The Rust facts are the model's (`model::rust`); the front end fills them.
pub use crate::model::rust as items;
pub mod libraries;
pub mod macros;
pub mod modules;
pub mod resolve;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::model::{ClassFact, FileFacts, FileId, InputDiagnostic, Language, Location};
use crate::packs::Packs;

use items::{ImplResolved, SelfTy};
use resolve::Index;

pub const SYNTAX_ERROR: &str = "DL000";

/// Facts for one Rust file. Never fails: unreadable or unparsable input is a
/// DL000 diagnostic. The module is filled in by [`link`].
pub fn extract(display: &Path, path: &Path) -> FileFacts {
    let mut facts = FileFacts::empty(display.to_path_buf(), Language::Rust, String::new());
    let text = match crate::untrusted::read(path, crate::untrusted::SOURCE_LIMIT) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                facts.diagnostics.push(InputDiagnostic {
                    code: SYNTAX_ERROR,
                    message: format!("cannot decode file: Rust source must be UTF-8 ({error})"),
                    location: None,
                });
                return facts;
            }
        },
        Err(error) => {
            facts.diagnostics.push(InputDiagnostic {
                code: SYNTAX_ERROR,
                message: format!("cannot read file: {error}"),
                location: None,
            });
            return facts;
        }
    };
    from_text(facts, &text)
}

/// Longest path of tokens, through nested delimiters and along runs not
/// broken by `,` or `;`, that a file may have. It bounds the depth of syn's
/// recursive parse, of our visitors and of the tree's destructor, which
/// overflow the stack on hostile input (10,000 nested parentheses, a long
/// chain of unary operators); real code stays far below it.
pub const MAX_NESTING: usize = 3000;

/// Whether the text nests deeper than [`MAX_NESTING`], and where. Lexing is
/// proc-macro2's, which (like its destructor) uses an explicit stack.
fn too_deep(text: &str) -> Option<proc_macro2::Span> {
    use proc_macro2::{TokenStream, TokenTree};
    let stream: TokenStream = text.parse().ok()?;
    // (tokens left in a group, path length before the group, current run)
    let mut stack = vec![(stream.into_iter(), 0usize, 0usize)];
    while let Some((tokens, base, run)) = stack.last_mut() {
        let Some(token) = tokens.next() else {
            stack.pop();
            continue;
        };
        if matches!(&token, TokenTree::Punct(p) if matches!(p.as_char(), ',' | ';')) {
            *run = 0;
            continue;
        }
        *run += 1;
        let depth = *base + *run;
        if depth > MAX_NESTING {
            return Some(token.span());
        }
        if let TokenTree::Group(group) = token {
            stack.push((group.stream().into_iter(), depth, 0));
        }
    }
    None
}

/// Facts from source text.
pub fn from_text(facts: FileFacts, text: &str) -> FileFacts {
    from_text_with(facts, text, &[])
}

/// Facts from source text, expanding also the `macro_rules!` macros other
/// files define (name and rules as text).
pub fn from_text_with(mut facts: FileFacts, text: &str, macros: &[(String, String)]) -> FileFacts {
    // syn drops a byte order mark before it parses: every span, and so every
    // location and fix, counts from after it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(span) = too_deep(text) {
        let start = span.start();
        facts.diagnostics.push(InputDiagnostic {
            code: SYNTAX_ERROR,
            message: format!(
                "too deeply nested to analyze (more than {MAX_NESTING} nested tokens)"
            ),
            location: Some(Location {
                start: span.byte_range().start as u32,
                end: span.byte_range().end as u32,
                line: start.line.max(1) as u32,
                column: start.column as u32 + 1,
                end_line: start.line.max(1) as u32,
                end_column: start.column as u32 + 1,
            }),
        });
        facts.rust = Some(Box::default());
        return facts;
    }
    match syn::parse_file(text) {
        Ok(file) => {
            let rust = facts::Extractor::new(&mut facts, text)
                .with_macros(macros)
                .run(&file);
            facts.rust = Some(Box::new(rust));
            // Dropping a deep tree recurses; we run on a thread with a large stack.
            drop(file);
        }
        Err(error) => {
            let start = error.span().start();
            let end = error.span().end();
            let line = start.line.max(1) as u32;
            facts.diagnostics.push(InputDiagnostic {
                code: SYNTAX_ERROR,
                message: format!("syntax error: {error}"),
                location: Some(Location {
                    start: error.span().byte_range().start as u32,
                    end: error.span().byte_range().end as u32,
                    line,
                    column: start.column as u32 + 1,
                    end_line: end.line.max(1) as u32,
                    end_column: end.column as u32 + 1,
                }),
            });
            // The file still counts as Rust, with no items, so that its
            // suppressions and diagnostics are reported.
            facts.rust = Some(Box::default());
        }
    }
    facts.suppressions = crate::suppress::parse_comments(
        comments::line_comments(text)
            .into_iter()
            .map(|(comment, location)| (comment, move || location)),
        text,
    );
    facts
}

/// Manifest directory (canonical) -> the features its package is built with.
pub type Features = BTreeMap<PathBuf, std::collections::BTreeSet<String>>;

/// Places every Rust file in its crate's module tree, then resolves traits,
/// self types, bounds and attribute macros. `paths[i]` is where `files[i]`
/// was read from (absolute); files without Rust facts are left alone.
pub fn link(files: &mut [FileFacts], paths: &[PathBuf], packs: &Packs) {
    link_with(files, paths, packs, None)
}

/// [`link`], with `#[cfg(feature = ...)]` decided by `features` when given
/// (a package missing from it has none on).
pub fn link_with(
    files: &mut [FileFacts],
    paths: &[PathBuf],
    packs: &Packs,
    features: Option<&Features>,
) {
    let rust_files: Vec<FileId> = (0..files.len())
        .filter(|&i| files[i].rust.is_some())
        .collect();
    if rust_files.is_empty() {
        return;
    }
    let absolute: Vec<PathBuf> = rust_files
        .iter()
        .map(|&i| std::fs::canonicalize(&paths[i]).unwrap_or_else(|_| paths[i].clone()))
        .collect();
    let crates = crates::discover(&absolute);
    expand_across_files(files, &rust_files, &absolute, &crates);
    let placements = {
        let listed: Vec<(FileId, PathBuf, &items::RustFacts)> = rust_files
            .iter()
            .zip(&absolute)
            .map(|(&i, path)| (i, path.clone(), files[i].rust.as_deref().expect("Rust")))
            .collect();
        modules::place(&listed, &crates)
    };
    let mut renames: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut chains: HashMap<FileId, Vec<Option<Vec<String>>>> = HashMap::new();
    let none = std::collections::BTreeSet::new();
    for (&i, path) in rust_files.iter().zip(&absolute) {
        let placement = &placements[&i];
        let on = features.map(|f| {
            crates
                .owner(path)
                .and_then(|dir| f.get(dir))
                .unwrap_or(&none)
        });
        let rust = files[i].rust.as_deref_mut().expect("Rust");
        chains.insert(i, gates::prune(rust, &placement.cfg, on));
        if std::env::var_os("DL_DEBUG").is_some() {
            crate::stderr_line!("{} -> {:?}", path.display(), placement);
        }
        files[i].module = placement.module.clone();
        files[i].is_package = placement.is_package;
        if let Some(dir) = crates.owner(path) {
            if let Some(map) = crates.renames.get(dir) {
                renames
                    .entry(resolve::crate_of(&placement.module).to_owned())
                    .or_insert_with(|| map.clone());
            }
        }
        // Class qualnames were relative to the file; make them absolute.
        let module = files[i].module.clone();
        for class in &mut files[i].classes {
            class.qualname = format!("{module}::{}", class.qualname);
        }
    }
    let (impls, traits, extra, guards) = {
        let index = Index::new(files, packs, renames);
        let (impls, traits, extra) = resolve_all(&index, files, &rust_files);
        (
            impls,
            traits,
            extra,
            resolve_guards(&index, files, &rust_files),
        )
    };
    for ((file, i), resolved) in guards {
        files[file].rust.as_mut().expect("Rust").guards[i].param_traits_resolved = resolved;
    }
    for (file, class) in extra {
        files[file].classes.push(class);
    }
    for ((file, i), resolved) in impls {
        files[file].rust.as_mut().expect("Rust").impls[i].resolved = resolved;
    }
    gates::scope_impls(files, &rust_files, &chains);
    for ((file, i), (canonical, supertraits)) in traits {
        let facts = files[file].rust.as_mut().expect("Rust");
        facts.traits[i].canonical = canonical;
        facts.traits[i].supertraits_canonical = supertraits;
    }
}

/// Re-reads each file that invokes a `macro_rules!` macro another file of
/// its crate defines (`#[macro_use] mod macros;`), expanding it this time.
fn expand_across_files(
    files: &mut [FileFacts],
    rust_files: &[FileId],
    absolute: &[PathBuf],
    crates: &crates::Crates,
) {
    let mut by_crate: HashMap<&Path, Vec<(String, String)>> = HashMap::new();
    for (&i, path) in rust_files.iter().zip(absolute) {
        let Some(dir) = crates.owner(path) else {
            continue;
        };
        let rust = files[i].rust.as_deref().expect("Rust");
        by_crate.entry(dir).or_default().extend(
            rust.macro_rules
                .iter()
                .map(|m| (m.name.clone(), m.body.clone())),
        );
    }
    for (&i, path) in rust_files.iter().zip(absolute) {
        let Some(available) = crates.owner(path).and_then(|dir| by_crate.get(dir)) else {
            continue;
        };
        let rust = files[i].rust.as_deref().expect("Rust");
        let wanted: Vec<(String, String)> =
            available
                .iter()
                .filter(|(name, _)| {
                    !rust.macro_rules.iter().any(|m| &m.name == name)
                        && (rust.macro_calls.iter().any(|call| {
                            call.unexpanded.is_none() && call.name.last() == Some(name)
                        }) || rust.impls.iter().any(|imp| {
                            imp.inner_macros
                                .iter()
                                .any(|m| m.rsplit("::").next() == Some(name.as_str()))
                        }))
                })
                .cloned()
                .collect();
        if wanted.is_empty() {
            continue;
        }
        let Ok(text) = crate::untrusted::read_text(path, crate::untrusted::SOURCE_LIMIT) else {
            continue;
        };
        let empty = FileFacts::empty(files[i].path.clone(), Language::Rust, String::new());
        let library = files[i].library;
        files[i] = from_text_with(empty, &text, &wanted);
        files[i].library = library;
    }
}

type ImplUpdates = Vec<((FileId, usize), ImplResolved)>;
type TraitUpdates = Vec<((FileId, usize), (String, Vec<String>))>;
type GuardUpdates = Vec<((FileId, usize), BTreeMap<String, Vec<String>>)>;

/// Resolutions for every impl and trait, and the classes to add for self
/// types that no analyzed file defines (`impl Agent for String`).
/// Each guard's parameter traits, canonical: what a fix may assume of a
/// parameter it names.
fn resolve_guards(index: &Index<'_>, files: &[FileFacts], rust_files: &[FileId]) -> GuardUpdates {
    let mut out = Vec::new();
    for &file in rust_files {
        let facts = files[file].rust.as_deref().expect("Rust");
        for (i, guard) in facts.guards.iter().enumerate() {
            let resolved = guard
                .param_traits
                .iter()
                .map(|(param, paths)| {
                    let traits = paths
                        .iter()
                        .filter_map(|p| index.resolve(file, guard.module, p))
                        .map(|p| index.canonical(&p))
                        .collect();
                    (param.clone(), traits)
                })
                .collect();
            out.push(((file, i), resolved));
        }
    }
    out
}

fn resolve_all(
    index: &Index<'_>,
    files: &[FileFacts],
    rust_files: &[FileId],
) -> (ImplUpdates, TraitUpdates, Vec<(FileId, ClassFact)>) {
    let mut impls = Vec::new();
    let mut traits = Vec::new();
    let mut extra: Vec<(FileId, ClassFact)> = Vec::new();
    let mut external_types: BTreeMap<String, (FileId, usize)> = BTreeMap::new();
    let mut next_class: HashMap<FileId, usize> = HashMap::new();
    for &file in rust_files {
        let facts = files[file].rust.as_deref().expect("Rust");
        for (i, t) in facts.traits.iter().enumerate() {
            let absolute = format!("{}::{}", index.module_path(file, t.module), t.name);
            let supertraits = t
                .supertraits
                .iter()
                .filter_map(|p| index.resolve(file, t.module, p))
                .map(|p| index.canonical(&p))
                .collect();
            traits.push(((file, i), (index.canonical(&absolute), supertraits)));
        }
        for (i, imp) in facts.impls.iter().enumerate() {
            let canonical = |path: &Vec<String>| {
                index
                    .resolve(file, imp.module, path)
                    .map(|p| index.canonical(&p))
            };
            let trait_ = imp.trait_path.as_ref().and_then(canonical);
            let bounds = imp
                .bounds
                .iter()
                .map(|(param, bounds)| {
                    (param.clone(), bounds.iter().filter_map(canonical).collect())
                })
                .collect();
            let attr_macros = imp.attr_macros.iter().filter_map(canonical).collect();
            let self_class = match &imp.self_ty {
                SelfTy::Path(path) => {
                    let absolute = index
                        .resolve(file, imp.module, path)
                        .unwrap_or_else(|| path.join("::"));
                    match index.item(&absolute) {
                        Some(resolve::LocalItem {
                            file: owner,
                            item: items::ItemFact::Type { class, .. },
                            ..
                        }) => Some((owner, *class)),
                        // Only impls of traits can make a type an agent; an
                        // unknown type with only inherent impls needs no class.
                        _ if imp.trait_path.is_some() => {
                            Some(*external_types.entry(absolute.clone()).or_insert_with(|| {
                                let next =
                                    next_class.entry(file).or_insert(files[file].classes.len());
                                let class = *next;
                                *next += 1;
                                let name = path.last().cloned().unwrap_or_default();
                                extra.push((
                                    file,
                                    ClassFact {
                                        name,
                                        qualname: absolute.clone(),
                                        location: imp.location,
                                        scope: 0,
                                        body_scope: 0,
                                        bases: Vec::new(),
                                        members: Default::default(),
                                        annotations: Default::default(),
                                        receiver_assignments: Default::default(),
                                        annotated_at: Default::default(),
                                    },
                                ));
                                (file, class)
                            }))
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            impls.push((
                (file, i),
                ImplResolved {
                    trait_,
                    self_class,
                    bounds,
                    attr_macros,
                },
            ));
        }
    }
    (impls, traits, extra)
}
