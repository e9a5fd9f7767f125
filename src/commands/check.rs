//! `dispatchlint check`: the dispatch checks, in the chosen format.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{
    analysis_paths, config_resolver, emit, paths, print_stats, settings, Common, Error, ExitStatus,
};
use crate::analyze;
use crate::checks::Severity;
use crate::lint::{self, Baseline};
use crate::report::{agents, findings, output};
use crate::settings::Config;

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format (default: full on a terminal, concise otherwise; github under GitHub Actions).
    #[arg(long, value_enum)]
    pub output_format: Option<findings::Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Only these rules (codes or prefixes, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Also these rules.
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Not these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Exit 1 only for findings at or above this severity.
    #[arg(long, value_enum, default_value_t = FailLevel::Warning)]
    pub fail_level: FailLevel,
    /// Report only findings that are not in this baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Report only on the files given on the command line, resolving their
    /// hierarchy from the whole project under ROOT. When only files are given,
    /// this is the default, with each file's project as ROOT: its git
    /// repository, else the nearest directory with a `pyproject.toml`,
    /// `setup.py`, `setup.cfg`, `dispatchlint.toml` or `Cargo.toml` (never
    /// the home directory or the filesystem root).
    #[arg(long, value_name = "ROOT")]
    pub project_root: Option<PathBuf>,
    /// Report findings that suppression comments would hide.
    #[arg(long)]
    pub ignore_noqa: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FailLevel {
    Warning,
    Error,
}

pub fn run(args: CheckArgs) -> Result<ExitStatus, Error> {
    let overrides = Config {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        ..Config::default()
    };
    let given = paths(&args.common);
    let cwd = std::env::current_dir()?;
    // Files alone (as pre-commit passes them): judge them against their
    // projects' hierarchy, report only on them.
    let roots: Vec<PathBuf> = match &args.project_root {
        Some(root) => vec![root.clone()],
        None if !args.common.paths.is_empty() && given.iter().all(|p| p.is_file()) => {
            let mut roots: Vec<PathBuf> = Vec::new();
            for file in &given {
                let absolute = crate::discover::absolutize(&cwd, file);
                if let Some(root) = crate::discover::project_root_of(&absolute) {
                    if !roots.contains(&root) {
                        roots.push(root);
                    }
                }
            }
            roots
        }
        None => Vec::new(),
    };
    let only = (args.project_root.is_some() || !roots.is_empty()).then(|| {
        given
            .iter()
            .map(|p| {
                let absolute = crate::discover::absolutize(&cwd, p);
                crate::discover::display_path(&cwd, &absolute)
            })
            .collect::<HashSet<PathBuf>>()
    });
    let mut analyzed = roots;
    analyzed.extend(given.iter().cloned());
    let config = config_resolver(&args.common, overrides, &analyzed)?;
    let settings = settings(&args.common, &config)?;
    let analysis = analyze(&analyzed, &settings)?;
    let mut clock = crate::analysis::Clock::new();
    let options = lint::Options {
        ignore_noqa: args.ignore_noqa,
    };
    let mut result =
        lint::lint_with(&analysis, &config, &only, &options).map_err(|e| Error(e.0))?;
    clock.lap("checks, suppressions, fingerprints");
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(&result.findings);
        let text = serde_json::to_string_pretty(&baseline)? + "\n";
        output::write_file(path, text.as_bytes(), &analysis_paths(&analysis))
            .map_err(|e| Error(e.to_string()))?;
        eprintln!(
            "dispatchlint: wrote {} finding(s) to the baseline {}",
            result.findings.len(),
            path.display()
        );
        return Ok(ExitStatus::Success);
    }
    if let Some(path) = &args.baseline {
        Baseline::read(path)
            .map_err(|e| Error(e.0))?
            .apply(&mut result);
    }
    let format = args.output_format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            findings::Format::Github
        } else if args.output_file.is_none() && std::io::stdout().is_terminal() {
            findings::Format::Full
        } else {
            findings::Format::Concise
        }
    });
    let color = args.output_file.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    // Only the markdown summary shows the agents table.
    let agents_report = if format == findings::Format::Markdown {
        agents::build(&analysis)
    } else {
        agents::AgentsReport::default()
    };
    emit(&args.output_file, &analysis, |out| {
        findings::write(format, &result, &agents_report, color, out)?;
        Ok(())
    })?;
    clock.lap("report");
    if args.common.stats {
        print_stats(
            analysis.timings.iter().chain(&clock.laps),
            analysis.files.len(),
        );
    }
    // The process ends here: freeing every fact one by one took 5-10% of the
    // run in the profile, and the OS reclaims it all at once anyway.
    std::mem::forget(analysis);
    std::mem::forget(agents_report);
    let threshold = match args.fail_level {
        FailLevel::Warning => Severity::Warning,
        FailLevel::Error => Severity::Error,
    };
    let failing = result.findings.iter().any(|f| f.severity >= threshold);
    Ok(if failing && !args.exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
