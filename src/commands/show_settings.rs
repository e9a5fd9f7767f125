//! `dispatchlint show-settings`: the configuration in effect for a path.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Error, ExitStatus};
use crate::settings::{self, Config};
use crate::untrusted::Tree;

#[derive(Args)]
pub struct ShowSettingsArgs {
    /// The file or directory whose settings to show.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long)]
    pub isolated: bool,
}

pub fn run(args: ShowSettingsArgs) -> Result<ExitStatus, Error> {
    let cwd = std::env::current_dir()?;
    let tree = Tree::new(&cwd, [args.path.as_path()]);
    let config = settings::Resolver::new(args.config.as_deref(), args.isolated, Config::default())
        .map_err(|e| Error(e.0))?
        .with_tree(tree);
    let dir = if args.path.is_dir() {
        args.path.clone()
    } else {
        args.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let dir = crate::discover::absolutize(&cwd, &dir);
    let located = config.for_dir(&dir).map_err(|e| Error(e.0))?;
    let rules = config
        .rules_for(&dir.join("__file__"))
        .map_err(|e| Error(e.0))?;
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
    Ok(ExitStatus::Success)
}
