//! `cargo dispatchlint [check|agents|audit] [ARGS]`: cargo runs this as
//! `cargo-dispatchlint dispatchlint ARGS`; it runs the `dispatchlint`
//! installed beside it with `--cargo`, which makes it read the workspace
//! that `cargo metadata` describes (members' targets, dependency sources,
//! features). Exit codes are `dispatchlint`'s.

use std::process::{Command, ExitCode};

const HELP: &str = "Lint the cargo workspace for agent dispatch bugs

Usage: cargo dispatchlint [check|agents|audit] [OPTIONS]

Runs `dispatchlint SUBCOMMAND --cargo [OPTIONS]`: analyzes the workspace members' targets and
reads role traits from dependency sources found by `cargo metadata`.

Cargo options: --manifest-path PATH, --offline, --features F, --all-features,
--no-default-features. See `dispatchlint check --help` for the rest.
";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // Cargo passes the subcommand's name first.
    if args.first().map(String::as_str) == Some("dispatchlint") {
        args.remove(0);
    }
    match args.first().map(String::as_str) {
        Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some("-V" | "--version") => {
            println!("cargo-dispatchlint {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("check" | "agents" | "audit") => {}
        Some(other) if !other.starts_with('-') => {
            dispatchlint::stderr_line!(
                "cargo-dispatchlint: error: unknown subcommand `{other}` (expected check, agents or audit)"
            );
            return ExitCode::from(2);
        }
        _ => args.insert(0, "check".into()),
    }
    args.insert(1, "--cargo".into());
    // The `dispatchlint` installed with this binary, else the one on PATH.
    let beside = std::env::current_exe().ok().and_then(|exe| {
        let name = format!("dispatchlint{}", std::env::consts::EXE_SUFFIX);
        let path = exe.with_file_name(name);
        path.is_file().then_some(path)
    });
    let program = beside.unwrap_or_else(|| "dispatchlint".into());
    match Command::new(&program).args(&args).status() {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(code.clamp(0, 255) as u8),
            None => ExitCode::from(2),
        },
        Err(error) => {
            dispatchlint::stderr_line!(
                "cargo-dispatchlint: error: cannot run {}: {error}",
                program.display()
            );
            ExitCode::from(2)
        }
    }
}
