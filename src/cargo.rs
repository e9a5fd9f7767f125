//! The cargo workspace as `cargo metadata` describes it: the members'
//! target directories (what to analyze), the library roots of their
//! dependencies (read on demand, like `--python-path`), and the features
//! each package is built with when the user says which
//! (`--features`, `--all-features`, `--no-default-features`).
//!
//! The real `cargo` runs (`$CARGO`, as cargo sets it for a subcommand, or
//! `cargo` on the `PATH`); nothing here guesses what cargo would decide.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;

/// The options `cargo dispatchlint` adds to every analysis command.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CargoArgs {
    /// Analyze the cargo workspace: run `cargo metadata`, analyze the
    /// members' targets and read role traits from dependency sources
    /// (`cargo dispatchlint` sets it).
    #[arg(long)]
    pub cargo: bool,
    /// The workspace's `Cargo.toml` (implies `--cargo`).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Run `cargo metadata --offline` (implies `--cargo`).
    #[arg(long)]
    pub offline: bool,
    /// Features that decide `#[cfg(feature = ...)]` (comma-separated,
    /// repeatable; implies `--cargo`). Without any feature option, a
    /// feature cfg makes a verdict `unknown`.
    #[arg(long, value_delimiter = ',', value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Every feature of the members (implies `--cargo`).
    #[arg(long)]
    pub all_features: bool,
    /// Not the members' default features (implies `--cargo`).
    #[arg(long)]
    pub no_default_features: bool,
}

impl CargoArgs {
    pub fn enabled(&self) -> bool {
        self.cargo || self.manifest_path.is_some() || self.offline || self.features_given()
    }

    /// Whether the user said which features count.
    pub fn features_given(&self) -> bool {
        !self.features.is_empty() || self.all_features || self.no_default_features
    }
}

pub use crate::rust::libraries::Library;

/// What the analysis takes from the workspace.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    pub root: PathBuf,
    /// Directories holding the members' targets (build scripts left out),
    /// none inside another.
    pub target_dirs: Vec<PathBuf>,
    /// Libraries of every package that is not a member.
    pub libraries: Vec<Library>,
    /// Manifest directory -> enabled features, when the user said which.
    pub features: Option<BTreeMap<PathBuf, BTreeSet<String>>>,
}

impl Workspace {
    /// What the analysis takes from the workspace: dependency libraries,
    /// features, and Rust sources only (a cargo step lints Rust).
    pub fn apply(&self, settings: &mut crate::analysis::Settings) {
        settings.rust_libraries = self.libraries.clone();
        settings.rust_features = self.features.as_ref().map(|features| {
            features
                .iter()
                .map(|(dir, on)| {
                    (
                        std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()),
                        on.clone(),
                    )
                })
                .collect()
        });
        settings
            .excludes
            .extend(["*.py".to_owned(), "*.pyi".to_owned()]);
    }
}

#[derive(Debug)]
pub struct CargoError(pub String);

impl std::fmt::Display for CargoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CargoError {}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
    workspace_root: PathBuf,
    resolve: Option<Resolve>,
}

#[derive(Deserialize)]
struct Package {
    id: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
    src_path: PathBuf,
}

#[derive(Deserialize)]
struct Resolve {
    nodes: Vec<Node>,
}

#[derive(Deserialize)]
struct Node {
    id: String,
    #[serde(default)]
    features: Vec<String>,
}

/// The `cargo metadata` command line for these options.
pub fn metadata_command(args: &CargoArgs) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["metadata", "--format-version", "1"]);
    if let Some(path) = &args.manifest_path {
        command.arg("--manifest-path").arg(path);
    }
    if args.offline {
        command.arg("--offline");
    }
    if !args.features.is_empty() {
        command.arg("--features").arg(args.features.join(","));
    }
    if args.all_features {
        command.arg("--all-features");
    }
    if args.no_default_features {
        command.arg("--no-default-features");
    }
    // Only what this machine builds: without it cargo wants the manifests of
    // every platform's dependencies, which `--offline` may not have.
    if let Some(host) = host_triple() {
        command.arg("--filter-platform").arg(host);
    }
    command
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).arg("-vV").output().ok()?;
    String::from_utf8(output.stdout)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
}

/// Runs `cargo metadata` once per process (the command line asks for the
/// paths and for the settings separately).
pub fn workspace(args: &CargoArgs) -> Result<&'static Workspace, CargoError> {
    static WORKSPACE: OnceLock<Result<Workspace, String>> = OnceLock::new();
    WORKSPACE
        .get_or_init(|| load(args).map_err(|e| e.0))
        .as_ref()
        .map_err(|e| CargoError(e.clone()))
}

pub fn load(args: &CargoArgs) -> Result<Workspace, CargoError> {
    let output = metadata_command(args)
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| CargoError(format!("cannot run `cargo metadata`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(CargoError(format!(
            "`cargo metadata` failed: {}",
            stderr.trim()
        )));
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout)
        .map_err(|e| CargoError(format!("cannot read `cargo metadata` output: {e}")))?;
    Ok(from_metadata(metadata, args.features_given()))
}

/// Parses `cargo metadata --format-version 1` output.
pub fn parse(json: &[u8], features_given: bool) -> Result<Workspace, CargoError> {
    let metadata: Metadata = serde_json::from_slice(json)
        .map_err(|e| CargoError(format!("cannot read `cargo metadata` output: {e}")))?;
    Ok(from_metadata(metadata, features_given))
}

fn from_metadata(metadata: Metadata, features_given: bool) -> Workspace {
    let members: BTreeSet<&str> = metadata
        .workspace_members
        .iter()
        .map(String::as_str)
        .collect();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut libraries = Vec::new();
    let mut manifest_dirs: BTreeMap<&str, PathBuf> = BTreeMap::new();
    for package in &metadata.packages {
        let manifest_dir = package
            .manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        manifest_dirs.insert(&package.id, manifest_dir);
        if members.contains(package.id.as_str()) {
            for target in &package.targets {
                if target.kind.iter().any(|k| k == "custom-build") {
                    continue;
                }
                if let Some(dir) = target.src_path.parent() {
                    dirs.push(dir.to_path_buf());
                }
            }
        } else if let Some(lib) = package.targets.iter().find(|t| {
            t.kind
                .iter()
                .any(|k| matches!(k.as_str(), "lib" | "rlib" | "proc-macro"))
        }) {
            libraries.push(Library {
                crate_name: lib.name.replace('-', "_"),
                root: lib.src_path.clone(),
            });
        }
    }
    dirs.sort();
    dirs.dedup();
    // `src/` covers `src/bin/`.
    let mut target_dirs: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        if !target_dirs.iter().any(|kept| dir.starts_with(kept)) {
            target_dirs.push(dir);
        }
    }
    let features = features_given.then(|| {
        metadata
            .resolve
            .iter()
            .flat_map(|r| &r.nodes)
            .filter_map(|node| {
                let dir = manifest_dirs.get(node.id.as_str())?;
                Some((dir.clone(), node.features.iter().cloned().collect()))
            })
            .collect()
    });
    Workspace {
        root: metadata.workspace_root,
        target_dirs,
        libraries,
        features,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_targets_libraries_and_features() {
        let json = br#"{
          "packages": [
            {"id": "app 0.1.0 (path+file:///w/app)", "manifest_path": "/w/app/Cargo.toml",
             "targets": [
               {"name": "app", "kind": ["lib"], "src_path": "/w/app/src/lib.rs"},
               {"name": "tool", "kind": ["bin"], "src_path": "/w/app/src/bin/tool.rs"},
               {"name": "it", "kind": ["test"], "src_path": "/w/app/tests/it.rs"},
               {"name": "build-script-build", "kind": ["custom-build"], "src_path": "/w/app/build.rs"}
             ]},
            {"id": "fw 1.0.0 (registry+x)", "manifest_path": "/reg/fw-1.0.0/Cargo.toml",
             "targets": [{"name": "fw-core", "kind": ["lib"], "src_path": "/reg/fw-1.0.0/src/lib.rs"}]}
          ],
          "workspace_members": ["app 0.1.0 (path+file:///w/app)"],
          "workspace_root": "/w",
          "resolve": {"nodes": [
            {"id": "app 0.1.0 (path+file:///w/app)", "features": ["default", "stream"]},
            {"id": "fw 1.0.0 (registry+x)", "features": []}
          ]}
        }"#;
        let ws = parse(json, true).unwrap();
        assert_eq!(
            ws.target_dirs,
            vec![PathBuf::from("/w/app/src"), PathBuf::from("/w/app/tests")]
        );
        assert_eq!(
            ws.libraries,
            vec![Library {
                crate_name: "fw_core".into(),
                root: "/reg/fw-1.0.0/src/lib.rs".into()
            }]
        );
        let features = ws.features.unwrap();
        assert!(features[Path::new("/w/app")].contains("stream"));
        assert!(parse(json, false).unwrap().features.is_none());
    }
}
