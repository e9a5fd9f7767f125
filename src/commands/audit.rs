//! `dispatchlint audit`: one report on a repository someone else wrote.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{
    config_resolver, emit, exit_status, paths, settings, warn_if_empty, Common, Error, ExitStatus,
    FailLevel,
};
use crate::analyze;
use crate::lint;
use crate::report::audit;
use crate::semantic::Semantic;
use crate::settings::Config;

#[derive(Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format (`--format` is an alias).
    #[arg(long = "output-format", alias = "format", value_enum, default_value_t = AuditFormat::Markdown)]
    pub format: AuditFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Report findings that suppression comments would hide.
    #[arg(long)]
    pub ignore_noqa: bool,
    /// Exit 0 even when the report has findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Exit 1 only for findings at or above this severity.
    #[arg(long, value_enum, default_value_t)]
    pub fail_level: FailLevel,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AuditFormat {
    Markdown,
    Json,
}

pub fn run(mut args: AuditArgs) -> Result<ExitStatus, Error> {
    args.common.no_cache = true; // never the cache: one-shot, on a tree not ours
    if args.common.cargo.enabled() {
        // cargo obeys the tree's `.cargo/config.toml` and `rust-toolchain.toml`,
        // which can name programs to run: an audit runs nothing.
        return Err(Error(
            "audit never runs cargo (a tree's .cargo/config.toml can make cargo run its programs); \
             use `cargo dispatchlint` in a workspace you trust"
                .into(),
        ));
    }
    let given = paths(&args.common);
    let config = config_resolver(&args.common, Config::default(), &given)?;
    let settings = settings(&args.common, &config)?;
    let analysis = analyze(&given, &settings)?;
    warn_if_empty(&analysis, &args.common);
    let options = lint::Options {
        ignore_noqa: args.ignore_noqa,
    };
    let semantic = Semantic::new(&analysis);
    let result = lint::lint_with(&semantic, &config, &None, &options).map_err(|e| Error(e.0))?;
    let (ignored_by_files, excluded_by_patterns) =
        crate::analysis::excluded_counts(&given, &settings)?;
    let coverage = audit::Coverage {
        ignored_by_files,
        excluded_by_patterns,
        ignore_noqa: args.ignore_noqa,
    };
    emit(&args.output_file, &analysis, |out| {
        match args.format {
            AuditFormat::Markdown => {
                let title: Vec<String> = given.iter().map(|p| p.display().to_string()).collect();
                audit::write_markdown(&semantic, &result, &coverage, &title.join(", "), out)?
            }
            AuditFormat::Json => {
                serde_json::to_writer_pretty(
                    &mut *out,
                    &audit::json_document(&semantic, &result, &coverage),
                )?;
                writeln!(out)?;
            }
        }
        Ok(())
    })?;
    let status = exit_status(&result.findings, args.fail_level, args.exit_zero);
    // The process ends here: the OS reclaims the facts at once (see `finish`).
    std::mem::forget(semantic);
    std::mem::forget(result);
    std::mem::forget(analysis);
    Ok(status)
}
