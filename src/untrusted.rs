//! Reading files of the analyzed tree, which is untrusted (DESIGN.md, "The
//! analyzed tree is untrusted"): only regular files are read, a FIFO or a
//! device is never opened in a way that blocks or streams forever, nothing
//! is read past a size cap, and a path the tree names is read only when it
//! resolves inside the tree.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Configuration files, rule packs and baselines: far above any real one.
pub const CONFIG_LIMIT: u64 = 1 << 20;

/// A source file: a 50 MB generated module still parses (tests/robustness.rs);
/// a sparse or endless file is never read whole.
pub const SOURCE_LIMIT: u64 = 64 << 20;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// A FIFO, a device, a socket or a directory.
    NotRegular(&'static str),
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// A symlink (or a path through one) that resolves outside the tree.
    OutsideTree,
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "not a regular file ({kind})"),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "{} is over the {} limit",
                human_size(*size),
                human_size(*limit)
            ),
            ReadError::OutsideTree => f.write_str("a symlink that leaves the analyzed tree"),
            ReadError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(error: std::io::Error) -> Self {
        ReadError::Io(error)
    }
}

fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} bytes")
}

/// What kind of thing a non-regular file is, for messages.
pub fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

/// The bytes of a regular file, at most `limit` of them.
///
/// The file is opened non-blocking (opening a FIFO with no writer would wait
/// forever) and judged by `fstat` on the open descriptor, so that what was
/// checked is what is read.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind_of(&metadata.file_type())));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            limit,
        });
    }
    // `/proc` files say 0 bytes and hold more: the cap is on what is read too.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read(path, limit)?).map_err(|_| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not valid UTF-8",
        ))
    })
}

#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::empty())?;
    Ok(std::fs::File::from(fd))
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// The directories whose contents the run may read on the tree's say: the
/// analyzed roots. Paths the tree names (in its configuration, its `.venv`,
/// a symlink) are followed only to places inside them.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    /// As given, made absolute.
    lexical: Vec<PathBuf>,
    /// With every symlink resolved.
    real: Vec<PathBuf>,
}

impl Tree {
    /// The tree made of these directories (a file stands for its directory),
    /// relative ones taken from `cwd`.
    pub fn new<'a>(cwd: &Path, roots: impl IntoIterator<Item = &'a Path>) -> Tree {
        let mut tree = Tree::default();
        for root in roots {
            let absolute = crate::discover::absolutize(cwd, root);
            let dir = if absolute.is_dir() {
                absolute
            } else {
                absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
            };
            if let Ok(real) = std::fs::canonicalize(&dir) {
                if !tree.real.contains(&real) {
                    tree.real.push(real);
                }
            }
            if !tree.lexical.contains(&dir) {
                tree.lexical.push(dir);
            }
        }
        tree
    }

    /// Whether `path`, with every symlink resolved, lies inside the tree.
    pub fn contains(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).is_ok_and(|real| self.contains_resolved(&real))
    }

    /// Whether an already resolved path lies inside the tree.
    pub fn contains_resolved(&self, real: &Path) -> bool {
        self.real.iter().any(|root| real.starts_with(root))
    }

    /// Whether an absolute path lies under one of the roots as written, or
    /// as resolved, without resolving the path itself: a file the tree
    /// holds, wherever it may point.
    pub fn holds(&self, absolute: &Path) -> bool {
        self.lexical
            .iter()
            .chain(&self.real)
            .any(|root| absolute.starts_with(root))
    }

    /// [`read`], refusing a path that resolves outside the tree.
    pub fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        let real = std::fs::canonicalize(path)?;
        if !self.contains_resolved(&real) {
            return Err(ReadError::OutsideTree);
        }
        read(&real, limit)
    }

    /// [`Tree::read`] for a file the tree holds, plain [`read`] for one it
    /// does not (the user's own, above the tree or named on the command line).
    pub fn read_held(&self, absolute: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        if self.holds(absolute) {
            self.read(absolute, limit)
        } else {
            read(absolute, limit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(read(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read(&path, 9),
            Err(ReadError::TooLarge { size: 10, .. })
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn never_streams_a_device_or_a_proc_file_past_the_limit() {
        assert!(matches!(
            read(Path::new("/dev/zero"), 1 << 20),
            Err(ReadError::NotRegular("a device"))
        ));
        // A regular file that says it is empty and is not.
        assert!(read(Path::new("/proc/self/maps"), 16).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_tree_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        let inside = tempfile::tempdir().unwrap();
        let link = inside.path().join("link.toml");
        std::os::unix::fs::symlink(outside.path().join("secret"), &link).unwrap();
        let tree = Tree::new(Path::new("/"), [inside.path()]);
        assert!(matches!(tree.read(&link, 100), Err(ReadError::OutsideTree)));
        std::fs::write(inside.path().join("own.toml"), "y").unwrap();
        assert_eq!(
            tree.read(&inside.path().join("own.toml"), 100).unwrap(),
            b"y"
        );
    }
}
