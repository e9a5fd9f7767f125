//! Prints the dispatch checks' findings for the given paths, one per line,
//! with their labels: `cargo run --example findings -- PATH...`.

use std::path::PathBuf;

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let settings = dispatchlint::Settings::default();
    let analysis = match dispatchlint::analyze(&paths, &settings) {
        Ok(analysis) => analysis,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    let findings = dispatchlint::checks::run(&analysis, &|code| code != "DL000");
    for finding in &findings {
        let path = analysis.files[finding.file].path.display();
        let at = finding.location;
        println!(
            "{path}:{}:{}-{}:{}: {} {}",
            at.line, at.column, at.end_line, at.end_column, finding.code, finding.message
        );
        println!("    help: {}", finding.help);
        for label in &finding.labels {
            println!(
                "    {}:{}: {}",
                label.location.line, label.location.column, label.message
            );
        }
    }
    eprintln!(
        "{} findings in {} files",
        findings.len(),
        analysis.files.len()
    );
}
