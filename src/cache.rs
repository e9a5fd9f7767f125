//! The per-file facts cache: a Python file's facts, keyed by a hash of its
//! bytes, its module name and the build of dispatchlint that extracted them,
//! kept in the platform cache directory (`~/.cache/dispatchlint` on Linux;
//! `$DISPATCHLINT_CACHE_DIR` overrides it; `--no-cache` skips it).
//!
//! A pre-commit run still needs every file's facts to build the hierarchy;
//! with the cache, only changed files are parsed again. Entries are written
//! to a temporary file and renamed into place, so concurrent runs never read
//! half an entry; an entry that does not decode is treated as a miss.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{
    ClassFact, FileFacts, FunctionFact, InputDiagnostic, Location, NameRef, Scope, Suppression,
};

/// What a Python file's extraction produced, without what the run supplies
/// (its displayed path, language, library flag).
#[derive(Serialize, Deserialize)]
struct Entry {
    module: String,
    is_package: bool,
    scopes: Vec<Scope>,
    classes: Vec<ClassFact>,
    functions: Vec<FunctionFact>,
    patches: Vec<(NameRef, String, Location)>,
    suppressions: Vec<Suppression>,
    /// (code, message, location): codes are `&'static str` in the facts.
    diagnostics: Vec<(String, String, Option<Location>)>,
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache for this build of dispatchlint, or `None` when there is no
    /// cache directory to use.
    pub fn open() -> Option<Cache> {
        let base = match std::env::var_os("DISPATCHLINT_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => dirs::cache_dir()?.join("dispatchlint"),
        };
        let dir = base.join(build_id());
        std::fs::create_dir_all(&dir).ok()?;
        Some(Cache { dir })
    }

    /// The key of a file's facts: its bytes and module name.
    pub fn key(bytes: &[u8], module: &str, is_package: bool) -> String {
        // Two independent 64-bit lanes, eight bytes at a time (hashing the
        // 16x corpus byte by byte cost more than parsing a changed file): a
        // collision would give one file another's facts, so 128 bits.
        let mut lanes = [0x9e37_79b9_7f4a_7c15u64, 0xc2b2_ae3d_27d4_eb4f];
        let mut mix = |word: u64| {
            lanes[0] = (lanes[0] ^ word)
                .wrapping_mul(0xff51_afd7_ed55_8ccd)
                .rotate_left(29);
            lanes[1] = (lanes[1] ^ word.rotate_left(17))
                .wrapping_mul(0xc4ce_b9fe_1a85_ec53)
                .rotate_left(31);
        };
        for part in [module.as_bytes(), &[u8::from(is_package)], bytes] {
            let mut chunks = part.chunks_exact(8);
            for chunk in &mut chunks {
                mix(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
            }
            let mut tail = [0u8; 8];
            tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
            mix(u64::from_le_bytes(tail));
            // The length separates the parts and tells trailing zeros apart.
            mix(part.len() as u64);
        }
        format!("{:016x}{:016x}", lanes[0], lanes[1])
    }

    /// `dir/a/abcdef...`: 16 shards, because two workers creating thousands
    /// of entries in one directory spent most of a cold run waiting on that
    /// directory's lock in the kernel (more shards cost more `mkdir`s).
    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..1]).join(key)
    }

    pub fn get(&self, key: &str, display: &Path) -> Option<FileFacts> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let entry: Entry = bincode::deserialize(&bytes).ok()?;
        let mut facts = FileFacts::empty(
            display.to_path_buf(),
            crate::model::Language::Python,
            entry.module,
        );
        facts.is_package = entry.is_package;
        facts.scopes = entry.scopes;
        facts.classes = entry.classes;
        facts.functions = entry.functions;
        facts.patches = entry.patches;
        facts.suppressions = entry.suppressions;
        facts.diagnostics = entry
            .diagnostics
            .into_iter()
            .map(|(code, message, location)| InputDiagnostic {
                code: static_code(code),
                message,
                location,
            })
            .collect();
        Some(facts)
    }

    /// Stores facts; failures are ignored (the cache is only an accelerator).
    pub fn put(&self, key: &str, facts: &FileFacts) {
        let entry = EntryRef {
            module: &facts.module,
            is_package: facts.is_package,
            scopes: &facts.scopes,
            classes: &facts.classes,
            functions: &facts.functions,
            patches: &facts.patches,
            suppressions: &facts.suppressions,
            diagnostics: facts
                .diagnostics
                .iter()
                .map(|d| (d.code, d.message.as_str(), d.location))
                .collect(),
        };
        let Ok(bytes) = bincode::serialize(&entry) else {
            return;
        };
        let path = self.path(key);
        let Some(shard) = path.parent() else {
            return;
        };
        if std::fs::create_dir_all(shard).is_err() {
            return;
        }
        let temporary = shard.join(format!("{key}.{}.tmp", std::process::id()));
        if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, &path).is_err()
        {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// [`Entry`] by reference, for writing without cloning the facts. Field
/// order and types must match `Entry` (bincode is positional).
#[derive(Serialize)]
struct EntryRef<'a> {
    module: &'a str,
    is_package: bool,
    scopes: &'a [Scope],
    classes: &'a [ClassFact],
    functions: &'a [FunctionFact],
    patches: &'a [(NameRef, String, Location)],
    suppressions: &'a [Suppression],
    diagnostics: Vec<(&'a str, &'a str, Option<Location>)>,
}

/// The only code a Python file's own diagnostics carry is DL000; any other
/// is leaked once (the facts want a `&'static str`).
fn static_code(code: String) -> &'static str {
    match code.as_str() {
        crate::python::SYNTAX_ERROR => crate::python::SYNTAX_ERROR,
        _ => Box::leak(code.into_boxed_str()),
    }
}

/// Identifies this build: the version, and the executable's size and
/// modification time, so that a rebuilt binary whose extraction changed
/// never reads facts an older build wrote.
fn build_id() -> String {
    let mut hasher = Fnv64::default();
    hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
    if let Ok(metadata) = std::env::current_exe().and_then(std::fs::metadata) {
        hasher.write_u64(metadata.len());
        if let Ok(modified) = metadata.modified() {
            if let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH) {
                hasher.write_u128(since.as_nanos());
            }
        }
    }
    format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), hasher.finish())
}

/// FNV-1a: stable across Rust releases, unlike `DefaultHasher`.
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
