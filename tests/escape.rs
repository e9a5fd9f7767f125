//! Control characters in file names and source never reach a human output
//! raw: a real file whose name holds an OSC title change and a screen clear,
//! with more of them in a string and a comment on the finding's line, run
//! through every human format (and `route`). JSON stays exact.

#![cfg(unix)]

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

/// ESC ] 0 ; pwned BEL (set the window title), ESC [ 2 J (clear the screen).
const EVIL_NAME: &str = "evil\x1b]0;pwned\x07\x1b[2J.py";
const EVIL_NAME_ESCAPED: &str = "evil\\x1b]0;pwned\\x07\\x1b[2J.py";

/// A DL003 finding whose line has a string with ESC before the span, a
/// comment with a screen clear, backspace, DEL, a C1 CSI, a right-to-left
/// override, and a lone CR (a line end to Python) after it, then a line with
/// a markdown fence (the audit's code block must not end there); a sync-only
/// agent for the agents table.
const EVIL_SOURCE: &str = "from openhands.sdk import AgentBase, RemoteConversation\n\
\n\
\n\
class Evil(AgentBase):\n    def step(self, conversation, on_event):\n        pass\n\
\n\
\n\
async def go(agent, workspace):\n    title = \"\x1b]0;pwned\x07\"\n    \
conversation = RemoteConversation(agent=agent, workspace=workspace)\n    \
x = \"\x1b[2J\"; await conversation.arun()  # \x1b[2J\x08\x7f\u{9b}31m\u{202e}gnp.exe\rY = \"```\"\n";

fn run(dir: &Path, args: &[&str]) -> String {
    let output = Command::cargo_bin("dispatchlint")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .args(args)
        .args(["--isolated", "--no-cache"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?}: {output:?}"
    );
    String::from_utf8(output.stdout).unwrap()
}

/// No control character but the line ends, and no bidirectional control.
fn assert_clean(what: &str, text: &str) {
    for (line, content) in text.lines().enumerate() {
        let bad: Vec<char> = content
            .chars()
            .filter(|&c| {
                c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            })
            .collect();
        assert!(
            bad.is_empty(),
            "{what}, line {}: raw {bad:?} in {content:?}\n{text}",
            line + 1
        );
    }
}

#[test]
fn every_human_format_escapes_control_characters() {
    let tree = tempfile::tempdir().unwrap();
    let dir = tree.path();
    std::fs::write(dir.join(EVIL_NAME), EVIL_SOURCE).unwrap();
    let check = |format: &str| run(dir, &["check", ".", "--output-format", format]);
    for format in ["full", "concise", "github", "markdown"] {
        let text = check(format);
        assert_clean(format, &text);
        assert!(text.contains("DL003"), "{format}: {text}");
        assert!(text.contains(EVIL_NAME_ESCAPED), "{format}: {text}");
    }
    for (what, text) in [
        ("agents", run(dir, &["agents", "."])),
        ("audit", run(dir, &["audit", "."])),
    ] {
        assert_clean(what, &text);
        assert!(text.contains(EVIL_NAME_ESCAPED), "{what}: {text}");
        assert!(text.contains("Evil"), "{what}: {text}");
    }
    let audit = run(dir, &["audit", "."]);
    assert!(audit.contains("\n````text\n"), "{audit}");

    let route = run(
        dir,
        &[
            "route",
            ".",
            "--conversation",
            "RemoteConversation",
            "--agent",
            "Evil",
        ],
    );
    assert_clean("route", &route);
    assert!(
        route.contains("evil\\x1b]0;pwned\\x07\\x1b[2J.Evil"),
        "{route}"
    );

    // The code frame shows the escaped line, with the label still under
    // `conversation.arun()`, and Python's line break at the lone CR.
    let full = check("full");
    let shown = "x = \"\\x1b[2J\"; await conversation.arun()  # \\x1b[2J\\x08\\x7f\\u{9b}31m\\u{202e}gnp.exe";
    let lines: Vec<&str> = full.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with(shown))
        .unwrap_or_else(|| panic!("{full}"));
    let column = |line: &str, what: &str| line[..line.find(what).unwrap()].chars().count();
    // The header gives the finding's line and column, as concise does.
    assert!(
        full.contains(&format!("[{EVIL_NAME_ESCAPED}:12:17]")),
        "{full}"
    );
    let underline = lines[at + 1];
    assert!(underline.contains('─'), "{full}");
    let first_mark = underline
        .char_indices()
        .skip_while(|&(_, c)| c != '·')
        .skip(1)
        .find(|&(_, c)| c != ' ')
        .map(|(i, _)| underline[..i].chars().count())
        .unwrap();
    assert_eq!(
        first_mark,
        column(lines[at], "await conversation"),
        "{full}"
    );
    assert!(
        lines[at + 1..].iter().any(|l| l.ends_with(" Y = \"```\"")),
        "{full}"
    );

    // JSON is exact: the real name, escaped only by JSON's own rules.
    let json: serde_json::Value = serde_json::from_str(&check("json")).unwrap();
    assert_eq!(json["findings"][0]["path"], EVIL_NAME);
}

#[test]
fn markdown_tables_survive_pipes_and_backticks_in_names() {
    let tree = tempfile::tempdir().unwrap();
    let dir = tree.path();
    let name = "a|b`c.py";
    let source = EVIL_SOURCE.replace(['\x1b', '\x07', '\x08', '\x7f', '\r'], "?");
    std::fs::write(dir.join(name), source).unwrap();
    let markdown = run(dir, &["check", ".", "--output-format", "markdown"]);
    let audit = run(dir, &["audit", "."]);
    let mut rows = 0;
    for text in [&markdown, &audit] {
        for row in text
            .lines()
            .filter(|l| l.starts_with('|') && l.contains("b`c"))
        {
            rows += 1;
            // A cell boundary is a `|` not escaped by a backslash.
            let header = text
                .lines()
                .take_while(|l| *l != row)
                .filter(|l| l.starts_with("| "))
                .last()
                .unwrap();
            let cells = |line: &str| {
                let bytes = line.as_bytes();
                (0..bytes.len())
                    .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
                    .count()
            };
            assert_eq!(cells(row), cells(header), "{row}\n{text}");
            // The backtick in the name is inside a longer code span.
            assert!(row.contains("``a\\|b`c.py"), "{row}");
        }
    }
    assert!(rows >= 3, "{markdown}\n{audit}");
}
