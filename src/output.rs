//! Writing output files atomically, mode 0600, never clobbering unless asked, and undoable until kept.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use tempfile::{NamedTempFile, TempPath};

use crate::messages::{Localized, Msg, english_display};

/// Whether an existing file at the destination may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    #[default]
    Refuse,
    Replace,
}

/// Why an output could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// The destination exists and `--force` was not given. `flag` is the
    /// option that named the file (`-o`, `--verifier`, ...), for the advice.
    Exists { path: PathBuf, flag: &'static str },
    /// The destination is a folder.
    IsFolder { path: PathBuf, flag: &'static str },
    /// The folder the destination would go into does not exist.
    FolderMissing { dir: PathBuf, flag: &'static str },
    /// The folder exists but a file cannot be created in it.
    NotWritable {
        dir: PathBuf,
        flag: &'static str,
        source: io::Error,
    },
    /// `-o -` while stdout is a terminal.
    StdoutIsTerminal,
    /// Writing, syncing or renaming failed.
    Write { path: PathBuf, source: io::Error },
}

impl Localized for OutputError {
    fn msg(&self) -> Msg {
        match self {
            OutputError::Exists { path, flag } => Msg::new("output_exists")
                .with("path", path.display())
                .with("flag", flag),
            OutputError::IsFolder { path, flag } => Msg::new("output_is_folder")
                .with("path", path.display())
                .with("flag", flag),
            OutputError::FolderMissing { dir, flag } => Msg::new("output_folder_missing")
                .with("dir", dir.display())
                .with("flag", flag),
            OutputError::NotWritable { dir, flag, source } => Msg::new("output_not_writable")
                .with("dir", dir.display())
                .with("source", source)
                .with("flag", flag),
            OutputError::StdoutIsTerminal => Msg::new("output_stdout_is_terminal"),
            OutputError::Write { path, source } => Msg::new("output_write")
                .with("path", path.display())
                .with("source", source),
        }
    }
}

english_display!(OutputError);

impl std::error::Error for OutputError {}

/// The folder a destination goes into (`.` for a bare file name).
fn parent_dir(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Fails early, before any work, when `dest` (named by `flag`) cannot be written.
pub fn precheck(dest: &Path, overwrite: Overwrite, flag: &'static str) -> Result<(), OutputError> {
    match fs::metadata(dest) {
        Ok(meta) if meta.is_dir() => {
            return Err(OutputError::IsFolder {
                path: dest.to_owned(),
                flag,
            });
        }
        Ok(_) if overwrite == Overwrite::Refuse => {
            return Err(OutputError::Exists {
                path: dest.to_owned(),
                flag,
            });
        }
        _ => {}
    }
    precheck_folder(&parent_dir(dest), flag)
}

/// Whether two destinations name the same file: the same name in the same
/// folder, however the folder is written (`./x`, `x`, a link to it).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a.file_name() != b.file_name() {
        return false;
    }
    match (
        fs::canonicalize(parent_dir(a)),
        fs::canonicalize(parent_dir(b)),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => parent_dir(a) == parent_dir(b),
    }
}

/// Fails early when files cannot go into `dir` because it is not a folder.
pub fn precheck_folder(dir: &Path, flag: &'static str) -> Result<(), OutputError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        _ => Err(OutputError::FolderMissing {
            dir: dir.to_owned(),
            flag,
        }),
    }
}

/// Bytes written and synced to a temporary file beside their destination.
pub struct Prepared {
    temp: NamedTempFile,
    dest: PathBuf,
    overwrite: Overwrite,
    flag: &'static str,
}

/// Writes `bytes` into a fresh mode-0600 temporary file in `dest`'s folder.
/// Nothing is visible at `dest` until [`Prepared::place`].
pub fn prepare(
    dest: &Path,
    bytes: &[u8],
    overwrite: Overwrite,
    flag: &'static str,
) -> Result<Prepared, OutputError> {
    precheck(dest, overwrite, flag)?;
    let dir = parent_dir(dest);
    let mut temp = tempfile::Builder::new()
        .prefix(".recovery-sheet-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|source| OutputError::NotWritable {
            dir: dir.clone(),
            flag,
            source,
        })?;
    let write_err = |source| OutputError::Write {
        path: dest.to_owned(),
        source,
    };
    set_private(temp.as_file()).map_err(write_err)?;
    temp.write_all(bytes).map_err(write_err)?;
    temp.as_file().sync_all().map_err(write_err)?;
    Ok(Prepared {
        temp,
        dest: dest.to_owned(),
        overwrite,
        flag,
    })
}

#[cfg(unix)]
fn set_private(file: &fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn set_private(_file: &fs::File) -> io::Result<()> {
    Ok(())
}

impl Prepared {
    /// Moves the file to its destination. A replaced file is kept aside until
    /// [`Placed::keep`], so [`Placed::undo`] can put it back.
    pub fn place(self) -> Result<Placed, OutputError> {
        let dest = self.dest;
        let err = |source| OutputError::Write {
            path: dest.clone(),
            source,
        };
        match self.overwrite {
            Overwrite::Refuse => {
                self.temp.persist_noclobber(&dest).map_err(|e| {
                    if e.error.kind() == io::ErrorKind::AlreadyExists {
                        OutputError::Exists {
                            path: dest.clone(),
                            flag: self.flag,
                        }
                    } else {
                        err(e.error)
                    }
                })?;
                sync_dir(&dest);
                Ok(Placed { dest, backup: None })
            }
            Overwrite::Replace => {
                let backup = match fs::symlink_metadata(&dest) {
                    Ok(_) => {
                        let dir = parent_dir(&dest);
                        let backup = tempfile::Builder::new()
                            .prefix(".recovery-sheet-old-")
                            .tempfile_in(&dir)
                            .map_err(err)?
                            .into_temp_path();
                        fs::rename(&dest, &backup).map_err(err)?;
                        Some(backup)
                    }
                    Err(_) => None,
                };
                if let Err(e) = self.temp.persist(&dest) {
                    if let Some(backup) = &backup {
                        let _ = fs::rename(backup, &dest);
                    }
                    return Err(err(e.error));
                }
                sync_dir(&dest);
                Ok(Placed { dest, backup })
            }
        }
    }
}

/// Best effort: make the rename durable. Errors are ignored since the file
/// itself is synced and some file systems refuse to sync a folder.
fn sync_dir(dest: &Path) {
    if let Ok(dir) = fs::File::open(parent_dir(dest)) {
        let _ = dir.sync_all();
    }
}

/// A file at its destination, which can still be taken back.
pub struct Placed {
    dest: PathBuf,
    backup: Option<TempPath>,
}

impl Placed {
    /// The file stays; a file it replaced is deleted.
    pub fn keep(self) {
        // Dropping the TempPath deletes the old file.
        drop(self.backup);
    }

    /// Removes the file and puts back what it replaced, if anything.
    pub fn undo(self) {
        let _ = fs::remove_file(&self.dest);
        if let Some(backup) = self.backup
            && fs::rename(&backup, &self.dest).is_ok()
        {
            // Renamed away: nothing left for the TempPath to delete.
            let _ = backup.keep();
        }
    }
}

/// Stdout, refused when it is a terminal (a PDF would garble it).
pub fn checked_stdout() -> Result<io::Stdout, OutputError> {
    let out = io::stdout();
    if out.is_terminal() {
        return Err(OutputError::StdoutIsTerminal);
    }
    Ok(out)
}

/// A file-name-safe form of an account label: ASCII letters, digits, `.`, `_`,
/// `@` and `-`; anything else becomes `-`. Empty (e.g. all Japanese) gives `account`.
pub fn slug(account: &str) -> String {
    let mut out = String::new();
    for c in account.trim().chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-') {
            c.to_ascii_lowercase()
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_matches(['-', '.']).to_owned();
    if out.is_empty() {
        "account".to_owned()
    } else {
        out
    }
}

/// The default sheet file name: account, generation and set ID tell sheets apart.
pub fn default_sheet_name(account: &str, generation: u32, set_id: &str) -> String {
    format!("{}-gen{generation}-{set_id}.pdf", slug(account))
}

/// The default verifier file name, matching its sheet's.
pub fn default_verifier_name(account: &str, generation: u32, set_id: &str) -> String {
    format!("{}-gen{generation}-{set_id}.verifier.json", slug(account))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_addresses_readable() {
        assert_eq!(slug("Shop@Example.com"), "shop@example.com");
        assert_eq!(slug("株式会社サンプル"), "account");
        assert_eq!(slug("a / b"), "a-b");
        assert_eq!(slug("../etc/passwd"), "etc-passwd");
    }

    #[test]
    fn refuses_to_clobber_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.pdf");
        fs::write(&dest, b"old").unwrap();
        let err = prepare(&dest, b"new", Overwrite::Refuse, "-o")
            .err()
            .unwrap();
        assert!(matches!(err, OutputError::Exists { .. }));
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn undo_restores_the_replaced_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.pdf");
        fs::write(&dest, b"old").unwrap();
        let placed = prepare(&dest, b"new", Overwrite::Replace, "-o")
            .unwrap()
            .place()
            .unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        placed.undo();
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn keep_drops_the_replaced_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.pdf");
        fs::write(&dest, b"old").unwrap();
        prepare(&dest, b"new", Overwrite::Replace, "-o")
            .unwrap()
            .place()
            .unwrap()
            .keep();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.pdf");
        prepare(&dest, b"new", Overwrite::Refuse, "-o")
            .unwrap()
            .place()
            .unwrap()
            .keep();
        let mode = fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
