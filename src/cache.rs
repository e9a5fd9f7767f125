//! The facts cache: each Python file's facts, keyed by a hash of its bytes,
//! its module name and the build of dispatchlint that extracted them. One
//! file per project (the directories analyzed) in the platform cache
//! directory (`~/.cache/dispatchlint` on Linux; `$DISPATCHLINT_CACHE_DIR`
//! overrides it; `--no-cache` skips it).
//!
//! A pre-commit run still needs every file's facts to build the hierarchy;
//! with the cache, only changed files are parsed again. The cache is one
//! file, as ruff keeps one per package: a file per entry made the first
//! run, which writes them all, two to four times slower than no cache (one
//! file creation per source file). It is read whole, entries are decoded
//! on the parsing threads as they are needed, and it is written again, to
//! a temporary file renamed into place, only when an entry was added or
//! one went unused (so it holds just the project's current files).
//! Concurrent runs never read half a file; one that does not decode is
//! treated as empty.

use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustc_hash::{FxHashMap, FxHashSet};

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
    path: PathBuf,
    /// The cache file as read.
    bytes: Vec<u8>,
    /// Key -> (offset, length) of its entry in `bytes`.
    index: FxHashMap<u128, (usize, usize)>,
    /// Keys read from `bytes` in this run.
    used: Mutex<FxHashSet<u128>>,
    /// Entries made in this run.
    fresh: Mutex<Vec<(u128, Vec<u8>)>>,
}

/// The first bytes of a cache file: a format change must not decode as the old.
const MAGIC: &[u8; 8] = b"dlcache1";

impl Cache {
    /// The cache of the project made of `paths` (their directories: a file
    /// stands for its own) for this build of dispatchlint, or `None` when
    /// there is no cache directory to use.
    pub fn open(paths: &[PathBuf]) -> Option<Cache> {
        let base = match std::env::var_os("DISPATCHLINT_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => dirs::cache_dir()?.join("dispatchlint"),
        };
        let dir = base.join(build_id());
        std::fs::create_dir_all(&dir).ok()?;
        let path = dir.join(format!("{:016x}.bin", project_id(paths)));
        let bytes = std::fs::read(&path).unwrap_or_default();
        let index = read_index(&bytes).unwrap_or_default();
        Some(Cache {
            path,
            bytes,
            index,
            used: Mutex::default(),
            fresh: Mutex::default(),
        })
    }

    /// The key of a file's facts: its bytes and module name.
    pub fn key(bytes: &[u8], module: &str, is_package: bool) -> u128 {
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
        (u128::from(lanes[0]) << 64) | u128::from(lanes[1])
    }

    /// A file's facts, if this cache holds them.
    pub fn get(&self, key: u128, display: &Path) -> Option<FileFacts> {
        let &(offset, length) = self.index.get(&key)?;
        let entry: Entry = bincode::deserialize(self.bytes.get(offset..offset + length)?).ok()?;
        lock(&self.used).insert(key);
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
    pub fn put(&self, key: u128, facts: &FileFacts) {
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
        if let Ok(bytes) = bincode::serialize(&entry) {
            lock(&self.fresh).push((key, bytes));
        }
    }

    /// Writes the cache back when this run added an entry or left one
    /// unused; a failure only costs the next run its speed.
    pub fn save(self) {
        let used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        let entries = self.fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        if entries.is_empty() && used.len() == self.index.len() {
            return;
        }
        let bytes = &self.bytes;
        let kept = self.index.iter().filter(|(key, _)| used.contains(key));
        let kept: Vec<(u128, &[u8])> = kept
            .map(|(&key, &(offset, length))| (key, &bytes[offset..offset + length]))
            .collect();
        let all: Vec<(u128, &[u8])> = kept
            .into_iter()
            .chain(entries.iter().map(|(key, bytes)| (*key, bytes.as_slice())))
            .collect();
        let temporary = self
            .path
            .with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::write(&temporary, write_file(&all)).is_ok()
            && std::fs::rename(&temporary, &self.path).is_err()
        {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// `MAGIC`, the entry count, then per entry its key and length, then the entries.
fn write_file(entries: &[(u128, &[u8])]) -> Vec<u8> {
    let body: usize = entries.iter().map(|(_, bytes)| bytes.len()).sum();
    let mut out = Vec::with_capacity(16 + entries.len() * 24 + body);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for (key, bytes) in entries {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    }
    for (_, bytes) in entries {
        out.extend_from_slice(bytes);
    }
    out
}

/// The entries' places in a cache file, or `None` when it is not one.
fn read_index(bytes: &[u8]) -> Option<FxHashMap<u128, (usize, usize)>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (count, mut rest) = rest.split_first_chunk::<8>()?;
    let count = usize::try_from(u64::from_le_bytes(*count)).ok()?;
    let mut offset = bytes
        .len()
        .checked_sub(rest.len())?
        .checked_add(count.checked_mul(24)?)?;
    let mut index = FxHashMap::default();
    for _ in 0..count {
        let (key, after) = rest.split_first_chunk::<16>()?;
        let (length, after) = after.split_first_chunk::<8>()?;
        let length = usize::try_from(u64::from_le_bytes(*length)).ok()?;
        index.insert(u128::from_le_bytes(*key), (offset, length));
        offset = offset.checked_add(length)?;
        rest = after;
    }
    (offset <= bytes.len()).then_some(index)
}

/// The project a run is about: its directories, each given path standing
/// for itself if a directory and for its parent if a file, so that a
/// pre-commit run (the root and a few files in it) and a full run of the
/// root share one cache.
fn project_id(paths: &[PathBuf]) -> u64 {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut dirs: Vec<PathBuf> = paths
        .iter()
        .map(|path| {
            let absolute = crate::discover::absolutize(&cwd, path);
            if absolute.is_dir() {
                absolute
            } else {
                absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
            }
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    let outermost: Vec<&PathBuf> = dirs
        .iter()
        .filter(|dir| {
            !dirs
                .iter()
                .any(|other| other != *dir && dir.starts_with(other))
        })
        .collect();
    let mut hasher = Fnv64::default();
    for dir in outermost {
        hasher.write(dir.as_os_str().as_encoded_bytes());
        hasher.write_u8(0);
    }
    hasher.finish()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
