//! `dispatchlint server`: the language server, over stdio (`lsp-server`, as
//! rust-analyzer and ruff). On open and change it publishes each open
//! file's findings, judged against the whole workspace; an edit re-publishes
//! every open file whose findings changed. Code actions suppress a finding
//! with a comment; hover on a class statement shows its verdicts.

mod convert;
mod workspace;

use std::collections::BTreeMap;
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionOrCommand, CodeActionProviderCapability, Diagnostic, Hover, HoverContents,
    HoverProviderCapability, InitializeParams, MarkupContent, MarkupKind, PublishDiagnosticsParams,
    ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
};

use convert::{path_of, uri_of};
use workspace::Workspace;

/// Serves one client on standard input and output until it exits.
pub fn run() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())
}

/// The protocol over a connection: initialize, then messages until shutdown.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let params = connection
        .initialize(serde_json::to_value(capabilities).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
    let mut workspace = Workspace::load(&root_of(&params))?;
    crate::stderr_line!("{}", workspace::describe(&workspace));
    let mut published: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = answer(&workspace, request);
                send(connection, response.into())?;
            }
            Message::Notification(notification) => {
                if notify(&mut workspace, notification) {
                    publish(connection, &workspace, &mut published)?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// The workspace folder, else the root URI, else the working directory.
fn root_of(params: &InitializeParams) -> PathBuf {
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .and_then(|folder| path_of(&folder.uri));
    #[allow(deprecated)]
    let root_uri = params.root_uri.as_ref().and_then(path_of);
    folder
        .or(root_uri)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default()
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection.sender.send(message).map_err(|e| e.to_string())
}

fn answer(workspace: &Workspace, request: Request) -> Response {
    let id = request.id.clone();
    let result = match request.method.as_str() {
        HoverRequest::METHOD => request
            .extract::<lsp_types::HoverParams>(HoverRequest::METHOD)
            .map(|(_, params)| {
                let at = params.text_document_position_params;
                path_of(&at.text_document.uri)
                    .and_then(|path| workspace.hover(&path, at.position))
                    .map(|text| Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: text,
                        }),
                        range: None,
                    })
            })
            .map(|hover| serde_json::to_value(hover).unwrap_or_default()),
        CodeActionRequest::METHOD => request
            .extract::<lsp_types::CodeActionParams>(CodeActionRequest::METHOD)
            .map(|(_, params)| {
                let uri = params.text_document.uri;
                let actions: Vec<CodeActionOrCommand> = path_of(&uri)
                    .map(|path| workspace.code_actions(&uri, &path, &params.context.diagnostics))
                    .unwrap_or_default()
                    .into_iter()
                    .map(CodeActionOrCommand::CodeAction)
                    .collect();
                serde_json::to_value(actions).unwrap_or_default()
            }),
        _ => {
            return Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("dispatchlint does not answer {}", request.method),
            )
        }
    };
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err(error) => Response::new_err(id, ErrorCode::InvalidParams as i32, format!("{error:?}")),
    }
}

/// Applies a notification; whether the findings may have changed.
fn notify(workspace: &mut Workspace, notification: Notification) -> bool {
    match notification.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let Ok(params) = notification
                .extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
            else {
                return false;
            };
            let Some(path) = path_of(&params.text_document.uri) else {
                return false;
            };
            workspace.set_text(&path, params.text_document.text);
            true
        }
        DidChangeTextDocument::METHOD => {
            let Ok(params) = notification
                .extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
            else {
                return false;
            };
            // Full synchronization: the last change holds the whole text.
            let (Some(path), Some(change)) = (
                path_of(&params.text_document.uri),
                params.content_changes.into_iter().last(),
            ) else {
                return false;
            };
            workspace.set_text(&path, change.text);
            true
        }
        DidSaveTextDocument::METHOD => {
            let Ok(params) = notification
                .extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
            else {
                return false;
            };
            let Some(path) = path_of(&params.text_document.uri) else {
                return false;
            };
            workspace.saved(&path);
            true
        }
        DidCloseTextDocument::METHOD => {
            let Ok(params) = notification
                .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
            else {
                return false;
            };
            if let Some(path) = path_of(&params.text_document.uri) {
                workspace.close(&path);
            }
            true
        }
        _ => false,
    }
}

/// Publishes the diagnostics of every open file whose findings changed,
/// and clears those of files closed since.
fn publish(
    connection: &Connection,
    workspace: &Workspace,
    published: &mut BTreeMap<PathBuf, Vec<Diagnostic>>,
) -> Result<(), String> {
    let mut now = workspace.diagnostics();
    for closed in published.keys() {
        now.entry(closed.clone()).or_default();
    }
    for (path, diagnostics) in &now {
        if published.get(path) == Some(diagnostics) {
            continue;
        }
        let Some(uri) = uri_of(path) else {
            continue;
        };
        let params = PublishDiagnosticsParams::new(uri, diagnostics.clone(), None);
        send(
            connection,
            Notification::new(PublishDiagnostics::METHOD.to_owned(), params).into(),
        )?;
    }
    now.retain(|path, _| workspace.open_paths().any(|p| p == path));
    *published = now;
    Ok(())
}
