//! The command line: argument handling and exit codes, nothing else; each
//! subcommand is a file of `dispatchlint::commands`.
//!
//! Exit codes: 0 no findings at or above the fail level, 1 findings, 2 usage,
//! configuration or I/O error (and internal errors).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use dispatchlint::commands::{self, Error, ExitStatus};

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
    Check(commands::check::CheckArgs),
    /// List every agent and conversation type with its async capability.
    Agents(commands::agents::AgentsArgs),
    /// Print the route the dispatcher takes for a conversation and an agent type.
    Route(commands::route::RouteArgs),
    /// Print a rule's documentation.
    Rule(commands::rule::RuleArgs),
    /// Print the settings in effect for a path.
    ShowSettings(commands::show_settings::ShowSettingsArgs),
    /// Audit a repository: agents, routes, findings and unknowns in one markdown report.
    Audit(commands::audit::AuditArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Run the language server on standard input and output.
    Server(commands::server::ServerArgs),
    /// Discover, decode and parse only, then print the phase timings: the
    /// floor the benchmark compares the analysis with.
    #[command(hide = true)]
    Parse(commands::Common),
}

#[derive(Args)]
struct CompletionsArgs {
    shell: clap_complete::Shell,
}

fn run(cli: Cli) -> Result<ExitStatus, Error> {
    match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Agents(args) => commands::agents::run(args),
        Command::Route(args) => commands::route::run(args),
        Command::Rule(args) => commands::rule::run(args),
        Command::ShowSettings(args) => commands::show_settings::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Parse(common) => commands::parse::run(common),
        Command::Server(args) => commands::server::run(args),
        Command::Completions(args) => {
            // Written whole, so that a closed pipe is one error, not a panic.
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "dispatchlint", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(ExitStatus::Success)
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
        dispatchlint::stderr_line!(
            "dispatchlint: internal error{location}: {payload}\nThis is a bug in dispatchlint; please report it with the command you ran."
        );
    }));
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(ExitStatus::Success)) => ExitCode::SUCCESS,
        Ok(Ok(ExitStatus::Findings)) => ExitCode::from(1),
        Ok(Err(error)) if error.is_closed_pipe() => ExitCode::SUCCESS,
        Ok(Err(Error(message))) => {
            dispatchlint::stderr_line!("dispatchlint: error: {message}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
