//! `#[cfg]` on modules, impls and methods, applied once files are placed:
//! what the run's features rule out is dropped, what they switch on loses
//! its gate, and what stays undecided is named on the impl it gates. A gate
//! that the self type shares with its impl (both inside
//! `#[cfg(test)] mod tests`) decides nothing about the type's verdict.

use std::collections::{BTreeSet, HashMap};

use crate::model::{FileFacts, FileId};

use super::cfg::eval;
use super::items::{ItemFact, RustFacts, TraitMethod};

/// Undecided gates of each module (`None`: ruled out).
pub type Chains = Vec<Option<Vec<String>>>;

/// Drops what `features` rule out in one file whose module is reached
/// through `file_cfg`; the undecided gates of each of its modules.
pub fn prune(
    rust: &mut RustFacts,
    file_cfg: &[String],
    features: Option<&BTreeSet<String>>,
) -> Chains {
    let keep = |chain: Option<Vec<String>>, cfg: Option<&String>| -> Option<Vec<String>> {
        let mut chain = chain?;
        if let Some(cfg) = cfg {
            match eval(cfg, features) {
                Some(false) => return None,
                Some(true) => {}
                None => chain.push(cfg.clone()),
            }
        }
        Some(chain)
    };
    let file = file_cfg
        .iter()
        .try_fold(Vec::new(), |chain, cfg| keep(Some(chain), Some(cfg)));
    let mut chains: Chains = Vec::with_capacity(rust.modules.len());
    for m in 0..rust.modules.len() {
        let parent = match rust.modules[m].parent {
            Some(p) => chains[p].clone(),
            None => file.clone(),
        };
        let chain = keep(parent, rust.modules[m].cfg.as_ref());
        if chain.is_none() {
            let module = &mut rust.modules[m];
            module.items.clear();
            module.uses.clear();
            module.globs.clear();
            module.mod_decls.clear();
        }
        chains.push(chain);
    }
    rust.impls.retain_mut(|imp| {
        if chains[imp.module].is_none() {
            return false;
        }
        if let Some(cfg) = &imp.cfg {
            match eval(cfg, features) {
                Some(false) => return false,
                Some(true) => imp.cfg = None,
                None => {}
            }
        }
        imp.methods.retain(
            |_, method| match method.cfg.as_deref().map(|c| eval(c, features)) {
                Some(Some(false)) => false,
                Some(Some(true)) => {
                    method.cfg = None;
                    true
                }
                _ => true,
            },
        );
        true
    });
    for t in &mut rust.traits {
        t.methods.retain(|_, method| select(method, features));
    }
    rust.macro_calls
        .retain(|call| chains[call.module].is_some());
    chains
}

/// Keeps the declarations of a trait method that `features` allow (the
/// first as the method, the others as its variants); false when none is.
fn select(method: &mut TraitMethod, features: Option<&BTreeSet<String>>) -> bool {
    let variants = std::mem::take(&mut method.variants);
    let mut kept: Vec<TraitMethod> = Vec::with_capacity(1 + variants.len());
    for mut m in std::iter::once(method.clone()).chain(variants) {
        match m.cfg.as_deref().map(|c| eval(c, features)) {
            Some(Some(false)) => continue,
            Some(Some(true)) => m.cfg = None,
            _ => {}
        }
        kept.push(m);
    }
    // A declaration that is certainly compiled is the only one: any other
    // would be a second definition of the same method.
    if let Some(on) = kept.iter().position(|m| m.cfg.is_none()) {
        kept = vec![kept.swap_remove(on)];
    }
    let mut kept = kept.into_iter();
    let Some(first) = kept.next() else {
        return false;
    };
    *method = first;
    method.variants = kept.collect();
    true
}

/// Adds to each impl's own `cfg` the undecided gates around it that do not
/// also gate its self type.
pub fn scope_impls(
    files: &mut [FileFacts],
    rust_files: &[FileId],
    chains: &HashMap<FileId, Chains>,
) {
    // Where each analyzed type is defined: (file, class) -> module.
    let mut homes: HashMap<(FileId, usize), usize> = HashMap::new();
    for &file in rust_files {
        let rust = files[file].rust.as_deref().expect("Rust");
        for (m, module) in rust.modules.iter().enumerate() {
            for item in module.items.values() {
                if let ItemFact::Type { class, .. } = item {
                    homes.insert((file, *class), m);
                }
            }
        }
    }
    let empty = Vec::new();
    for &file in rust_files {
        let Some(own) = chains.get(&file) else {
            continue;
        };
        let updates: Vec<(usize, String)> = files[file]
            .rust
            .as_deref()
            .expect("Rust")
            .impls
            .iter()
            .enumerate()
            .filter_map(|(i, imp)| {
                let scope = own.get(imp.module)?.as_ref()?;
                let home = imp.resolved.self_class.and_then(|class| {
                    let module = homes.get(&class)?;
                    chains.get(&class.0)?.get(*module)?.as_ref()
                });
                let home = home.unwrap_or(&empty);
                let mut extra: Vec<String> = scope
                    .iter()
                    .filter(|c| !home.contains(c))
                    .cloned()
                    .collect();
                if extra.is_empty() {
                    return None;
                }
                extra.extend(imp.cfg.clone());
                let cfg = if extra.len() == 1 {
                    extra.remove(0)
                } else {
                    format!("all({})", extra.join(", "))
                };
                Some((i, cfg))
            })
            .collect();
        let rust = files[file].rust.as_deref_mut().expect("Rust");
        for (i, cfg) in updates {
            rust.impls[i].cfg = Some(cfg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileFacts, Language};

    fn trait_method(features: Option<&[&str]>) -> Option<TraitMethod> {
        let source = r#"
            pub trait Chain {
                #[cfg(feature = "stream")]
                fn stream(&self) -> u8 { 1 }
                #[cfg(not(feature = "stream"))]
                fn stream(&self) -> u8;
                #[cfg(test)]
                fn probe(&self) {}
            }
        "#;
        let empty = FileFacts::empty("lib.rs".into(), Language::Rust, String::new());
        let facts = crate::rust::from_text(empty, source);
        let mut rust = *facts.rust.unwrap();
        let on: Option<BTreeSet<String>> =
            features.map(|f| f.iter().map(|s| (*s).to_owned()).collect());
        prune(&mut rust, &[], on.as_ref());
        assert!(rust.traits[0].methods["probe"].cfg.is_some());
        rust.traits[0].methods.remove("stream")
    }

    #[test]
    fn features_select_a_trait_methods_declaration() {
        let undecided = trait_method(None).unwrap();
        assert_eq!(
            undecided.cfgs(),
            [r#"feature = "stream""#, r#"not(feature = "stream")"#]
        );
        let on = trait_method(Some(&["stream"])).unwrap();
        assert!(on.has_default && on.cfg.is_none() && on.variants.is_empty());
        let off = trait_method(Some(&[])).unwrap();
        assert!(!off.has_default && off.cfg.is_none() && off.variants.is_empty());
    }
}
