//! Placing files so that nothing is lost or left behind: staged files that vanish with the process, placing without clobbering, swapping with an old file, locks, and file identity.
//!
//! A file that holds codes is written in two steps. [`stage`] writes and
//! syncs the bytes to a private file (mode 0600) in the destination's folder
//! that has no name at all (Linux `O_TMPFILE`): if the process dies, the
//! kernel frees it and nothing is left behind. Placing then gives it its
//! name in one step: [`Staged::link_new`] (refused if the name is taken) or,
//! to replace a file, [`Staged::link_aside`] and [`swap`], after which the
//! old file sits under the aside name until it is removed. Where a file
//! system has no unnamed files, the staged file has a hidden name and a lock
//! held while the process lives; [`sweep`] (called by [`stage`]) removes
//! such files whose process died.
//!
//! Which of these steps happened is for the caller to record before it takes
//! them (the issuing protocol records the destination, the staged file's
//! [`FileId`] and the aside name in the ledger first; see `app/issue.rs`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Hidden files the tool makes start with this, so [`sweep`] can find them.
const PREFIX: &str = ".recovery-sheet-";
/// The suffix of a staged file that has a name (no `O_TMPFILE`).
const STAGED_SUFFIX: &str = ".tmp";

/// Whether an existing file at the destination may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    #[default]
    Refuse,
    Replace,
}

impl Overwrite {
    /// From `--force` at the edge (a flag, a batch option, a form's box).
    pub fn when_forced(force: bool) -> Overwrite {
        if force {
            Overwrite::Replace
        } else {
            Overwrite::Refuse
        }
    }
}

/// A file's identity on this machine (device and inode): the same file
/// however its path is spelt, through `..`, symlinks or hard links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    fn of(meta: &fs::Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileId {
                dev: meta.dev(),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            // No inode numbers: identity falls back to the path comparison in `same_file`.
            let _ = meta;
            FileId { dev: 0, ino: 0 }
        }
    }
}

/// The identity of the file at `path` (following symlinks); `None` when there is none.
pub fn identity(path: &Path) -> io::Result<Option<FileId>> {
    match fs::metadata(path) {
        Ok(meta) => Ok(Some(FileId::of(&meta))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The folder a path goes into (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Whether `a` and `b` name the same file: the same device and inode when
/// both exist (links, hard links, `..`), else the same name in the same
/// folder however the folder is written.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(Some(x)), Ok(Some(y))) = (identity(a), identity(b)) {
        return x == y;
    }
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

/// Bytes written and synced to a private file in the destination's folder,
/// not yet visible under any name the user sees.
pub struct Staged {
    file: File,
    dir: PathBuf,
    id: FileId,
    /// The hidden name, where the file system could not make a nameless file.
    named: Option<PathBuf>,
}

/// Writes `bytes` to a new private file in `dir` (see the module's notes).
pub fn stage(dir: &Path, bytes: &[u8]) -> io::Result<Staged> {
    sweep(dir);
    let (mut file, named) = match nameless(dir)? {
        Some(file) => (file, None),
        None => {
            let (file, path) = named_private(dir, STAGED_SUFFIX)?;
            (file, Some(path))
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| file.metadata());
    match written {
        Ok(meta) => Ok(Staged {
            id: FileId::of(&meta),
            file,
            dir: dir.to_owned(),
            named,
        }),
        Err(e) => {
            if let Some(path) = &named {
                let _ = fs::remove_file(path);
            }
            Err(e)
        }
    }
}

/// A private file in `dir` with no name (Linux), or `None` where the file
/// system (or the system) cannot make one.
#[cfg(target_os = "linux")]
fn nameless(dir: &Path) -> io::Result<Option<File>> {
    use rustix::fs::{CWD, Mode, OFlags, openat};
    match openat(
        CWD,
        dir,
        OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    ) {
        Ok(fd) => {
            let file = File::from(fd);
            set_private(&file)?;
            Ok(Some(file))
        }
        // The file system has no O_TMPFILE (or the kernel predates it).
        Err(e)
            if e == rustix::io::Errno::OPNOTSUPP
                || e == rustix::io::Errno::ISDIR
                || e == rustix::io::Errno::INVAL =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn nameless(_dir: &Path) -> io::Result<Option<File>> {
    Ok(None)
}

/// A new hidden file `.recovery-sheet-<random><suffix>` in `dir`, mode 0600,
/// locked for as long as it is open, so [`sweep`] can tell a live one from
/// one whose process died.
fn named_private(dir: &Path, suffix: &str) -> io::Result<(File, PathBuf)> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(PREFIX).suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    // Between creating the file and locking it, another run's `sweep` may
    // take it for a dead run's file (it is not locked yet) and remove it:
    // then the lock is on a file without a name, or is refused while the
    // sweeper holds it. Either way a new name is tried, so the file this
    // returns is locked and still at its path.
    let mut tries = 0;
    loop {
        let (file, path) = builder.tempfile_in(dir)?.keep().map_err(|e| e.error)?;
        let kept = match file.try_lock() {
            Ok(()) => {
                let id = FileId::of(&file.metadata()?);
                identity(&path)? == Some(id)
            }
            Err(fs::TryLockError::WouldBlock) => false,
            Err(fs::TryLockError::Error(e)) => {
                let _ = fs::remove_file(&path);
                return Err(e);
            }
        };
        if kept {
            return Ok((file, path));
        }
        tries += 1;
        if tries >= 16 {
            return Err(io::Error::other(
                "staged files kept vanishing while being made",
            ));
        }
    }
}

/// Mode 0600 whatever the umask.
fn set_private(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

/// Removes the hidden staged files in `dir` whose process died (their lock is
/// free): what a crash leaves where the file system has no nameless files.
/// Best effort: a file that cannot be opened or removed stays for next time.
pub fn sweep(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(PREFIX) && name.ends_with(STAGED_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = OpenOptions::new().read(true).open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            let _ = fs::remove_file(&path);
        }
    }
}

impl Staged {
    /// The staged file's identity, which it keeps once placed.
    pub fn id(&self) -> FileId {
        self.id
    }

    /// A hidden name in the staged file's folder, unused so far, for the
    /// file a replaced one is kept under (see [`Staged::link_aside`]).
    pub fn aside_name(&self) -> PathBuf {
        let random = rand::Rng::next_u64(&mut rand::rand_core::UnwrapErr(rand::rngs::SysRng));
        self.dir.join(format!("{PREFIX}{random:016x}.aside"))
    }

    /// Gives the staged file the name `dest` (in its folder); fails with
    /// `AlreadyExists` when the name is taken, changing nothing.
    pub fn link_new(self, dest: &Path) -> io::Result<()> {
        self.link(dest)?;
        sync_dir(&parent_dir(dest));
        Ok(())
    }

    /// Gives the staged file the hidden name `aside` (from
    /// [`Staged::aside_name`]), ready to be swapped with the file it replaces.
    pub fn link_aside(self, aside: &Path) -> io::Result<()> {
        self.link(aside)
    }

    fn link(self, dest: &Path) -> io::Result<()> {
        match &self.named {
            // Hard links never replace: the name taken is an error.
            Some(named) => {
                fs::hard_link(named, dest)?;
                let _ = fs::remove_file(named);
                Ok(())
            }
            None => link_nameless(&self.file, dest),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // A named staged file that was not placed is removed; once placed,
        // this name is already gone (a nameless one goes with the handle).
        if let Some(named) = &self.named {
            let _ = fs::remove_file(named);
        }
    }
}

/// Names a nameless file: `linkat` through `/proc/self/fd`, which needs no
/// privilege (`AT_EMPTY_PATH` would).
#[cfg(target_os = "linux")]
fn link_nameless(file: &File, dest: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    rustix::fs::linkat(
        rustix::fs::CWD,
        proc_path.as_str(),
        rustix::fs::CWD,
        dest,
        rustix::fs::AtFlags::SYMLINK_FOLLOW,
    )
    .map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn link_nameless(_file: &File, _dest: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Swaps the files at `a` and `b` in one step (both must exist), so that
/// neither name is ever missing; where the file system cannot swap, `a`
/// replaces `b` in one step and the old `b` is gone (there is then nothing
/// to swap back, which callers handle as "placed").
pub fn swap(a: &Path, b: &Path) -> io::Result<Swapped> {
    #[cfg(target_os = "linux")]
    {
        match rustix::fs::renameat_with(
            rustix::fs::CWD,
            a,
            rustix::fs::CWD,
            b,
            rustix::fs::RenameFlags::EXCHANGE,
        ) {
            Ok(()) => {
                sync_dir(&parent_dir(b));
                return Ok(Swapped::Exchanged);
            }
            Err(e) if e != rustix::io::Errno::INVAL && e != rustix::io::Errno::NOSYS => {
                return Err(e.into());
            }
            Err(_) => {}
        }
    }
    fs::rename(a, b)?;
    sync_dir(&parent_dir(b));
    Ok(Swapped::Replaced)
}

/// What [`swap`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swapped {
    /// The two files changed names: the old one is now at the first path.
    Exchanged,
    /// The first replaced the second, which is gone.
    Replaced,
}

/// Best effort: makes names just given durable. Errors are ignored since
/// the files themselves are synced and some file systems refuse to sync a folder.
pub fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Removes `path` if it is there; a file already gone is not an error.
pub fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// An exclusive lock on a lock file (created, mode 0600, if absent), held
/// until dropped. The kernel releases it when the process dies, so a lock
/// never outlives its holder.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Why a lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process held it for the whole wait.
    Busy,
    /// `give_up` asked to stop waiting.
    Stopped,
    Io(io::Error),
}

/// Takes the lock on `path`, waiting while another process holds it: short
/// sleeps at first (a holder usually finishes in milliseconds), at most
/// 50 ms later so that `give_up` (Ctrl-C) is seen, for at most `wait`.
pub fn lock_file(
    path: &Path,
    wait: std::time::Duration,
    give_up: &dyn Fn() -> bool,
) -> Result<FileLock, LockError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(LockError::Io)?;
    let started = std::time::Instant::now();
    for attempt in 0u32.. {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
        }
        if give_up() {
            return Err(LockError::Stopped);
        }
        if started.elapsed() >= wait {
            return Err(LockError::Busy);
        }
        let ms = [1, 2, 5, 10, 15, 20, 25]
            .get(attempt as usize)
            .copied()
            .unwrap_or(50);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    Err(LockError::Busy)
}

/// Writes `bytes` in place of the file at `path` (after
/// [`lock_replacing`] took its lock): a hidden locked file beside it, synced,
/// then renamed over it in one step, so a reader sees the old or the new
/// content, never a mix. A crash leaves at most the hidden file, which the
/// next [`sweep`] of that folder removes.
pub fn replace_contents(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    sweep(&dir);
    let (mut file, temp) = named_private(&dir, STAGED_SUFFIX)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(&dir);
    Ok(())
}

/// A file opened and locked for replacing its contents, checked to still be
/// the file at its path once the lock is held.
#[derive(Debug)]
pub struct LockedFile {
    /// Held open: the lock lasts as long as it does.
    _file: File,
    /// The path with symlinks resolved: replacing goes to the real file,
    /// never over a link to it.
    pub path: PathBuf,
}

/// Why [`lock_replacing`] refused.
#[derive(Debug)]
pub enum LockReplacingError {
    Io(io::Error),
    /// The file has other hard links: replacing it under one name would
    /// leave the old contents under the others.
    HardLinked {
        links: u64,
    },
    Stopped,
}

/// Opens the file at `path` (following links to the real file) and takes an
/// exclusive lock on it. The lock is on the file itself, not on a lock file
/// beside it that someone could delete: a writer replaces the file (a new
/// inode) while holding the old one's lock, and a waiter that then gets the
/// old lock sees the path now names another file, and starts again on it.
/// A file with other hard links is refused.
pub fn lock_replacing(
    path: &Path,
    give_up: &dyn Fn() -> bool,
) -> Result<LockedFile, LockReplacingError> {
    let path = fs::canonicalize(path).map_err(LockReplacingError::Io)?;
    loop {
        let file = OpenOptions::new()
            .read(true)
            .open(&path)
            .map_err(LockReplacingError::Io)?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) => {
                    if give_up() {
                        return Err(LockReplacingError::Stopped);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                Err(fs::TryLockError::Error(e)) => return Err(LockReplacingError::Io(e)),
            }
        }
        let locked = FileId::of(&file.metadata().map_err(LockReplacingError::Io)?);
        if identity(&path).map_err(LockReplacingError::Io)? != Some(locked) {
            // Replaced while we waited: lock the file that is there now.
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let links = file.metadata().map_err(LockReplacingError::Io)?.nlink();
            if links > 1 {
                return Err(LockReplacingError::HardLinked { links });
            }
        }
        return Ok(LockedFile { _file: file, path });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A run's `sweep` of a folder never removes another live run's file in
    /// the instant between its creation and its lock: files replaced while
    /// sweeps run in a loop all arrive (one run of 30 parallel `verify`s once
    /// failed with "No such file" this way).
    #[test]
    fn a_sweep_never_takes_a_file_being_made() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("v.json");
        fs::write(&target, b"0").unwrap();
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        sweep(dir.path());
                    }
                });
            }
            for i in 0..400 {
                let body = i.to_string();
                if let Err(e) = replace_contents(&target, body.as_bytes()) {
                    done.store(true, std::sync::atomic::Ordering::Relaxed);
                    panic!("replace {i}: {e}");
                }
                assert_eq!(fs::read_to_string(&target).unwrap(), body);
            }
            done.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        assert_eq!(names(dir.path()), ["v.json"]);
    }

    #[test]
    fn a_staged_file_is_invisible_until_linked_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let staged = stage(dir.path(), b"codes").unwrap();
        assert_eq!(names(dir.path()), Vec::<String>::new());
        let id = staged.id();
        let dest = dir.path().join("sheet.pdf");
        staged.link_new(&dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"codes");
        assert_eq!(identity(&dest).unwrap(), Some(id));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(names(dir.path()), ["sheet.pdf"]);
    }

    #[test]
    fn a_staged_file_that_is_dropped_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        drop(stage(dir.path(), b"codes").unwrap());
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn linking_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("sheet.pdf");
        fs::write(&dest, b"old").unwrap();
        let err = stage(dir.path(), b"new")
            .unwrap()
            .link_new(&dest)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["sheet.pdf"]);
    }

    #[test]
    fn swapping_keeps_the_old_file_aside() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("sheet.pdf");
        fs::write(&dest, b"old").unwrap();
        let staged = stage(dir.path(), b"new").unwrap();
        let aside = staged.aside_name();
        staged.link_aside(&aside).unwrap();
        let swapped = swap(&aside, &dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        if swapped == Swapped::Exchanged {
            assert_eq!(fs::read(&aside).unwrap(), b"old");
            // And back again, as an undo does.
            swap(&aside, &dest).unwrap();
            assert_eq!(fs::read(&dest).unwrap(), b"old");
            remove_if_present(&aside).unwrap();
        }
        assert_eq!(names(dir.path()), ["sheet.pdf"]);
    }

    #[test]
    fn the_sweep_removes_named_staged_files_of_dead_processes_only() {
        let dir = tempfile::tempdir().unwrap();
        let (live, live_path) = named_private(dir.path(), STAGED_SUFFIX).unwrap();
        // One whose process died: a file by that name with no lock on it.
        let dead = dir.path().join(format!("{PREFIX}dead{STAGED_SUFFIX}"));
        fs::write(&dead, b"codes").unwrap();
        let other = dir.path().join("notes.tmp");
        fs::write(&other, b"mine").unwrap();
        sweep(dir.path());
        assert!(live_path.exists(), "a live staged file was swept");
        assert!(!dead.exists());
        assert!(other.exists());
        drop(live);
    }

    #[test]
    fn same_file_sees_through_links_and_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("ledger.db");
        fs::write(&real, b"x").unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        assert!(same_file(&sub.join("../ledger.db"), &real));
        let hard = dir.path().join("hard.db");
        fs::hard_link(&real, &hard).unwrap();
        assert!(same_file(&hard, &real));
        #[cfg(unix)]
        {
            let soft = dir.path().join("soft.pdf");
            std::os::unix::fs::symlink(&real, &soft).unwrap();
            assert!(same_file(&soft, &real));
        }
        // Neither exists yet: the same name in the same folder.
        assert!(same_file(
            &sub.join("../new.pdf"),
            &dir.path().join("new.pdf")
        ));
        assert!(!same_file(&dir.path().join("a.pdf"), &real));
    }

    #[test]
    fn a_lock_excludes_other_holders_and_ends_with_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db.lock");
        let never = || false;
        let held = lock_file(&path, std::time::Duration::ZERO, &never).unwrap();
        assert!(matches!(
            lock_file(&path, std::time::Duration::from_millis(20), &never),
            Err(LockError::Busy)
        ));
        assert!(matches!(
            lock_file(&path, std::time::Duration::from_secs(60), &|| true),
            Err(LockError::Stopped)
        ));
        drop(held);
        lock_file(&path, std::time::Duration::ZERO, &never).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn replacing_follows_links_to_the_real_file_and_refuses_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("v.json");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let locked = lock_replacing(&link, &|| false).unwrap();
        assert_eq!(locked.path, fs::canonicalize(&real).unwrap());
        replace_contents(&locked.path, b"new").unwrap();
        drop(locked);
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        fs::hard_link(&real, dir.path().join("hard.json")).unwrap();
        assert!(matches!(
            lock_replacing(&real, &|| false),
            Err(LockReplacingError::HardLinked { links: 2 })
        ));
    }
}
