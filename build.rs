//! Registers the checks: every `src/checks/dlNNN_*.rs` becomes a module of
//! `checks` and its `RULE` an entry of the registry, in code order, so that
//! adding a check touches only its own file, docs and fixtures.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("src/checks");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut modules: Vec<String> = std::fs::read_dir(dir)
        .expect("src/checks is readable")
        .map(|entry| entry.expect("src/checks lists").file_name())
        .filter_map(|name| name.to_str().map(str::to_owned))
        .filter(|name| is_check(name))
        .map(|name| name.trim_end_matches(".rs").to_owned())
        .collect();
    // `dl000_…` < `dl001_…` < `dl101_…`: file names sort by code.
    modules.sort();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::new();
    for module in &modules {
        let path = Path::new(&manifest).join(dir).join(format!("{module}.rs"));
        writeln!(
            out,
            "#[path = {:?}]\npub mod {module};",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    out.push_str("\n/// Every rule, in code order.\nconst RULES: &[&Rule] = &[\n");
    for module in &modules {
        writeln!(out, "    &{module}::RULE,").expect("writing to a String");
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("checks.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

/// `dl` and three digits, an underscore and a name: `dl001_guard_ignores_agent.rs`.
fn is_check(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".rs") else {
        return false;
    };
    let bytes = stem.as_bytes();
    stem.starts_with("dl")
        && bytes.len() > 6
        && bytes[2..5].iter().all(u8::is_ascii_digit)
        && bytes[5] == b'_'
        && stem[6..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
