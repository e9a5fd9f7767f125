//! The hidden `parse` command: discover, decode and parse only, then the
//! phase timings (the floor the benchmark compares the analysis with).

use super::{config_resolver, paths, print_stats, settings, Common, Error, ExitStatus};
use crate::settings::Config;

pub fn run(common: Common) -> Result<ExitStatus, Error> {
    let given = paths(&common);
    let config = config_resolver(&common, Config::default(), &given)?;
    let settings = settings(&common, &config)?;
    let (laps, files, failed) = crate::analysis::parse_only(&given, &settings)?;
    print_stats(laps.iter(), files);
    eprintln!("{failed} file(s) could not be read, decoded or parsed");
    Ok(ExitStatus::Success)
}
