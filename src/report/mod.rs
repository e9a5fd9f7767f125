//! Reports: turn an analysis into text. Reporters know nothing of languages
//! or syntax trees.

pub mod agents;
pub mod audit;
pub mod findings;
pub mod graph;
pub mod output;
pub mod route;
