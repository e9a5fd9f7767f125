//! `dispatchlint rule`: a rule's documentation, or the list of rules.

use std::io::Write;

use clap::Args;

use super::{Error, ExitStatus};
use crate::checks;

#[derive(Args)]
pub struct RuleArgs {
    /// The rule code, e.g. DL001.
    pub code: Option<String>,
    /// List every rule.
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: RuleArgs) -> Result<ExitStatus, Error> {
    let mut out = std::io::stdout().lock();
    if args.all || args.code.is_none() {
        for rule in checks::rules() {
            writeln!(out, "{}  {:<28} {}", rule.code, rule.name, rule.summary)?;
        }
        out.flush()?;
        return Ok(ExitStatus::Success);
    }
    let code = args.code.unwrap_or_default().to_ascii_uppercase();
    match checks::rule(&code) {
        Some(rule) => {
            write!(out, "{}", rule.docs)?;
            out.flush()?;
            Ok(ExitStatus::Success)
        }
        None => Err(Error(format!(
            "unknown rule `{code}` (see `dispatchlint rule --all`)"
        ))),
    }
}
