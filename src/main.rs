//! The command line: argument handling and exit codes, nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use dispatchlint::report::agents;
use dispatchlint::{analyze, Settings};

#[derive(Parser)]
#[command(
    name = "dispatchlint",
    version,
    about = "Finds where agent dispatchers send sync-only agents down the async path"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every agent and conversation type with its async capability.
    Agents(AgentsArgs),
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
}

#[derive(Clone, Copy, ValueEnum)]
enum AgentsFormat {
    Human,
    Json,
}

#[derive(Args)]
struct AgentsArgs {
    #[command(flatten)]
    common: Common,
    #[arg(long, value_enum, default_value_t = AgentsFormat::Human)]
    format: AgentsFormat,
}

fn settings(common: &Common) -> Result<Settings, String> {
    let mut settings = Settings {
        excludes: common.exclude.clone(),
        python_path: common.python_path.clone(),
        threads: common.threads,
        ..Settings::default()
    };
    for pack in &common.pack {
        settings.packs.load_file(pack).map_err(|e| e.to_string())?;
    }
    settings
        .python_path
        .extend(dispatchlint::analysis::default_python_path());
    Ok(settings)
}

fn paths(common: &Common) -> Vec<PathBuf> {
    if common.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        common.paths.clone()
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Agents(args) => {
            let settings = settings(&args.common)?;
            let analysis = analyze(&paths(&args.common), &settings).map_err(|e| e.to_string())?;
            let report = agents::build(&analysis);
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match args.format {
                AgentsFormat::Human => agents::write_human(&report, &mut out),
                AgentsFormat::Json => agents::write_json(&report, &mut out),
            }
            .map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("dispatchlint: error: {message}");
            ExitCode::from(2)
        }
    }
}
