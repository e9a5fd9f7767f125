//! The command line: argument handling and exit codes, nothing else.
//!
//! Exit codes: 0 no findings at or above the fail level, 1 findings, 2 usage,
//! configuration or I/O error (and internal errors).

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use dispatchlint::checks::{self, Severity};
use dispatchlint::lint::{self, Baseline};
use dispatchlint::report::{agents, audit, findings, graph, output, route};
use dispatchlint::settings::{self, Config};
use dispatchlint::untrusted::Tree;
use dispatchlint::{analyze, Settings};

// Parsing and fact extraction allocate many small objects on every worker;
// glibc malloc took about a third of the run in the profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "dispatchlint",
    version = version(),
    about = "Finds where agent dispatchers send sync-only agents down the async path"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn version() -> &'static str {
    let packs = dispatchlint::packs::Packs::builtin().versions().join(", ");
    Box::leak(format!("{} (packs: {packs})", env!("CARGO_PKG_VERSION")).into_boxed_str())
}

#[derive(Subcommand)]
enum Command {
    /// Run the dispatch checks.
    Check(CheckArgs),
    /// List every agent and conversation type with its async capability.
    Agents(AgentsArgs),
    /// Print the route the dispatcher takes for a conversation and an agent type.
    Route(RouteArgs),
    /// Print a rule's documentation.
    Rule(RuleArgs),
    /// Print the settings in effect for a path.
    ShowSettings(ShowSettingsArgs),
    /// Audit a repository: agents, routes, findings and unknowns in one markdown report.
    Audit(AuditArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Discover, decode and parse only, then print the phase timings: the
    /// floor the benchmark compares the analysis with.
    #[command(hide = true)]
    Parse(Common),
}

#[derive(Args)]
struct Common {
    /// Files or directories to analyze (default: the current directory).
    paths: Vec<PathBuf>,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Index Python sources under DIR for imported modules (repeatable).
    #[arg(long, value_name = "DIR")]
    python_path: Vec<PathBuf>,
    /// Add a rule pack (repeatable).
    #[arg(long, value_name = "FILE")]
    pack: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Use this configuration file for every file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore all configuration files.
    #[arg(long)]
    isolated: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
    /// Print each phase's wall time on standard error (for the benchmark).
    #[arg(long, hide = true)]
    stats: bool,
    /// Do not read or write the per-file facts cache.
    #[arg(long)]
    no_cache: bool,
    /// Analyze files that `.gitignore`, `.ignore` and `.git/info/exclude` hide.
    #[arg(long)]
    no_respect_gitignore: bool,
    #[command(flatten)]
    cargo: dispatchlint::cargo::CargoArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum AgentsFormat {
    Human,
    Json,
    /// Graphviz: the role hierarchy, nodes coloured by verdict.
    Dot,
    /// A Mermaid flowchart of the same graph.
    Mermaid,
}

#[derive(Args)]
struct AgentsArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = AgentsFormat::Human)]
    format: AgentsFormat,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    common: Common,
    /// Output format (default: full on a terminal, concise otherwise; github under GitHub Actions).
    #[arg(long, value_enum)]
    output_format: Option<findings::Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Only these rules (codes or prefixes, comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Also these rules.
    #[arg(long, value_delimiter = ',')]
    extend_select: Vec<String>,
    /// Not these rules.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Exit 1 only for findings at or above this severity.
    #[arg(long, value_enum, default_value_t = FailLevel::Warning)]
    fail_level: FailLevel,
    /// Report only findings that are not in this baseline.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in FILE and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Report only on the files given on the command line, resolving their
    /// hierarchy from the whole project under ROOT. When only files are given,
    /// this is the default, with each file's project as ROOT: its git
    /// repository, else the nearest directory with a `pyproject.toml`,
    /// `setup.py`, `setup.cfg`, `dispatchlint.toml` or `Cargo.toml` (never
    /// the home directory or the filesystem root).
    #[arg(long, value_name = "ROOT")]
    project_root: Option<PathBuf>,
    /// Report findings that suppression comments would hide.
    #[arg(long)]
    ignore_noqa: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailLevel {
    Warning,
    Error,
}

#[derive(Args)]
struct RouteArgs {
    #[command(flatten)]
    common: Common,
    /// The conversation type (name or qualified name).
    #[arg(long)]
    conversation: String,
    /// The agent type (name or qualified name).
    #[arg(long)]
    agent: String,
}

#[derive(Args)]
struct AuditArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = AuditFormat::Markdown)]
    format: AuditFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Report findings that suppression comments would hide.
    #[arg(long)]
    ignore_noqa: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum AuditFormat {
    Markdown,
    Json,
}

#[derive(Args)]
struct CompletionsArgs {
    shell: clap_complete::Shell,
}

#[derive(Args)]
struct RuleArgs {
    /// The rule code, e.g. DL001.
    code: Option<String>,
    /// List every rule.
    #[arg(long)]
    all: bool,
}

#[derive(Args)]
struct ShowSettingsArgs {
    /// The file or directory whose settings to show.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[arg(long)]
    isolated: bool,
}

struct Failure(String);

impl<E: std::fmt::Display + 'static> From<E> for Failure {
    fn from(error: E) -> Self {
        if is_broken_pipe(&error) {
            return Failure(BROKEN_PIPE.into());
        }
        Failure(error.to_string())
    }
}

/// A reader that stopped reading (`| head`): not an error, as in ruff.
const BROKEN_PIPE: &str = "\0broken pipe";

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

fn settings(common: &Common, config: &settings::Resolver) -> Result<Settings, Failure> {
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
        settings::analysis_settings(&options, config, &cwd).map_err(|e| Failure(e.0))?;
    settings
        .python_path
        .extend(dispatchlint::analysis::default_python_path());
    if common.cargo.enabled() {
        dispatchlint::cargo::workspace(&common.cargo)?.apply(&mut settings);
    }
    Ok(settings)
}

fn paths(common: &Common) -> Vec<PathBuf> {
    if common.paths.is_empty() && common.cargo.enabled() {
        // An error is reported when the settings are made.
        if let Ok(workspace) = dispatchlint::cargo::workspace(&common.cargo) {
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
fn analyze_common(
    common: &Common,
) -> Result<(dispatchlint::Analysis, settings::Resolver), Failure> {
    let given = paths(common);
    let config = config_resolver(common, Config::default(), &given)?;
    let settings = settings(common, &config)?;
    let analysis = analyze(&given, &settings)?;
    Ok((analysis, config))
}

/// The configuration in effect, confined to the tree made of `analyzed`.
fn config_resolver(
    common: &Common,
    overrides: Config,
    analyzed: &[PathBuf],
) -> Result<settings::Resolver, Failure> {
    let cwd = std::env::current_dir()?;
    let tree = Tree::new(&cwd, analyzed.iter().map(PathBuf::as_path));
    Ok(
        settings::Resolver::new(common.config.as_deref(), common.isolated, overrides)
            .map_err(|e| Failure(e.0))?
            .with_tree(tree),
    )
}

/// Writes a report where it was asked for: standard output, or a file
/// written whole through a temporary file and a rename (a failed run never
/// leaves half a report), never over a file the run analyzed.
fn emit(
    path: &Option<PathBuf>,
    analysis: &dispatchlint::Analysis,
    write: impl FnOnce(&mut dyn Write) -> Result<(), Failure>,
) -> Result<(), Failure> {
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
            output::write_file(path, &bytes, &analysis_paths(analysis))
                .map_err(|e| Failure(e.to_string()))
        }
    }
}

fn analysis_paths(analysis: &dispatchlint::Analysis) -> Vec<&Path> {
    analysis.files.iter().map(|f| f.path.as_path()).collect()
}

fn check(args: CheckArgs) -> Result<ExitCode, Failure> {
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
                let absolute = dispatchlint::discover::absolutize(&cwd, file);
                if let Some(root) = dispatchlint::discover::project_root_of(&absolute) {
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
                let absolute = dispatchlint::discover::absolutize(&cwd, p);
                dispatchlint::discover::display_path(&cwd, &absolute)
            })
            .collect::<HashSet<PathBuf>>()
    });
    let mut analyzed = roots;
    analyzed.extend(given.iter().cloned());
    let config = config_resolver(&args.common, overrides, &analyzed)?;
    let settings = settings(&args.common, &config)?;
    let analysis = analyze(&analyzed, &settings)?;
    let mut clock = dispatchlint::analysis::Clock::new();
    let options = lint::Options {
        ignore_noqa: args.ignore_noqa,
    };
    let mut result =
        lint::lint_with(&analysis, &config, &only, &options).map_err(|e| Failure(e.0))?;
    clock.lap("checks, suppressions, fingerprints");
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(&result.findings);
        let text = serde_json::to_string_pretty(&baseline)? + "\n";
        output::write_file(path, text.as_bytes(), &analysis_paths(&analysis))
            .map_err(|e| Failure(e.to_string()))?;
        eprintln!(
            "dispatchlint: wrote {} finding(s) to the baseline {}",
            result.findings.len(),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.baseline {
        Baseline::read(path)
            .map_err(|e| Failure(e.0))?
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
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The hidden `--stats` output: one phase per line, then the total.
fn print_stats<'a>(
    laps: impl Iterator<Item = &'a (&'static str, std::time::Duration)>,
    files: usize,
) {
    let mut total = std::time::Duration::ZERO;
    for (phase, took) in laps {
        total += *took;
        eprintln!("{phase:<38} {:>9.1} ms", took.as_secs_f64() * 1e3);
    }
    eprintln!(
        "{:<38} {:>9.1} ms ({files} files)",
        "total",
        total.as_secs_f64() * 1e3
    );
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Parse(common) => {
            let given = paths(&common);
            let config = config_resolver(&common, Config::default(), &given)?;
            let settings = settings(&common, &config)?;
            let (laps, files, failed) = dispatchlint::analysis::parse_only(&given, &settings)?;
            print_stats(laps.iter(), files);
            eprintln!("{failed} file(s) could not be read, decoded or parsed");
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => check(args),
        Command::Agents(args) => {
            let (analysis, _) = analyze_common(&args.common)?;
            let mut clock = dispatchlint::analysis::Clock::new();
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(mut args) => {
            args.common.no_cache = true; // never the cache: one-shot, on a tree not ours
            let given = paths(&args.common);
            let config = config_resolver(&args.common, Config::default(), &given)?;
            let settings = settings(&args.common, &config)?;
            let analysis = analyze(&given, &settings)?;
            let options = lint::Options {
                ignore_noqa: args.ignore_noqa,
            };
            let result =
                lint::lint_with(&analysis, &config, &None, &options).map_err(|e| Failure(e.0))?;
            let (ignored_by_files, excluded_by_patterns) =
                dispatchlint::analysis::excluded_counts(&given, &settings)?;
            let coverage = audit::Coverage {
                ignored_by_files,
                excluded_by_patterns,
                ignore_noqa: args.ignore_noqa,
            };
            emit(&args.output_file, &analysis, |out| {
                match args.format {
                    AuditFormat::Markdown => {
                        let title: Vec<String> =
                            given.iter().map(|p| p.display().to_string()).collect();
                        audit::write_markdown(
                            &analysis,
                            &result,
                            &coverage,
                            &title.join(", "),
                            out,
                        )?
                    }
                    AuditFormat::Json => {
                        serde_json::to_writer_pretty(
                            &mut *out,
                            &audit::json_document(&analysis, &result, &coverage),
                        )?;
                        writeln!(out)?;
                    }
                }
                Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "dispatchlint", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Route(args) => {
            let (analysis, _) = analyze_common(&args.common)?;
            // The route's text has no place for them; they still must be said.
            for (path, problem) in &analysis.walk_problems {
                eprintln!("dispatchlint: warning: {}: {problem}", path.display());
            }
            let text = route::explain(&analysis, &args.conversation, &args.agent)?;
            let mut out = std::io::stdout().lock();
            write!(out, "{text}")?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rule(args) => {
            let mut out = std::io::stdout().lock();
            if args.all || args.code.is_none() {
                for rule in checks::rules() {
                    writeln!(out, "{}  {:<28} {}", rule.code, rule.name, rule.summary)?;
                }
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            let code = args.code.unwrap_or_default().to_ascii_uppercase();
            match checks::rule(&code) {
                Some(rule) => {
                    write!(out, "{}", rule.docs)?;
                    out.flush()?;
                    Ok(ExitCode::SUCCESS)
                }
                None => Err(Failure(format!(
                    "unknown rule `{code}` (see `dispatchlint rule --all`)"
                ))),
            }
        }
        Command::ShowSettings(args) => {
            let cwd = std::env::current_dir()?;
            let tree = Tree::new(&cwd, [args.path.as_path()]);
            let config =
                settings::Resolver::new(args.config.as_deref(), args.isolated, Config::default())
                    .map_err(|e| Failure(e.0))?
                    .with_tree(tree);
            let dir = if args.path.is_dir() {
                args.path.clone()
            } else {
                args.path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            };
            let dir = dispatchlint::discover::absolutize(&cwd, &dir);
            let located = config.for_dir(&dir).map_err(|e| Failure(e.0))?;
            let rules = config
                .rules_for(&dir.join("__file__"))
                .map_err(|e| Failure(e.0))?;
            let mut out = std::io::stdout().lock();
            match &located {
                Some(l) => writeln!(
                    out,
                    "config file: {}",
                    l.path
                        .as_ref()
                        .map_or("-".into(), |p| p.display().to_string())
                )?,
                None => writeln!(out, "config file: none (defaults)")?,
            }
            if let Some(l) = &located {
                writeln!(out, "{}", toml::to_string_pretty(&l.config)?.trim_end())?;
            }
            writeln!(out, "enabled rules: {}", rules.enabled().join(", "))?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    // A panic is our bug, not the user's: one line asking for a report, exit 2.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "dispatchlint: internal error{location}: {payload}\nThis is a bug in dispatchlint; please report it with the command you ran."
        );
    }));
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(Failure(message))) if message == BROKEN_PIPE => ExitCode::SUCCESS,
        Ok(Err(Failure(message))) => {
            eprintln!("dispatchlint: error: {message}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
