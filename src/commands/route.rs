//! `dispatchlint route`: the route the reference dispatcher takes for a pair.

use std::io::Write;

use clap::Args;

use super::{analyze_common, Common, Error, ExitStatus};
use crate::report::route;
use crate::semantic::Semantic;

#[derive(Args)]
pub struct RouteArgs {
    #[command(flatten)]
    pub common: Common,
    /// The conversation type (name or qualified name).
    #[arg(long)]
    pub conversation: String,
    /// The agent type (name or qualified name).
    #[arg(long)]
    pub agent: String,
}

pub fn run(args: RouteArgs) -> Result<ExitStatus, Error> {
    let (analysis, _) = analyze_common(&args.common)?;
    // The route's text has no place for them; they still must be said.
    for (path, problem) in &analysis.walk_problems {
        crate::stderr_line!("dispatchlint: warning: {}: {problem}", path.display());
    }
    let text = route::explain(&Semantic::new(&analysis), &args.conversation, &args.agent)?;
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")?;
    out.flush()?;
    Ok(ExitStatus::Success)
}
