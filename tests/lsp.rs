//! `dispatchlint server` driven by a client speaking JSON-RPC over stdio,
//! with the protocol's framing (`Content-Length` headers), as an editor does:
//! initialize, open the seed guard (DL001), ask for the code action and
//! apply it (cleared), edit the guard fixed (cleared) and back (DL001 again),
//! hover on a class (its verdict), shut down.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;
use support::copy_tree;

const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: u64,
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("dispatchlint"))
            .arg("server")
            .current_dir(root)
            .env("DISPATCHLINT_CACHE_DIR", root.join(".cache-for-test"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dispatchlint server");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, incoming) = channel();
        std::thread::spawn(move || loop {
            let mut length = None;
            loop {
                let mut header = String::new();
                if stdout.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some(n) = header.strip_prefix("Content-Length: ") {
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("a Content-Length header")];
            stdout.read_exact(&mut body).unwrap();
            if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 1,
        }
    }

    fn write(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.write(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.write(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + WAIT;
        loop {
            let message = self
                .incoming
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no answer to {method}"));
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let deadline = Instant::now() + WAIT;
        loop {
            let message = self
                .incoming
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no diagnostics for {uri}"));
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-checks")
}

/// Applies one insertion (a zero-width range) to `text`.
fn apply(text: &str, edit: &Value) -> String {
    let line = edit["range"]["start"]["line"].as_u64().unwrap() as usize;
    let column = edit["range"]["start"]["character"].as_u64().unwrap() as usize;
    assert_eq!(edit["range"]["start"], edit["range"]["end"], "an insertion");
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let target = &mut lines[line];
    let at = target
        .char_indices()
        .nth(column)
        .map_or(target.len(), |(i, _)| i);
    target.insert_str(at, edit["newText"].as_str().unwrap());
    lines.join("\n")
}

#[test]
fn an_editor_session_on_the_seed_guard() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("project");
    copy_tree(&fixtures(), &root);
    let mut client = Client::start(&root);
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {},
               "workspaceFolders": [{"uri": uri(&root), "name": "project"}]}),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], true, "{init}");
    client.notify("initialized", json!({}));

    let guard = root.join("dl001/flag/openhands_guard.py");
    let guard_uri = uri(&guard);
    let seed = std::fs::read_to_string(&guard).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": guard_uri, "languageId": "python", "version": 1, "text": seed}}),
    );
    let published = client.diagnostics(&guard_uri);
    assert_eq!(codes(&published), ["DL001"], "{published:#?}");
    let dl001 = &published[0];
    // `has_native_arun = (` on line 19, column 13 (zero-based 18, 12).
    assert_eq!(
        dl001["range"]["start"],
        json!({"line": 18, "character": 12})
    );
    assert_eq!(dl001["source"], "dispatchlint");
    assert!(dl001["message"]
        .as_str()
        .unwrap()
        .contains("help: add `and type(conversation.agent).astep is not AgentBase.astep`"));

    // The code action, applied, clears the finding.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": guard_uri}, "range": dl001["range"],
               "context": {"diagnostics": [dl001]}}),
    );
    let titled = |start: &str| {
        actions
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["title"].as_str().unwrap().starts_with(start))
            .cloned()
            .unwrap_or_else(|| panic!("no `{start}` action in {actions:#}"))
    };
    // The fix `check --fix --unsafe-fixes` makes, offered first.
    let fix = titled("Fix DL001: add `and type(conversation.agent).astep is not AgentBase.astep`");
    assert_eq!(actions[0], fix);
    let mut edits: Vec<Value> = fix["edit"]["changes"][&guard_uri]
        .as_array()
        .unwrap()
        .clone();
    edits.sort_by_key(|e| {
        let start = &e["range"]["start"];
        std::cmp::Reverse((start["line"].as_u64(), start["character"].as_u64()))
    });
    let fixed_by_action = edits.iter().fold(seed.clone(), |text, e| apply(&text, e));
    assert!(
        fixed_by_action.contains(
            "                and type(conversation).arun is not BaseConversation.arun\n                and type(conversation.agent).astep is not AgentBase.astep\n"
        ),
        "{fixed_by_action}"
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": guard_uri, "version": 2},
               "contentChanges": [{"text": fixed_by_action}]}),
    );
    assert_eq!(codes(&client.diagnostics(&guard_uri)), Vec::<String>::new());
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": guard_uri, "version": 2},
               "contentChanges": [{"text": seed}]}),
    );
    assert_eq!(codes(&client.diagnostics(&guard_uri)), ["DL001"]);

    let action = titled("Suppress DL001 with a comment");
    let edit = &action["edit"]["changes"][&guard_uri][0];
    let suppressed = apply(&seed, edit);
    assert!(
        suppressed.contains("has_native_arun = (  # noqa: DL001\n"),
        "{suppressed}"
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": guard_uri, "version": 2},
               "contentChanges": [{"text": suppressed}]}),
    );
    assert_eq!(codes(&client.diagnostics(&guard_uri)), Vec::<String>::new());

    // The seed's fix: the agent's conjunct.
    let fixed = seed
        .replace(
            "from openhands.sdk import BaseConversation",
            "from openhands.sdk import AgentBase, BaseConversation",
        )
        .replace(
            "                and type(conversation).arun is not BaseConversation.arun\n",
            "                and type(conversation).arun is not BaseConversation.arun\n                and type(conversation.agent).astep is not AgentBase.astep\n",
        );
    assert_ne!(fixed, seed);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": guard_uri, "version": 3},
               "contentChanges": [{"text": seed}]}),
    );
    assert_eq!(codes(&client.diagnostics(&guard_uri)), ["DL001"]);
    let mut latencies = Vec::new();
    for version in 0..10 {
        let (text, expected): (&str, &[&str]) = if version % 2 == 0 {
            (&fixed, &[])
        } else {
            (&seed, &["DL001"])
        };
        let sent = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": guard_uri, "version": 4 + version},
                   "contentChanges": [{"text": text}]}),
        );
        assert_eq!(codes(&client.diagnostics(&guard_uri)), expected);
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    eprintln!("edit -> diagnostics, median of 10: {:?}", latencies[5]);

    // Hover on a class statement: its verdict.
    let agents = root.join("shared/agents.py");
    let agents_uri = uri(&agents);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": agents_uri, "languageId": "python", "version": 1,
                                "text": std::fs::read_to_string(&agents).unwrap()}}),
    );
    assert_eq!(client.diagnostics(&agents_uri), Vec::<Value>::new());
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": agents_uri}, "position": {"line": 5, "character": 8}}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        text.contains("`shared.agents.SyncAgent`") && text.contains("agent: **inherited**"),
        "{hover}"
    );

    // Closing clears; shutdown and exit end the process.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": guard_uri}}),
    );
    assert_eq!(client.diagnostics(&guard_uri), Vec::<Value>::new());
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// Edit latency on a workspace of real size. Run by hand on a corpus:
/// `DISPATCHLINT_LSP_CORPUS=DIR DISPATCHLINT_LSP_FILE=DIR/x.py cargo test --release --test lsp -- --ignored --nocapture`.
#[test]
#[ignore = "needs a corpus: DISPATCHLINT_LSP_CORPUS and DISPATCHLINT_LSP_FILE"]
fn edit_latency_on_a_corpus() {
    let root = PathBuf::from(std::env::var("DISPATCHLINT_LSP_CORPUS").unwrap());
    let file = PathBuf::from(std::env::var("DISPATCHLINT_LSP_FILE").unwrap());
    let started = Instant::now();
    let mut client = Client::start(&root);
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    let file_uri = uri(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": file_uri, "languageId": "python", "version": 1, "text": text}}),
    );
    client.diagnostics(&file_uri);
    eprintln!("start to first diagnostics: {:?}", started.elapsed());
    let mut latencies = Vec::new();
    for version in 0..21 {
        // A one-line edit that changes no finding still re-publishes nothing,
        // so every other edit adds a finding the server must see.
        let edited = if version % 2 == 0 {
            format!("{text}\nasync def _probe(c: 'x'):\n    from openhands.sdk import RemoteConversation\n    await RemoteConversation(agent=None, workspace=None).arun()\n")
        } else {
            text.clone()
        };
        let sent = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": file_uri, "version": 2 + version},
                   "contentChanges": [{"text": edited}]}),
        );
        client.diagnostics(&file_uri);
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    eprintln!(
        "edit -> diagnostics over {} edits: median {:?}, max {:?}",
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    client.child.wait().unwrap();
}
