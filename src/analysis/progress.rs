//! What a run shows while it works: phase timings for `--stats`, and a
//! progress bar for large runs on a terminal.

use std::time::{Duration, Instant};

use super::Settings;

/// Phase timings for `--stats`: cheap enough to take on every run.
pub struct Clock {
    last: Instant,
    pub laps: Vec<(&'static str, Duration)>,
}

impl Clock {
    pub fn new() -> Self {
        Clock {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    pub fn lap(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.laps.push((phase, now - self.last));
        self.last = now;
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Above this many files a run takes long enough that a silent terminal looks hung.
const PROGRESS_THRESHOLD: usize = 2_000;

/// A bar on standard error, only for large runs on a terminal; hidden otherwise.
pub(super) fn progress_bar(settings: &Settings, files: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !settings.progress || files < PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} parsing {pos}/{len} files {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}
