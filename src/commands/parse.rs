//! The hidden `parse` command: discover, decode and parse only, then the
//! phase timings (the floor the benchmark compares the analysis with).

use std::path::PathBuf;
use std::time::Duration;

use super::{config_resolver, paths, print_stats, settings, Common, Error, ExitStatus};
use crate::analysis::{discover_files, each_file, parse_pool, Clock};
use crate::model::Language;
use crate::settings::Config;
use crate::{python, untrusted, Settings};

pub fn run(common: Common) -> Result<ExitStatus, Error> {
    let given = paths(&common);
    let config = config_resolver(&common, Config::default(), &given)?;
    let settings = settings(&common, &config)?;
    let (laps, files, failed) = parse_only(&given, &settings)?;
    print_stats(laps.iter(), files);
    crate::stderr_line!("{failed} file(s) could not be read, decoded or parsed");
    Ok(ExitStatus::Success)
}

/// What `parse_only` measured: phase timings, files seen, files that failed.
type ParseStats = (Vec<(&'static str, Duration)>, usize, usize);

/// The floor under `analyze`: discover, read, decode and parse every file in
/// the same pool, and nothing else (the hidden `parse` command, so that the
/// benchmark shows what the analysis costs over parsing). Returns the phase
/// timings and how many files failed to read, decode or parse.
fn parse_only(
    paths: &[PathBuf],
    settings: &Settings,
) -> Result<ParseStats, crate::analysis::AnalyzeError> {
    let mut clock = Clock::new();
    let (found, _) = discover_files(paths, settings)?;
    clock.lap("discover");
    let pool = parse_pool(settings)?;
    let failed: usize = pool.install(|| {
        each_file(&found, |file| match file.language {
            Language::Python => match python::read_source(&file.path) {
                Ok(text) => usize::from(!python::parse::parse_module(&text).errors.is_empty()),
                Err(_) => 1,
            },
            Language::Rust => match untrusted::read_text(&file.path, untrusted::SOURCE_LIMIT) {
                Ok(text) => usize::from(syn::parse_file(&text).is_err()),
                Err(_) => 1,
            },
        })
        .into_iter()
        .sum()
    });
    clock.lap("read, parse");
    Ok((clock.laps, found.len(), failed))
}
