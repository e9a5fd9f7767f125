//! Prints, one JSON object per line, what the runtime says about each type
//! of fixtures/rust/runtime_agents, for comparison with the analyzer's
//! verdicts on the same source:
//!
//! ```text
//! {"name":"StreamingAgent","role":"agent","methods":["step","astep"],"native":true}
//! ```

#[path = "../../fixtures/rust/runtime_agents/src/lib.rs"]
mod runtime_agents;

#[path = "../tests/support/fixture_catalog.rs"]
mod fixture_catalog;

fn main() {
    for entry in fixture_catalog::catalog() {
        println!("{}", entry.json_line());
    }
}
