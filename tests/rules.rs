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

#[test]
fn the_readme_table_is_the_registry() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let expected = expected_table();
    assert!(
        readme.contains(&expected),
        "README.md's checks table must read, from the registry:\n{expected}"
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
