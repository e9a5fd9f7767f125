//! Report and baseline files: written whole, through a temporary file in the
//! same directory and a rename, so that a failed run never leaves half a
//! report and a symlink at the output path is replaced, not written through;
//! and never over a file the run analyzed.

use std::io::Write;
use std::path::Path;

#[derive(Debug)]
pub struct OutputError(pub String);

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes `bytes` to `path` unless `path` is (or points at) one of `analyzed`.
pub fn write_file(path: &Path, bytes: &[u8], analyzed: &[&Path]) -> Result<(), OutputError> {
    let cannot = |why: String| OutputError(format!("cannot write {}: {why}", path.display()));
    if let Some(source) = analyzed_file(path, analyzed) {
        return Err(cannot(format!(
            "it is {}, an analyzed file; choose another output path",
            source.display()
        )));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".dispatchlint-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| cannot(e.to_string()))?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.flush())
        .map_err(|e| cannot(e.to_string()))?;
    // A report is as readable as any file the user makes (the temporary
    // file is private); an existing file keeps its mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map_or(0o644, |m| m.permissions().mode() & 0o7777);
        std::fs::set_permissions(temporary.path(), std::fs::Permissions::from_mode(mode))
            .map_err(|e| cannot(e.to_string()))?;
    }
    temporary
        .persist(path)
        .map_err(|e| cannot(e.error.to_string()))?;
    Ok(())
}

/// The analyzed file that `path` is, by identity (device and inode), so
/// that a symlink or a second name for it is caught too.
fn analyzed_file<'a>(path: &Path, analyzed: &[&'a Path]) -> Option<&'a Path> {
    let target = std::fs::metadata(path).ok()?;
    analyzed
        .iter()
        .copied()
        .find(|source| std::fs::metadata(source).is_ok_and(|m| same_file(&m, &target)))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}
