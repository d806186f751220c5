//! The one error type of the ledger, each variant named for the situation a user meets.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};

use crate::codes::SetId;

/// Why a ledger operation failed. Messages are lowercase, one line, and say what to do.
#[derive(Debug)]
pub enum LedgerError {
    /// A read found no ledger file (callers may treat this as an empty ledger).
    Missing(PathBuf),
    /// The ledger path names a folder.
    IsFolder(PathBuf),
    /// The file is not a SQLite database, or a SQLite database that is not ours.
    NotALedger(PathBuf),
    /// Our ledger, but SQLite finds it damaged (truncated, overwritten in part).
    Damaged(PathBuf),
    /// The ledger was written by a newer build with a schema this one does not know.
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// A read-only open met an older schema, which only a writing open can upgrade.
    Outdated {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The file, its folder or the file system cannot be written.
    ReadOnly(PathBuf),
    /// Another process held the ledger lock for longer than the busy timeout.
    Busy(PathBuf),
    /// No generation of this account is in the ledger.
    UnknownAccount(String),
    /// The account has generations, but none is current (the last was revoked).
    NoCurrentSet(String),
    /// A code number outside 1..=count of the current set.
    NumberOutOfRange { number: u32, count: u32 },
    /// The code was already marked used.
    AlreadyUsed {
        number: u32,
        used_at: DateTime<FixedOffset>,
        by: Option<String>,
    },
    /// A set with this id is already recorded.
    DuplicateSetId(SetId),
    /// A file-system operation on the ledger or its folder failed.
    Io(PathBuf, std::io::Error),
    /// SQLite failed in a way none of the variants above names.
    Sqlite(PathBuf, rusqlite::Error),
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::Missing(path) => write!(
                f,
                "no ledger at {} yet: it is created when the first sheet is recorded",
                path.display()
            ),
            LedgerError::IsFolder(path) => write!(
                f,
                "ledger {} is a folder: pass --ledger with the path of a file",
                path.display()
            ),
            LedgerError::NotALedger(path) => write!(
                f,
                "ledger {} is not a recovery-sheet ledger: pass --ledger with another path",
                path.display()
            ),
            LedgerError::Damaged(path) => write!(
                f,
                "ledger {} is damaged (sqlite: database disk image is malformed): restore it from a backup, or pass --ledger with another path; it was left as it is",
                path.display()
            ),
            LedgerError::TooNew {
                path,
                found,
                supported,
            } => write!(
                f,
                "ledger {} was written by a newer recovery-sheet (schema {found}, this build knows {supported}): upgrade recovery-sheet",
                path.display()
            ),
            LedgerError::Outdated {
                path,
                found,
                supported,
            } => write!(
                f,
                "ledger {} has an older schema (schema {found}, this build reads {supported}): record a sheet or mark a code used once to upgrade it",
                path.display()
            ),
            LedgerError::ReadOnly(path) => write!(
                f,
                "ledger {} cannot be written (read-only file, folder or file system): make it writable or pass --ledger with another path",
                path.display()
            ),
            LedgerError::Busy(path) => write!(
                f,
                "ledger {} stayed locked by another recovery-sheet for too long: try again when it has finished",
                path.display()
            ),
            LedgerError::UnknownAccount(account) => write!(
                f,
                "no account `{account}` in the ledger: check the name (`recovery-sheet list` shows every account)"
            ),
            LedgerError::NoCurrentSet(account) => write!(
                f,
                "account `{account}` has no current code set (the last one was revoked): print a new set first"
            ),
            LedgerError::NumberOutOfRange { number, count } => write!(
                f,
                "there is no code number {number}: the current set has codes 1 to {count}"
            ),
            LedgerError::AlreadyUsed {
                number,
                used_at,
                by,
            } => {
                write!(
                    f,
                    "code number {number} was already marked used on {}",
                    used_at.format("%Y-%m-%d %H:%M %:z")
                )?;
                if let Some(by) = by {
                    write!(f, " by {by}")?;
                }
                write!(f, ": nothing changed")
            }
            LedgerError::DuplicateSetId(set_id) => write!(
                f,
                "set {set_id} is already in the ledger: a new sheet needs a new set id, try again"
            ),
            LedgerError::Io(path, err) => write!(
                f,
                "ledger {}: {err}: check the path and its permissions",
                path.display()
            ),
            LedgerError::Sqlite(path, err) => write!(
                f,
                "ledger {}: sqlite failed: {err}: check the file, or pass --ledger with another path",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LedgerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LedgerError::Io(_, err) => Some(err),
            LedgerError::Sqlite(_, err) => Some(err),
            _ => None,
        }
    }
}
