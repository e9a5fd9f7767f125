//! `--python-path` loads a submodule that its package does not import (the
//! role's root lives there, reached through a base class):
//! `from fw.load.serializable import Base` where `fw/__init__.py` and
//! `fw/load/__init__.py` bind nothing of that name (as `langchain_core.load`
//! shadows its own `load` submodule with a function).

use std::process::Command;

#[test]
fn a_submodule_the_package_does_not_import_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib");
    let write = |path: &str, text: &str| {
        let path = lib.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("fw/__init__.py", "from fw.api import Root\n");
    write(
        "fw/api.py",
        "from fw.load.serializable import Base\n\nclass Root(Base):\n    def step(self): ...\n",
    );
    write("fw/load/__init__.py", "from fw.load.load import load\n");
    write("fw/load/load.py", "def load(): ...\n");
    write(
        "fw/load/serializable.py",
        "class Base:\n    def step(self): ...\n    async def astep(self): ...\n",
    );
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("agents.py"),
        "from fw import Root\n\nclass Mine(Root):\n    def step(self): ...\n",
    )
    .unwrap();
    let pack = dir.path().join("fw.toml");
    std::fs::write(
        &pack,
        "name = \"fw\"\nversion = \"1\"\n[[roles]]\nname = \"agent\"\nroot = \"fw.load.serializable.Base\"\nsync = \"step\"\nasync = \"astep\"\ndefault = \"executor\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
        .args([
            "agents",
            "--format",
            "json",
            "--isolated",
            "--no-cache",
            "--pack",
        ])
        .arg(&pack)
        .arg("--python-path")
        .arg(&lib)
        .arg(&app)
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mine = document["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Mine" && t["pack"] == "fw")
        .expect("Mine plays the role");
    assert_eq!(mine["verdict"], "inherited", "{mine}");
    assert_eq!(
        mine["provider"]["qualname"], "fw.load.serializable.Base",
        "{mine}"
    );
}

/// A library class that no analyzed class derives from never matters: its
/// bases are not asked, so their modules are not loaded (`--stats` counts
/// the files read, library files included).
#[test]
fn a_library_class_no_analyzed_class_derives_from_loads_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib/fw/__init__.py", "from fw.api import Root\n");
    write(
        "lib/fw/api.py",
        "from fw.deep import Deep\n\nclass Root:\n    def step(self): ...\n    async def astep(self): ...\n\nclass Extra(Deep):\n    pass\n",
    );
    write("lib/fw/deep.py", "class Deep:\n    pass\n");
    let files_read = |app: &str| {
        write("app/agents.py", app);
        let output = Command::new(env!("CARGO_BIN_EXE_dispatchlint"))
            .args([
                "check",
                "--isolated",
                "--no-cache",
                "--exit-zero",
                "--stats",
            ])
            .arg("--python-path")
            .arg(&lib)
            .arg(dir.path().join("app"))
            .env_remove("VIRTUAL_ENV")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let total = stderr
            .lines()
            .find(|l| l.starts_with("total"))
            .unwrap_or_else(|| panic!("no total in {stderr}"));
        let count = total.split('(').nth(1).and_then(|t| t.split(' ').next());
        count.unwrap().parse::<usize>().unwrap()
    };
    // `Mine` derives from `Root` only: `fw.deep` is never read.
    assert_eq!(
        files_read("from fw import Root\n\nclass Mine(Root):\n    def step(self): ...\n"),
        3
    );
    // Deriving from `Extra` reads it.
    assert_eq!(
        files_read("from fw.api import Extra\n\nclass Mine(Extra):\n    pass\n"),
        4
    );
}
