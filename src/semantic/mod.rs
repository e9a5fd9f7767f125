//! The semantic layer: what the facts mean across files, computed once per
//! run and read by the checks and the reports, which see no front end.
//! Name resolution over Python modules ([`resolve`]), the classes it makes
//! hierarchy nodes of ([`classes`]), values inside functions and the role
//! pairs ([`values`]); the hierarchy and verdicts are `crate::hierarchy`.

mod analysis;
pub mod classes;
pub mod resolve;
pub mod rust_nodes;
pub mod usages;
pub mod values;

pub use analysis::{Analysis, Stdin, TypeVerdict};

/// What the checks and reports consult: the analysis, the resolver over its
/// Python files and the Rust model, made once per check run.
pub struct Semantic<'a> {
    pub analysis: &'a Analysis,
    pub resolver: resolve::Resolver<'a>,
    /// The Rust roles, impls and forwarding impls, resolved once for every
    /// Rust check.
    pub rust: rust_nodes::Model<'a>,
}

impl<'a> Semantic<'a> {
    pub fn new(analysis: &'a Analysis) -> Self {
        Semantic {
            analysis,
            resolver: resolve::Resolver::new(&analysis.files, &analysis.packs),
            rust: rust_nodes::Model::new(&analysis.files, &analysis.packs),
        }
    }
}
