//! The rules are declared once, in their check files: the README table, the
//! docs and the command-line listing are held against that registry.

use dispatchlint::checks::rules;

/// The README's checks table as the registry writes it.
fn expected_table() -> String {
    let mut table = String::from("| code | name | flags |\n|---|---|---|\n");
    for rule in rules() {
        table.push_str(&format!(
            "| [{code}](rules/docs/{code}.md) | {} | {} |\n",
            rule.name,
            rule.summary,
            code = rule.code
        ));
    }
    table
}

/// The README's table sits between two comment lines; with
/// `DISPATCHLINT_BLESS=1` the test writes it from the registry (as insta
/// does a snapshot), so that a new check is only its file, docs and fixtures.
#[test]
fn the_readme_table_is_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let begin = readme
        .find("<!-- rules:")
        .and_then(|at| readme[at..].find('\n').map(|end| at + end + 1))
        .expect("README.md marks its rules table with `<!-- rules: ... -->`");
    let end = begin
        + readme[begin..]
            .find("<!-- end of rules -->")
            .expect("README.md ends its rules table with `<!-- end of rules -->`");
    let expected = expected_table();
    if readme[begin..end] == expected {
        return;
    }
    if std::env::var_os("DISPATCHLINT_BLESS").is_some() {
        let blessed = format!("{}{expected}{}", &readme[..begin], &readme[end..]);
        std::fs::write(path, blessed).unwrap();
        return;
    }
    panic!(
        "README.md's checks table must read, from the registry (DISPATCHLINT_BLESS=1 writes it):\n{expected}"
    );
}

#[test]
fn codes_are_unique_and_in_order() {
    let codes: Vec<&str> = rules().iter().map(|r| r.code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes, sorted);
}

#[test]
fn every_rule_has_the_four_sections() {
    for rule in rules() {
        let title = format!("# {} {}\n", rule.code, rule.name);
        assert!(rule.docs.starts_with(&title), "{}: title", rule.code);
        let mut at = 0;
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Fix",
        ] {
            let found = rule.docs[at..]
                .find(&format!("\n{section}\n"))
                .unwrap_or_else(|| panic!("{}: no `{section}` after the previous one", rule.code));
            let start = at + found + section.len() + 2;
            let body_end = rule.docs[start..]
                .find("\n## ")
                .map_or(rule.docs.len(), |e| start + e);
            assert!(
                !rule.docs[start..body_end].trim().is_empty(),
                "{}: `{section}` is empty",
                rule.code
            );
            at = start;
        }
    }
}

#[test]
fn the_command_line_lists_every_rule() {
    let output = assert_cmd::Command::cargo_bin("dispatchlint")
        .unwrap()
        .args(["rule", "--all"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for rule in rules() {
        assert!(
            text.lines().any(|l| l.starts_with(rule.code)
                && l.contains(rule.name)
                && l.ends_with(rule.summary)),
            "{}: {text}",
            rule.code
        );
    }
}
