//! The one error type of the ledger, each variant named for the situation a user meets.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};

use super::conninfo::ConnInfoError;
use super::pgtls::ConnectError;
use crate::codes::SetId;
use crate::messages::{Localized, Msg, english_display};

/// Why a ledger operation failed. Messages are lowercase, one line, and say what to do.
///
/// `path` is the ledger's file, or for a PostgreSQL ledger its URL without
/// the password (`Location`'s `Display`).
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
    /// `mark-used --undo` of a code that is not marked used.
    NotUsed { number: u32 },
    /// No set with this id is in the ledger.
    UnknownSet(SetId),
    /// `shredded` of the account's current set (or one still being printed).
    ShredCurrent { set_id: SetId, account: String },
    /// `shredded` of a set already recorded as shredded.
    AlreadyShredded {
        set_id: SetId,
        at: DateTime<FixedOffset>,
        by: Option<String>,
    },
    /// `rename` to a name another account has.
    AccountExists(String),
    /// `retire` of an account already retired.
    AlreadyRetired {
        account: String,
        at: DateTime<FixedOffset>,
    },
    /// A file-system operation on the ledger or its folder failed.
    Io(PathBuf, std::io::Error),
    /// SQLite failed in a way none of the variants above names.
    Sqlite(PathBuf, rusqlite::Error),
    /// The connection string (flag, variable or config) cannot be used.
    ConnInfo(ConnInfoError),
    /// No session with the ledger's server could be opened.
    Connect(ConnectError),
    /// The database holds other programs' tables and no ledger: refused
    /// before anything was written.
    ForeignDatabase { target: String, tables: i64 },
    /// The database role may not do what the ledger needs (SQLSTATE 42501).
    NoPrivilege { target: String, detail: String },
    /// The session with the server ended mid-command (the server stopped,
    /// the network broke): what it committed before is kept.
    ConnectionLost { target: String, detail: String },
    /// The ledger holds a value this build cannot read (or a write failed
    /// part-way and was rolled back).
    BadValue { target: String, detail: String },
    /// PostgreSQL failed in a way none of the variants above names.
    Postgres { target: String, detail: String },
}

impl LedgerError {
    /// Whether the ledger's server went away mid-command, so that what it
    /// did with the last statement (a commit included) is unknown.
    pub fn connection_lost(&self) -> bool {
        matches!(self, LedgerError::ConnectionLost { .. })
    }
}

impl Localized for LedgerError {
    fn msg(&self) -> Msg {
        let at = |key, path: &PathBuf| Msg::new(key).with("path", path.display());
        match self {
            LedgerError::Missing(path) => at("ledger_missing", path),
            LedgerError::IsFolder(path) => at("ledger_is_folder", path),
            LedgerError::NotALedger(path) => at("ledger_not_a_ledger", path),
            LedgerError::Damaged(path) => at("ledger_damaged", path),
            LedgerError::TooNew {
                path,
                found,
                supported,
            } => at("ledger_too_new", path)
                .with("found", found)
                .with("supported", supported),
            LedgerError::Outdated {
                path,
                found,
                supported,
            } => at("ledger_outdated", path)
                .with("found", found)
                .with("supported", supported),
            LedgerError::ReadOnly(path) => at("ledger_read_only", path),
            LedgerError::Busy(path) => at("ledger_busy", path),
            LedgerError::UnknownAccount(account) => {
                Msg::new("ledger_unknown_account").with("account", account)
            }
            LedgerError::NoCurrentSet(account) => {
                Msg::new("ledger_no_current_set").with("account", account)
            }
            LedgerError::NumberOutOfRange { number, count } => {
                Msg::new("ledger_number_out_of_range")
                    .with("number", number)
                    .with("count", count)
            }
            LedgerError::AlreadyUsed {
                number,
                used_at,
                by,
            } => {
                let msg = match by {
                    Some(by) => Msg::new("ledger_already_used_by").with("by", by),
                    None => Msg::new("ledger_already_used"),
                };
                msg.with("number", number)
                    .with("date", used_at.format("%Y-%m-%d %H:%M %:z"))
            }
            LedgerError::DuplicateSetId(set_id) => {
                Msg::new("ledger_duplicate_set_id").with("set_id", set_id)
            }
            LedgerError::NotUsed { number } => Msg::new("ledger_not_used").with("number", number),
            LedgerError::UnknownSet(set_id) => {
                Msg::new("ledger_unknown_set").with("set_id", set_id)
            }
            LedgerError::ShredCurrent { set_id, account } => Msg::new("ledger_shred_current")
                .with("set_id", set_id)
                .with("account", account),
            LedgerError::AlreadyShredded { set_id, at, by } => {
                let msg = match by {
                    Some(by) => Msg::new("ledger_already_shredded_by").with("by", by),
                    None => Msg::new("ledger_already_shredded"),
                };
                msg.with("set_id", set_id)
                    .with("date", at.format("%Y-%m-%d %H:%M %:z"))
            }
            LedgerError::AccountExists(account) => {
                Msg::new("ledger_account_exists").with("account", account)
            }
            LedgerError::AlreadyRetired { account, at } => Msg::new("ledger_already_retired")
                .with("account", account)
                .with("date", at.format("%Y-%m-%d")),
            LedgerError::Io(path, err) => at("ledger_io", path).with("source", err),
            LedgerError::Sqlite(path, err) => at("ledger_sqlite", path).with("source", err),
            LedgerError::ConnInfo(e) => e.msg(),
            LedgerError::Connect(e) => e.msg(),
            LedgerError::ForeignDatabase { target, tables } => Msg::new("pg_foreign_database")
                .with("target", target)
                .with("tables", tables),
            LedgerError::NoPrivilege { target, detail } => Msg::new("pg_no_privilege")
                .with("target", target)
                .with("source", detail),
            LedgerError::ConnectionLost { target, detail } => Msg::new("pg_connection_lost")
                .with("target", target)
                .with("source", detail),
            LedgerError::BadValue { target, detail } => Msg::new("pg_bad_value")
                .with("target", target)
                .with("detail", detail),
            LedgerError::Postgres { target, detail } => Msg::new("pg_failed")
                .with("target", target)
                .with("source", detail),
        }
    }
}

english_display!(LedgerError);

impl std::error::Error for LedgerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LedgerError::Io(_, err) => Some(err),
            LedgerError::Sqlite(_, err) => Some(err),
            LedgerError::ConnInfo(err) => Some(err),
            LedgerError::Connect(err) => Some(err),
            _ => None,
        }
    }
}
