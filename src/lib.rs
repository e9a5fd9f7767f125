//! dispatchlint: which agent types really override the async entry, and where
//! a dispatcher would send a sync-only agent down the async path.
//!
//! Data flows one way: [`discover`] -> front ends ([`python`], [`rust`]) ->
//! facts ([`model`]) -> [`hierarchy`] -> checks -> reports.

/// A line on standard error, as `eprintln!` writes it, but never a panic:
/// a closed or broken standard error (`2>&-`, `2>&1 | head`) loses the
/// line, and the run goes on to its exit status. (`eprintln!` panics on a
/// broken pipe, and the panic hook's own line then aborts the process.)
#[macro_export]
macro_rules! stderr_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

pub mod analysis;
pub mod cache;
pub mod cargo;
pub mod checks;
pub mod commands;
pub mod discover;
pub mod escape;
pub mod fix;
pub mod hierarchy;
pub mod lint;
pub mod model;
pub mod packs;
pub mod python;
pub mod report;
pub mod rust;
pub mod semantic;
pub mod server;
pub mod settings;
pub mod suppress;
pub mod untrusted;

pub use analysis::{analyze, Analysis, Settings, TypeVerdict};
