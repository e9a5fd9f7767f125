//! The subcommands, one file each (as ruff's `commands/`): each takes its
//! parsed arguments and returns what the run found; `main.rs` turns that into
//! an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::settings::{self, Config};
use crate::untrusted::Tree;
use crate::{analyze, Settings};

pub mod agents;
pub mod audit;
pub mod check;
mod fixing;
pub mod parse;
pub mod route;
pub mod rule;
pub mod server;
pub mod show_settings;

/// How a command that ran ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Exit 0.
    Success,
    /// Exit 1: findings at or above the fail level.
    Findings,
}

/// Why a command could not run (exit 2), or a reader that went away.
#[derive(Debug)]
pub struct Error(pub String);

impl<E: std::fmt::Display + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        if is_broken_pipe(&error) {
            return Error(BROKEN_PIPE.into());
        }
        Error(error.to_string())
    }
}

/// A reader that stopped reading (`| head`): not an error, as in ruff.
const BROKEN_PIPE: &str = "\0broken pipe";

impl Error {
    /// The output's reader went away: the run ends quietly, exit 0.
    pub fn is_closed_pipe(&self) -> bool {
        self.0 == BROKEN_PIPE
    }
}

fn is_broken_pipe(error: &dyn std::any::Any) -> bool {
    let kind = if let Some(io) = error.downcast_ref::<std::io::Error>() {
        Some(io.kind())
    } else {
        error
            .downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind)
    };
    kind == Some(std::io::ErrorKind::BrokenPipe)
}

#[derive(Args)]
pub struct Common {
    /// Files or directories to analyze (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Index Python sources under DIR for imported modules (repeatable).
    #[arg(long, value_name = "DIR")]
    pub python_path: Vec<PathBuf>,
    /// Add a rule pack (repeatable).
    #[arg(long, value_name = "FILE")]
    pub pack: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Use this configuration file for every file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore all configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print each phase's wall time on standard error (for the benchmark).
    #[arg(long, hide = true)]
    pub stats: bool,
    /// Do not read or write the per-file facts cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Analyze files that `.gitignore`, `.ignore` and `.git/info/exclude` hide.
    #[arg(long)]
    pub no_respect_gitignore: bool,
    #[command(flatten)]
    pub cargo: crate::cargo::CargoArgs,
}

pub(crate) fn settings(common: &Common, config: &settings::Resolver) -> Result<Settings, Error> {
    let options = settings::RunOptions {
        exclude: common.exclude.clone(),
        python_path: common.python_path.clone(),
        packs: common.pack.clone(),
        threads: common.threads,
        progress: !common.quiet,
        cache: !common.no_cache,
        respect_ignore_files: !common.no_respect_gitignore,
    };
    let cwd = std::env::current_dir()?;
    let mut settings =
        settings::analysis_settings(&options, config, &cwd).map_err(|e| Error(e.0))?;
    settings
        .python_path
        .extend(crate::analysis::default_python_path());
    if common.cargo.enabled() {
        crate::cargo::workspace(&common.cargo)?.apply(&mut settings);
    }
    Ok(settings)
}

pub(crate) fn paths(common: &Common) -> Vec<PathBuf> {
    if common.paths.is_empty() && common.cargo.enabled() {
        // An error is reported when the settings are made.
        if let Ok(workspace) = crate::cargo::workspace(&common.cargo) {
            return workspace.target_dirs.clone();
        }
    }
    if common.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        common.paths.clone()
    }
}

/// The analysis the read-only commands share, with the configuration it used.
pub(crate) fn analyze_common(
    common: &Common,
) -> Result<(crate::Analysis, settings::Resolver), Error> {
    let given = paths(common);
    let config = config_resolver(common, Config::default(), &given)?;
    let settings = settings(common, &config)?;
    let analysis = analyze(&given, &settings)?;
    Ok((analysis, config))
}

/// The configuration in effect, confined to the tree made of `analyzed`.
pub(crate) fn config_resolver(
    common: &Common,
    overrides: Config,
    analyzed: &[PathBuf],
) -> Result<settings::Resolver, Error> {
    let cwd = std::env::current_dir()?;
    let tree = Tree::new(&cwd, analyzed.iter().map(PathBuf::as_path));
    Ok(
        settings::Resolver::new(common.config.as_deref(), common.isolated, overrides)
            .map_err(|e| Error(e.0))?
            .with_tree(tree),
    )
}

/// Writes a report where it was asked for: standard output, or a file
/// written whole through a temporary file and a rename (a failed run never
/// leaves half a report), never over a file the run analyzed.
pub(crate) fn emit(
    path: &Option<PathBuf>,
    analysis: &crate::Analysis,
    write: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
        Some(path) => {
            let mut bytes = Vec::new();
            write(&mut bytes)?;
            crate::report::output::write_file(path, &bytes, &analysis_paths(analysis))
                .map_err(|e| Error(e.to_string()))
        }
    }
}

pub(crate) fn analysis_paths(analysis: &crate::Analysis) -> Vec<&Path> {
    analysis.files.iter().map(|f| f.path.as_path()).collect()
}

/// `--fail-level`: the least severe finding that makes the run exit 1. The
/// default, `warning`, fails on every finding reported, as ruff does and as
/// clippy does under `-D warnings` in CI; `error` lets warnings pass.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum FailLevel {
    #[default]
    Warning,
    Error,
}

/// Exit 1 when a finding reaches the fail level, unless `--exit-zero`.
pub(crate) fn exit_status(
    findings: &[crate::lint::Reported],
    fail_level: FailLevel,
    exit_zero: bool,
) -> ExitStatus {
    let threshold = match fail_level {
        FailLevel::Warning => crate::checks::Severity::Warning,
        FailLevel::Error => crate::checks::Severity::Error,
    };
    if !exit_zero && findings.iter().any(|f| f.severity >= threshold) {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

/// As ruff: a run that found no file to analyze says so on standard error
/// (a wheel, a directory of wheels, a FIFO); the exit code is unchanged.
pub(crate) fn warn_if_empty(analysis: &crate::Analysis, common: &Common) {
    if analysis.files.iter().any(|f| !f.library) {
        return;
    }
    let given: Vec<String> = paths(common)
        .iter()
        .map(|p| crate::escape::path(p))
        .collect();
    crate::stderr_line!(
        "dispatchlint: warning: no Python or Rust files found under {}",
        given.join(", ")
    );
}

/// The end of a run that printed its report: the `--stats` lines, then the
/// analysis left to the OS (the process ends here: freeing every fact one by
/// one took 5-10% of the run in the profile, and the OS reclaims it at once).
pub(crate) fn finish(
    common: &Common,
    semantic: crate::semantic::Semantic<'_>,
    clock: &crate::analysis::Clock,
) {
    let analysis = semantic.analysis;
    if common.stats {
        print_stats(
            analysis
                .timings
                .iter()
                .chain(&semantic.timings)
                .chain(&clock.laps),
            analysis.files.len(),
        );
    }
    std::mem::forget(semantic);
}

/// The hidden `--stats` output: one phase per line, then the total.
pub(crate) fn print_stats<'a>(
    laps: impl Iterator<Item = &'a (&'static str, std::time::Duration)>,
    files: usize,
) {
    let mut total = std::time::Duration::ZERO;
    for (phase, took) in laps {
        total += *took;
        crate::stderr_line!("{phase:<38} {:>9.1} ms", took.as_secs_f64() * 1e3);
    }
    crate::stderr_line!(
        "{:<38} {:>9.1} ms ({files} files)",
        "total",
        total.as_secs_f64() * 1e3
    );
}
