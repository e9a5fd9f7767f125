//! What a run found: every file's facts. `crate::analysis` makes it
//! (discover, parse, link); `Semantic` is made from it once per run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::hierarchy::{Capability, TypeKey};
use crate::model::{FileFacts, InputDiagnostic, Language, Location};
use crate::packs::Packs;

/// The verdict for one type in one role.
#[derive(Clone, Debug)]
pub struct TypeVerdict {
    pub file: usize,
    pub class: usize,
    /// The pack that declares the role: role names are unique only within a pack.
    pub pack: String,
    pub role: String,
    pub capability: Capability,
}

pub struct Analysis {
    pub files: Vec<FileFacts>,
    pub packs: Packs,
    /// Problems met while walking (unreadable directories, symlink loops).
    pub walk_problems: Vec<(PathBuf, String)>,
    /// Wall time of each phase, in order (shown by the hidden `--stats`).
    pub timings: Vec<(&'static str, Duration)>,
    /// The source read from standard input, if any: reporters show it, not
    /// the file on disk.
    pub stdin: Option<Stdin>,
    /// The threads that parsed the files: `Semantic` resolves classes on
    /// them, whose allocators hold the pages the freed syntax trees left
    /// (the global pool's fresh threads would fault in new ones).
    pub pool: Option<std::sync::Arc<rayon::ThreadPool>>,
}

/// Source read from standard input (`check -`, `--stdin-filename NAME`), as
/// editors and pre-commit wrappers pass unsaved text: analyzed as the file
/// at `path` (which need not exist), in place of what is on disk there.
#[derive(Clone, Debug)]
pub struct Stdin {
    /// Absolute.
    pub path: PathBuf,
    /// As it is shown (`-` when no name was given).
    pub display: PathBuf,
    pub bytes: std::sync::Arc<Vec<u8>>,
}

impl Analysis {
    /// `module.qualname` of a type, however it is known.
    pub fn qualname(&self, key: &TypeKey) -> String {
        match key {
            TypeKey::Source(file, class) => {
                let file = &self.files[*file];
                let class = &file.classes[*class];
                match file.language {
                    Language::Python => format!("{}.{}", file.module, class.qualname),
                    Language::Rust => class.qualname.clone(),
                }
            }
            TypeKey::Known(path) | TypeKey::Opaque(path) => path.clone(),
            TypeKey::Unresolved { text, .. } => text.clone(),
        }
    }

    /// Where a type is defined, if it is analyzed source.
    pub fn location(&self, key: &TypeKey) -> Option<(&Path, Location)> {
        match key {
            TypeKey::Source(file, class) => {
                let file = &self.files[*file];
                Some((&file.path, file.classes[*class].location))
            }
            _ => None,
        }
    }

    pub fn input_diagnostics(&self) -> impl Iterator<Item = (&Path, &InputDiagnostic)> {
        self.files
            .iter()
            .filter(|f| !f.library)
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f.path.as_path(), d)))
    }
}
