//! The semantic layer: what the facts mean across files, computed once per
//! run and read by the checks and the reports, which see no front end.
//! Name resolution over Python modules ([`resolve`]), the classes and Rust
//! types it makes hierarchy nodes of ([`classes`], [`rust_nodes`]), the
//! hierarchy with every type's verdicts ([`types`]), values inside functions
//! and the role pairs ([`values`]).

mod analysis;
pub mod blocking;
pub mod classes;
pub mod conditions;
pub mod dispatch;
pub mod overrides;
pub mod resolve;
pub mod rust_nodes;
mod types;
pub mod usages;
pub mod values;

use std::time::{Duration, Instant};

pub use analysis::{Analysis, Stdin, TypeVerdict};

use crate::hierarchy::{Hierarchy, Verdict};

/// What the checks and reports consult, made once per run from an
/// analysis: the resolver over its Python files, the Rust model, the
/// hierarchy built from both, and each analyzed type's verdicts.
pub struct Semantic<'a> {
    pub analysis: &'a Analysis,
    pub resolver: resolve::Resolver<'a>,
    /// The Rust roles, impls and forwarding impls.
    pub rust: rust_nodes::Model<'a>,
    pub hierarchy: Hierarchy,
    pub verdicts: Vec<TypeVerdict>,
    /// Function bodies by class and name, for the checks that follow calls.
    pub bodies: blocking::Bodies<'a>,
    /// Wall time of each phase (shown by the hidden `--stats`).
    pub timings: Vec<(&'static str, Duration)>,
}

impl<'a> Semantic<'a> {
    pub fn new(analysis: &'a Analysis) -> Self {
        let started = Instant::now();
        let resolver = resolve::Resolver::new(&analysis.files, &analysis.packs);
        let rust = rust_nodes::Model::new(&analysis.files, &analysis.packs);
        let build = || types::hierarchy(&resolver, &rust, &analysis.files, &analysis.packs);
        let hierarchy = match &analysis.pool {
            Some(pool) => pool.install(build),
            None => build(),
        };
        let built = Instant::now();
        let verdicts = types::verdicts(&analysis.files, &hierarchy);
        let timings = vec![
            ("hierarchy", built - started),
            ("verdicts", built.elapsed()),
        ];
        Semantic {
            analysis,
            resolver,
            rust,
            hierarchy,
            verdicts,
            bodies: blocking::Bodies::new(&analysis.files),
            timings,
        }
    }

    /// How many analyzed types are native, sync-only and unknown, over
    /// every role.
    pub fn verdict_counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for v in &self.verdicts {
            counts[match v.capability.verdict {
                Verdict::Native => 0,
                Verdict::Inherited => 1,
                Verdict::Unknown => 2,
            }] += 1;
        }
        counts
    }
}
