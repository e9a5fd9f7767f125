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

use crate::hierarchy::RoleSpec;

pub use analysis::{Analysis, Stdin, TypeVerdict};
pub use values::RolePair;

/// What the checks and reports consult: the analysis, the resolver over its
/// Python files and the role pairs, made once.
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

    /// Each conversation role with the agent role its `agent-attr` holds.
    pub fn role_pairs(&self) -> Vec<RolePair<'a>> {
        values::role_pairs(self.analysis)
    }

    /// The roles of one language.
    pub fn roles(&self) -> impl Iterator<Item = &'a RoleSpec> {
        self.analysis.hierarchy.roles.iter()
    }
}
