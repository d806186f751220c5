//! The ledger's rules for changing what it recorded, in one place: a backend
//! reads what a change needs, asks here whether the change may be made, and
//! only then writes. SQLite and PostgreSQL differ in storage, never in these.

use chrono::{DateTime, FixedOffset};

use super::{GenerationRecord, LedgerError, Status};

/// Why an account has no current set to act on: it has none now, or the
/// ledger does not know it at all.
pub fn no_current(account: &str, known: bool) -> LedgerError {
    if known {
        LedgerError::NoCurrentSet(account.to_owned())
    } else {
        LedgerError::UnknownAccount(account.to_owned())
    }
}

/// An account's history: an account without generations is unknown.
pub fn history_of(
    account: &str,
    records: Vec<GenerationRecord>,
) -> Result<Vec<GenerationRecord>, LedgerError> {
    if records.is_empty() {
        return Err(LedgerError::UnknownAccount(account.to_owned()));
    }
    Ok(records)
}

/// Code `number` exists on the sheet of `set`.
fn on_the_sheet(set: &GenerationRecord, number: u32) -> Result<(), LedgerError> {
    if number == 0 || number > set.count {
        return Err(LedgerError::NumberOutOfRange {
            number,
            count: set.count,
        });
    }
    Ok(())
}

/// Code `number` of the current set may be marked used: it is on the sheet
/// and not used yet (a code passes once).
pub fn may_mark_used(current: &GenerationRecord, number: u32) -> Result<(), LedgerError> {
    on_the_sheet(current, number)?;
    match current.used.iter().find(|u| u.number == number) {
        Some(used) => Err(LedgerError::AlreadyUsed {
            number,
            used_at: used.used_at,
            by: used.by.clone(),
        }),
        None => Ok(()),
    }
}

/// Code `number` of the current set may be unmarked: it was marked used.
pub fn may_unmark_used(current: &GenerationRecord, number: u32) -> Result<(), LedgerError> {
    on_the_sheet(current, number)?;
    if current.used.iter().any(|u| u.number == number) {
        Ok(())
    } else {
        Err(LedgerError::NotUsed { number })
    }
}

/// The sheet of `set` may be recorded as shredded: it is no longer the one
/// to keep, and was not recorded as shredded before.
pub fn may_shred(set: &GenerationRecord) -> Result<(), LedgerError> {
    if matches!(set.status, Status::Current | Status::Pending) {
        return Err(LedgerError::ShredCurrent {
            set_id: set.set_id.clone(),
            account: set.account.clone(),
        });
    }
    if let Some(at) = set.shredded_at {
        return Err(LedgerError::AlreadyShredded {
            set_id: set.set_id.clone(),
            at,
            by: set.shredded_by.clone(),
        });
    }
    Ok(())
}

/// `old` may be renamed `new`: the ledger knows `old` and no account is
/// called `new` (told apart as accounts are, by their key).
pub fn may_rename(
    old: &str,
    old_known: bool,
    new: &str,
    new_known: bool,
) -> Result<(), LedgerError> {
    if !old_known {
        return Err(LedgerError::UnknownAccount(old.to_owned()));
    }
    if new_known {
        return Err(LedgerError::AccountExists(new.to_owned()));
    }
    Ok(())
}

/// An account may be retired once.
pub fn may_retire(
    account: &str,
    retired_at: Option<DateTime<FixedOffset>>,
) -> Result<(), LedgerError> {
    match retired_at {
        Some(at) => Err(LedgerError::AlreadyRetired {
            account: account.to_owned(),
            at,
        }),
        None => Ok(()),
    }
}
