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
//!
//! The cache decides what is reported, so it is private: its directories
//! are made `0700`, its temporary file is created exclusively (never
//! through a symlink) and renamed into place, and a run does without it,
//! with a one-line warning, when a directory or the file is owned by another
//! user, writable by its group or by others, or the file is not a regular
//! file (it is opened with `O_NOFOLLOW | O_NONBLOCK` and checked with
//! `fstat` before a byte is read, and read up to [`MAX_BYTES`]).
//!
//! Each build of dispatchlint has its own directory under the base. A run
//! that writes its cache removes the directories of other builds, except the
//! two used most recently within a week (an installed binary and a
//! development build used in turn must not wipe each other's cache).

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustc_hash::{FxHashMap, FxHashSet};

use serde::{Deserialize, Serialize};

use crate::model::{
    Body, ClassFact, Constant, FileFacts, FromImport, FunctionFact, InputDiagnostic, Location,
    NameRef, Scope, Suppression,
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
    bodies: Vec<Body>,
    return_annotations: BTreeMap<String, Vec<NameRef>>,
    last_import: Option<Location>,
    from_imports: Vec<FromImport>,
    constants: BTreeMap<String, Constant>,
    patches: Vec<(NameRef, String, Location)>,
    suppressions: Vec<Suppression>,
    /// (code, message, location): codes are `&'static str` in the facts.
    diagnostics: Vec<(String, String, Option<Location>)>,
}

pub struct Cache {
    path: PathBuf,
    /// The directory that holds every build's directory.
    base: PathBuf,
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
/// `2`: entries carry each function's calls (`FileFacts::bodies`).
const MAGIC: &[u8; 8] = b"dlcache2";

/// A cache file larger than this is not read (the 1x benchmark corpus,
/// 137k lines, needs 1.4 MB).
pub const MAX_BYTES: u64 = 512 << 20;

/// The start of a temporary cache file's name.
const TEMPORARY_PREFIX: &str = ".dlcache-";

impl Cache {
    /// The cache of the project made of `paths` (their directories: a file
    /// stands for its own) for this build of dispatchlint, or `None` when
    /// there is no cache directory to use. The cache is not used (with a
    /// warning on standard error) when it is not private to this user.
    pub fn open(paths: &[PathBuf]) -> Option<Cache> {
        let base = match std::env::var_os("DISPATCHLINT_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => dirs::cache_dir()?.join("dispatchlint"),
        };
        let dir = base.join(build_id());
        let path = dir.join(format!("{:016x}.bin", project_id(paths)));
        let bytes = match private::directory(&base, true)
            .and_then(|()| private::directory(&dir, false))
            .and_then(|()| private::read(&path, MAX_BYTES))
        {
            Ok(bytes) => bytes,
            Err(private::Refused::Untrusted(at, why)) => {
                crate::stderr_line!(
                    "dispatchlint: warning: not using the cache at {}: {why}",
                    crate::escape::path(&at)
                );
                return None;
            }
            Err(private::Refused::Unavailable) => return None,
        };
        private::mark_used(&dir);
        let index = read_index(&bytes).unwrap_or_default();
        Some(Cache {
            path,
            base,
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
        facts.bodies = entry.bodies;
        facts.return_annotations = entry.return_annotations;
        facts.last_import = entry.last_import;
        facts.from_imports = entry.from_imports;
        facts.constants = entry.constants;
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
            bodies: &facts.bodies,
            return_annotations: &facts.return_annotations,
            last_import: facts.last_import,
            from_imports: &facts.from_imports,
            constants: &facts.constants,
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
        let Some(dir) = self.path.parent() else {
            return;
        };
        // Created with O_EXCL and mode 0600 under a random name, renamed over
        // the cache file (a symlink there is replaced, never followed), and
        // removed on any failure.
        let written = tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .suffix(".tmp")
            .tempfile_in(dir)
            .and_then(|mut file| {
                std::io::Write::write_all(&mut file, &write_file(&all))?;
                file.persist(&self.path).map_err(|e| e.error)
            });
        if written.is_ok() {
            if let Some(build) = dir.file_name() {
                private::prune(&self.base, build);
            }
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
    bodies: &'a [Body],
    return_annotations: &'a BTreeMap<String, Vec<NameRef>>,
    last_import: Option<Location>,
    from_imports: &'a [FromImport],
    constants: &'a BTreeMap<String, Constant>,
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

/// Whether `name` is a build directory's name: `{version}-{16 hex digits}`
/// (any version: other releases' directories are ours too).
fn is_build_name(name: &str) -> bool {
    let Some((version, hash)) = name.rsplit_once('-') else {
        return false;
    };
    hash.len() == 16
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
}

/// Whether `name` is a file a build directory holds: a cache file
/// (`{16 hex}.bin`), a temporary one, or one an older build left
/// (`{16 hex}.{pid}.tmp`).
fn is_cache_file_name(name: &str) -> bool {
    let hex16 = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(rest) = name.strip_prefix(TEMPORARY_PREFIX) {
        return rest.ends_with(".tmp");
    }
    match name.split('.').collect::<Vec<_>>()[..] {
        [project, "bin"] => hex16(project),
        [project, pid, "tmp"] => hex16(project) && pid.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// The checks that keep the cache private, and the pruning of old builds.
#[cfg(unix)]
mod private {
    use std::ffi::OsStr;
    use std::fs::{DirBuilder, File, Metadata};
    use std::io::Read;
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime};

    use rustix::fs::{AtFlags, Mode, OFlags};

    /// Why the cache is not used.
    pub enum Refused {
        /// Someone else could have written it: warn, and do without.
        Untrusted(PathBuf, &'static str),
        /// It cannot be made or read (a read-only home, a race with another
        /// build's pruning): do without, silently.
        Unavailable,
    }

    /// What makes a directory or file untrusted, or `None`.
    fn distrust(metadata: &Metadata) -> Option<&'static str> {
        if metadata.uid() != rustix::process::geteuid().as_raw() {
            Some("it is owned by another user")
        } else if metadata.mode() & 0o002 != 0 {
            Some("it is writable by others")
        } else if metadata.mode() & 0o020 != 0 {
            Some("it is writable by its group")
        } else {
            None
        }
    }

    /// Makes `path` (mode 0700) if missing and checks that only this user
    /// can write it. The base may be a symlink to a directory (a cache
    /// directory moved to another disk); a build's directory may not.
    pub fn directory(path: &Path, follow: bool) -> Result<(), Refused> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(|_| Refused::Unavailable)?;
        let metadata = if follow {
            path.metadata()
        } else {
            path.symlink_metadata()
        }
        .map_err(|_| Refused::Unavailable)?;
        let untrusted = |why| Err(Refused::Untrusted(path.to_path_buf(), why));
        if metadata.file_type().is_symlink() {
            return untrusted("it is a symlink");
        }
        if !metadata.is_dir() {
            return untrusted("it is not a directory");
        }
        match distrust(&metadata) {
            Some(why) => untrusted(why),
            None => Ok(()),
        }
    }

    /// The cache file's bytes (none when it does not exist or is too
    /// large). Opened without following a symlink and without blocking on a
    /// FIFO, and checked with `fstat` before anything is read.
    pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Refused> {
        let untrusted = |why| Err(Refused::Untrusted(path.to_path_buf(), why));
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let file = match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(fd) => File::from(fd),
            Err(rustix::io::Errno::NOENT) => return Ok(Vec::new()),
            Err(rustix::io::Errno::LOOP) => return untrusted("it is a symlink"),
            Err(_) => {
                // Unopenable (a socket, another user's file): say why, or
                // do without.
                return match path.symlink_metadata() {
                    Ok(metadata) if !metadata.is_file() => untrusted("it is not a regular file"),
                    Ok(metadata) => {
                        distrust(&metadata).map_or(Err(Refused::Unavailable), untrusted)
                    }
                    Err(_) => Err(Refused::Unavailable),
                };
            }
        };
        let metadata = file.metadata().map_err(|_| Refused::Unavailable)?;
        if !metadata.is_file() {
            return untrusted("it is not a regular file");
        }
        if let Some(why) = distrust(&metadata) {
            return untrusted(why);
        }
        if metadata.len() > limit {
            return Ok(Vec::new());
        }
        let mut bytes = Vec::with_capacity(metadata.len() as usize);
        // A read error is an empty cache (another build may be removing it).
        if file.take(limit).read_to_end(&mut bytes).is_err() {
            bytes.clear();
        }
        Ok(bytes)
    }

    /// Records that this build's cache was used now (its directory's
    /// modification time), for [`prune`].
    pub fn mark_used(dir: &Path) {
        if let Ok(handle) = File::open(dir) {
            let _ = handle.set_modified(SystemTime::now());
        }
    }

    /// Other builds whose directories are kept: the most recently used ones,
    /// if used within [`KEEP_FOR`].
    const KEEP_OTHER_BUILDS: usize = 2;
    const KEEP_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
    /// At most this many directories are removed by one run.
    const PRUNE_PER_RUN: usize = 16;

    /// Removes other builds' directories under `base`, but `current` and the
    /// ones [`KEEP_OTHER_BUILDS`] keeps: only directories named like a build
    /// and owned by this user, only the files a cache directory holds, never
    /// through a symlink (every removal is relative to a directory opened
    /// with `O_NOFOLLOW`). Failures are ignored: another run may be reading
    /// or pruning the same directories.
    pub fn prune(base: &Path, current: &OsStr) {
        let Ok(listing) = std::fs::read_dir(base) else {
            return;
        };
        let mut builds: Vec<(SystemTime, std::ffi::OsString)> = listing
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name();
                if name == current || !name.to_str().is_some_and(super::is_build_name) {
                    return None;
                }
                // Not followed: a symlink is not a directory here.
                let metadata = entry.path().symlink_metadata().ok()?;
                let ours = metadata.is_dir() && distrust(&metadata).is_none();
                ours.then(|| (metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH), name))
            })
            .collect();
        if builds.is_empty() {
            return;
        }
        builds.sort_by_key(|&(used, _)| std::cmp::Reverse(used));
        let now = SystemTime::now();
        let stale = builds.into_iter().enumerate().filter(|(rank, (used, _))| {
            *rank >= KEEP_OTHER_BUILDS || now.duration_since(*used).unwrap_or_default() > KEEP_FOR
        });
        let directory = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let Ok(base_fd) = rustix::fs::open(base, directory, Mode::empty()) else {
            return;
        };
        for (_, (_, name)) in stale.take(PRUNE_PER_RUN) {
            let Ok(build_fd) =
                rustix::fs::openat(&base_fd, &name, directory | OFlags::NOFOLLOW, Mode::empty())
            else {
                continue;
            };
            let owned = rustix::fs::fstat(&build_fd)
                .is_ok_and(|stat| stat.st_uid == rustix::process::geteuid().as_raw());
            if !owned {
                continue;
            }
            let Ok(files) = std::fs::read_dir(base.join(&name)) else {
                continue;
            };
            for file in files.flatten() {
                let file = file.file_name();
                if file.to_str().is_some_and(super::is_cache_file_name) {
                    // Never removes a directory, never follows a symlink.
                    let _ = rustix::fs::unlinkat(&build_fd, &file, AtFlags::empty());
                }
            }
            // Only when empty: a file we did not make keeps the directory.
            let _ = rustix::fs::unlinkat(&base_fd, &name, AtFlags::REMOVEDIR);
        }
    }
}

/// Elsewhere, the checks that need no owner or mode.
#[cfg(not(unix))]
mod private {
    use std::ffi::OsStr;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    pub enum Refused {
        Untrusted(PathBuf, &'static str),
        Unavailable,
    }

    pub fn directory(path: &Path, _follow: bool) -> Result<(), Refused> {
        std::fs::create_dir_all(path).map_err(|_| Refused::Unavailable)
    }

    pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Refused> {
        match path.symlink_metadata() {
            Err(_) => return Ok(Vec::new()),
            Ok(m) if !m.is_file() => {
                return Err(Refused::Untrusted(
                    path.to_path_buf(),
                    "it is not a regular file",
                ))
            }
            Ok(m) if m.len() > limit => return Ok(Vec::new()),
            Ok(_) => {}
        }
        let mut bytes = Vec::new();
        match std::fs::File::open(path).map(|f| f.take(limit).read_to_end(&mut bytes)) {
            Ok(Ok(_)) => Ok(bytes),
            _ => Ok(Vec::new()),
        }
    }

    pub fn mark_used(_dir: &Path) {}

    pub fn prune(_base: &Path, _current: &OsStr) {}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_are_pruned() {
        assert!(is_build_name(&build_id()));
        assert!(is_build_name("0.1.0-0123456789abcdef"));
        assert!(is_build_name("1.2.3-rc.1-0123456789abcdef"));
        for name in [
            "0.1.0",
            "x0.1.0-0123456789abcdef",
            "0.1.0-0123456789ABCDEF",
            "0.1/0-0123456789abcdef",
            "0.1.0-0123456789abcde",
        ] {
            assert!(!is_build_name(name), "{name}");
        }
        for name in [
            "0123456789abcdef.bin",
            "0123456789abcdef.4242.tmp",
            ".dlcache-x1Y2z3.tmp",
        ] {
            assert!(is_cache_file_name(name), "{name}");
        }
        for name in [
            "notes.txt",
            "0123456789abcdef.bin.bak",
            "0123456789abcdef.42x.tmp",
            ".dlcache-x",
            "bin",
        ] {
            assert!(!is_cache_file_name(name), "{name}");
        }
    }
}
