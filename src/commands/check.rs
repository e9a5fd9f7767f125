//! `dispatchlint check`: the dispatch checks, in the chosen format.

use std::collections::HashSet;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{
    analysis_paths, config_resolver, emit, exit_status, finish, paths, settings, warn_if_empty,
    Common, Error, ExitStatus, FailLevel,
};
use crate::analysis::Stdin;
use crate::analyze;
use crate::lint::{self, Baseline};
use crate::report::{agents, findings, output};
use crate::semantic::Semantic;

use super::fixing;
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
    /// Exit 1 only for findings at or above this severity (default: warning,
    /// every finding reported fails the run, as in ruff).
    #[arg(long, value_enum, default_value_t)]
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
    /// Read the source from standard input and report it as NAME, judged
    /// against NAME's project as pre-commit's files are (`check -` reads it
    /// without a name, alone).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
    /// Print how many findings of each code instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Print the files that would be checked, and exit.
    #[arg(long)]
    pub show_files: bool,
    /// Apply the safe fixes, then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// Also apply the unsafe fixes (they may change what runs).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff and change nothing; exit 1 when
    /// there is one.
    #[arg(long, conflicts_with = "fix_only")]
    pub diff: bool,
    /// Apply the fixes and report nothing else.
    #[arg(long)]
    pub fix_only: bool,
    /// Colour in `full` output: `auto` on a terminal without `NO_COLOR`.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Source larger than this on standard input is refused, as a file would be.
const STDIN_LIMIT: u64 = crate::untrusted::SOURCE_LIMIT;

/// `check -` / `--stdin-filename NAME`: the source, as the named file.
fn read_stdin(args: &CheckArgs, cwd: &Path) -> Result<Option<Stdin>, Error> {
    let dash = Path::new("-");
    let named_dash = args.common.paths.iter().any(|p| p == dash);
    if args.stdin_filename.is_none() && !named_dash {
        return Ok(None);
    }
    for other in args.common.paths.iter().filter(|p| *p != dash) {
        crate::stderr_line!(
            "dispatchlint: warning: ignoring {} in favor of standard input",
            crate::escape::path(other)
        );
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(STDIN_LIMIT + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > STDIN_LIMIT {
        return Err(Error(format!(
            "standard input is larger than {STDIN_LIMIT} bytes"
        )));
    }
    let (path, display) = match &args.stdin_filename {
        Some(name) => {
            let path = crate::discover::absolutize(cwd, name);
            let display = crate::discover::display_path(cwd, &path);
            (path, display)
        }
        None => (cwd.join("-"), PathBuf::from("-")),
    };
    Ok(Some(Stdin {
        path,
        display,
        bytes: std::sync::Arc::new(bytes),
    }))
}

pub fn run(args: CheckArgs) -> Result<ExitStatus, Error> {
    let overrides = Config {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        ..Config::default()
    };
    let cwd = std::env::current_dir()?;
    let stdin = read_stdin(&args, &cwd)?;
    let given = match &stdin {
        // Named: judged against the named file's project, as a file alone.
        Some(stdin) if args.stdin_filename.is_some() => vec![stdin.path.clone()],
        Some(_) => Vec::new(),
        None => paths(&args.common),
    };
    // Files alone (as pre-commit passes them): judge them against their
    // projects' hierarchy, report only on them.
    let roots: Vec<PathBuf> = match &args.project_root {
        Some(root) => vec![root.clone()],
        None if args.stdin_filename.is_some() => stdin
            .as_ref()
            .and_then(|s| crate::discover::project_root_of(&s.path))
            .into_iter()
            .collect(),
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
    let only = (args.project_root.is_some() || !roots.is_empty() || stdin.is_some()).then(|| {
        given
            .iter()
            .map(|p| {
                let absolute = crate::discover::absolutize(&cwd, p);
                crate::discover::display_path(&cwd, &absolute)
            })
            .chain(stdin.iter().map(|s| s.display.clone()))
            .collect::<HashSet<PathBuf>>()
    });
    let mut analyzed = roots;
    let mut tree = analyzed.clone();
    tree.extend(given.iter().cloned());
    if stdin.is_none() {
        analyzed.extend(given.iter().cloned());
    }
    let config = config_resolver(&args.common, overrides, &tree)?;
    let mut settings = settings(&args.common, &config)?;
    settings.stdin = stdin;
    // Nothing analyzed but standard input: no project to cache.
    settings.cache &= !analyzed.is_empty();
    if args.show_files {
        let files = crate::analysis::discover_only(&analyzed, &settings)?;
        return emit(&args.output_file, &empty_analysis(), |out| {
            for file in files
                .iter()
                .filter(|f| only.as_ref().is_none_or(|only| only.contains(*f)))
            {
                writeln!(out, "{}", crate::escape::path(file))?;
            }
            Ok(())
        })
        .map(|()| ExitStatus::Success);
    }
    let analysis = analyze(&analyzed, &settings)?;
    if settings.stdin.is_none() {
        warn_if_empty(&analysis, &args.common);
    }
    let semantic = Semantic::new(&analysis);
    let mut clock = crate::analysis::Clock::new();
    let options = lint::Options {
        ignore_noqa: args.ignore_noqa,
    };
    let mut result =
        lint::lint_with(&semantic, &config, &only, &options).map_err(|e| Error(e.0))?;
    clock.lap("checks, suppressions, fingerprints");
    if args.fix || args.fix_only || args.diff {
        if settings.stdin.is_some() {
            return Err(Error(
                "--fix, --fix-only and --diff work on files, not standard input".into(),
            ));
        }
        let fixing = fixing::Options {
            unsafe_fixes: args.unsafe_fixes,
            diff: args.diff,
        };
        let mut fixed = fixing::Fixed::default();
        for _ in 0..fixing::MAX_ROUNDS {
            if !fixing::round(&result, &fixing, &mut fixed) || args.diff {
                break;
            }
            let analysis = analyze(&analyzed, &settings)?;
            result = lint::lint_with(&Semantic::new(&analysis), &config, &only, &options)
                .map_err(|e| Error(e.0))?;
        }
        for (path, why) in &fixed.skipped {
            crate::stderr_line!("dispatchlint: {}: {why}", crate::escape::path(path));
        }
        if args.diff {
            emit(&args.output_file, &analysis, |out| {
                for diff in fixed.diffs.values() {
                    write!(out, "{diff}")?;
                }
                Ok(())
            })?;
            crate::stderr_line!("Would fix {} finding(s).", fixed.applied);
            return Ok(if fixed.diffs.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Findings
            });
        }
        if args.fix_only {
            crate::stderr_line!("Fixed {} finding(s).", fixed.applied);
            return Ok(ExitStatus::Success);
        }
        result.fixed = fixed.applied;
    }
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(&result.findings);
        let text = serde_json::to_string_pretty(&baseline)? + "\n";
        output::write_file(path, text.as_bytes(), &analysis_paths(&analysis))
            .map_err(|e| Error(e.to_string()))?;
        crate::stderr_line!(
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
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            args.output_file.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    // Only the markdown summary shows the agents table.
    let agents_report = if format == findings::Format::Markdown {
        agents::build(&semantic)
    } else {
        agents::AgentsReport::default()
    };
    emit(&args.output_file, &analysis, |out| {
        if args.statistics {
            findings::write_statistics(&result, format == findings::Format::Json, out)?;
        } else {
            findings::write(format, &result, &agents_report, color, out)?;
        }
        Ok(())
    })?;
    clock.lap("report");
    finish(&args.common, semantic, &clock);
    std::mem::forget(agents_report);
    let status = exit_status(&result.findings, args.fail_level, args.exit_zero);
    // As `finish` says: the OS reclaims the facts at once.
    std::mem::forget(result);
    std::mem::forget(analysis);
    Ok(status)
}

/// An analysis of nothing: `emit` refuses to write over analyzed files, and
/// `--show-files` analyzes none.
fn empty_analysis() -> crate::Analysis {
    crate::analysis::from_facts(Vec::new(), &[], &crate::packs::Packs::builtin())
}
