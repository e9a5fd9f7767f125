//! `dispatchlint agents`: every role type, its verdict and provider.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{analyze_common, emit, finish, warn_if_empty, Common, Error, ExitStatus};
use crate::report::{agents, graph};
use crate::semantic::Semantic;

#[derive(Clone, Copy, ValueEnum)]
pub enum AgentsFormat {
    Human,
    Json,
    /// Graphviz: the role hierarchy, nodes coloured by verdict.
    Dot,
    /// A Mermaid flowchart of the same graph.
    Mermaid,
}

#[derive(Args)]
pub struct AgentsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format (`--format` is an alias).
    #[arg(long = "output-format", alias = "format", value_enum, default_value_t = AgentsFormat::Human)]
    pub format: AgentsFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

pub fn run(args: AgentsArgs) -> Result<ExitStatus, Error> {
    let (analysis, _) = analyze_common(&args.common)?;
    warn_if_empty(&analysis, &args.common);
    let semantic = Semantic::new(&analysis);
    let mut clock = crate::analysis::Clock::new();
    let report = agents::build(&semantic);
    emit(&args.output_file, &analysis, |out| {
        match args.format {
            AgentsFormat::Human => agents::write_human(&report, out)?,
            AgentsFormat::Json => agents::write_json(&report, out)?,
            AgentsFormat::Dot => graph::write_dot(&semantic, out)?,
            AgentsFormat::Mermaid => graph::write_mermaid(&semantic, out)?,
        }
        Ok(())
    })?;
    clock.lap("report");
    finish(&args.common, semantic, &clock);
    std::mem::forget(report);
    // As `finish` says: the OS reclaims the facts at once.
    std::mem::forget(analysis);
    Ok(ExitStatus::Success)
}
