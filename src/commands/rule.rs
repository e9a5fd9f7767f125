//! `dispatchlint rule`: a rule's documentation, or the list of rules.

use std::io::Write;

use clap::Args;

use super::{Error, ExitStatus};
use crate::checks;

#[derive(Args)]
pub struct RuleArgs {
    /// The rule's code (DL001) or name (guard-ignores-agent; a name that
    /// several rules share prints each of them).
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
    let asked = args.code.unwrap_or_default();
    let code = asked.to_ascii_uppercase();
    let found: Vec<&checks::Rule> = match checks::rule(&code) {
        Some(rule) => vec![rule],
        None => checks::rules()
            .iter()
            .copied()
            .filter(|r| r.name.eq_ignore_ascii_case(asked.trim()))
            .collect(),
    };
    if found.is_empty() {
        return Err(Error(format!(
            "unknown rule `{}` (see `dispatchlint rule --all`)",
            crate::escape::text(&asked)
        )));
    }
    for (index, rule) in found.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write!(out, "{}", rule.docs)?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
