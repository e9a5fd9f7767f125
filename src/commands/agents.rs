//! `dispatchlint agents`: every role type, its verdict and provider.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::{analyze_common, print_stats, Common, Error, ExitStatus};
use crate::report::{agents, graph};

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
    #[arg(long, value_enum, default_value_t = AgentsFormat::Human)]
    pub format: AgentsFormat,
}

pub fn run(args: AgentsArgs) -> Result<ExitStatus, Error> {
    let (analysis, _) = analyze_common(&args.common)?;
    let mut clock = crate::analysis::Clock::new();
    let report = agents::build(&analysis);
    let mut out = std::io::stdout().lock();
    match args.format {
        AgentsFormat::Human => agents::write_human(&report, &mut out)?,
        AgentsFormat::Json => agents::write_json(&report, &mut out)?,
        AgentsFormat::Dot => graph::write_dot(&analysis, &mut out)?,
        AgentsFormat::Mermaid => graph::write_mermaid(&analysis, &mut out)?,
    }
    out.flush()?;
    clock.lap("report");
    if args.common.stats {
        print_stats(
            analysis.timings.iter().chain(&clock.laps),
            analysis.files.len(),
        );
    }
    // As in `check`: the OS frees it faster than the destructors would.
    std::mem::forget(analysis);
    std::mem::forget(report);
    Ok(ExitStatus::Success)
}
