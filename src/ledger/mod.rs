//! The ledger: a record of generations of code sets per account, metadata only (never a code or its hash).

mod error;
mod sqlite;
#[cfg(test)]
mod tests;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Serialize, Serializer};

use crate::codes::SetId;

pub use error::LedgerError;
pub use sqlite::SqliteLedger;

/// Where a generation stands in its account's lineage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The set the account accepts now.
    Current,
    /// Replaced by a newer set; its codes no longer work.
    Superseded,
    /// Two-factor was turned off at the service; no set is current.
    Revoked,
}

impl Status {
    /// The lowercase name, as stored and serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Superseded => "superseded",
            Status::Revoked => "revoked",
        }
    }

    /// The inverse of [`Status::as_str`].
    pub fn from_name(name: &str) -> Option<Status> {
        match name {
            "current" => Some(Status::Current),
            "superseded" => Some(Status::Superseded),
            "revoked" => Some(Status::Revoked),
            _ => None,
        }
    }
}

/// One code of a set that was spent: its number on the sheet, never the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsedCode {
    pub number: u32,
    #[serde(serialize_with = "rfc3339")]
    pub used_at: DateTime<FixedOffset>,
    pub by: Option<String>,
}

/// One generation of an account's code set, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenerationRecord {
    pub account: String,
    pub generation: u32,
    #[serde(serialize_with = "printed_set_id")]
    pub set_id: SetId,
    #[serde(serialize_with = "rfc3339")]
    pub issued_at: DateTime<FixedOffset>,
    pub count: u32,
    /// The display pattern, e.g. `XXXX-XXXX-XXXX-XXXX` or `9999 9999`.
    pub format: String,
    /// `generated`, or `import:<service>` for sets a service issued.
    pub source: String,
    pub copies: u32,
    pub location: Option<String>,
    pub custodian: Option<String>,
    #[serde(serialize_with = "optional_date")]
    pub next_inventory: Option<NaiveDate>,
    pub status: Status,
    #[serde(serialize_with = "optional_rfc3339")]
    pub status_changed_at: Option<DateTime<FixedOffset>>,
    /// The set that replaced this one (none while current, or when revoked).
    #[serde(serialize_with = "optional_printed_set_id")]
    pub superseded_by: Option<SetId>,
    /// Sorted by number.
    pub used: Vec<UsedCode>,
}

impl GenerationRecord {
    /// Codes of this set not yet marked used.
    pub fn remaining(&self) -> u32 {
        let used = u32::try_from(self.used.len()).unwrap_or(u32::MAX);
        self.count.saturating_sub(used)
    }
}

/// What the caller knows about a set it is about to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGeneration {
    pub account: String,
    pub set_id: SetId,
    pub issued_at: DateTime<FixedOffset>,
    pub count: u32,
    pub format: String,
    pub source: String,
    pub copies: u32,
    pub location: Option<String>,
    pub custodian: Option<String>,
    pub next_inventory: Option<NaiveDate>,
}

/// What the ledger says a new set for an account replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// The account's current set, if any.
    pub current: Option<GenerationRecord>,
    /// Every other generation of the account, newest first (superseded or revoked).
    pub earlier: Vec<GenerationRecord>,
    /// 1 for a new account, else the highest generation plus one.
    pub next_generation: u32,
}

impl Lineage {
    /// The lineage of an account from its generations, newest first.
    pub fn from_newest_first(newest_first: Vec<GenerationRecord>) -> Lineage {
        let next_generation = newest_first
            .first()
            .map_or(1, |newest| newest.generation.saturating_add(1));
        let (current, earlier): (Vec<_>, Vec<_>) = newest_first
            .into_iter()
            .partition(|r| r.status == Status::Current);
        Lineage {
            current: current.into_iter().next(),
            earlier,
            next_generation,
        }
    }
}

/// Reading the ledger, and starting the one kind of write it allows.
pub trait Ledger {
    /// Starts a write transaction that holds the writer lock from the start
    /// (SQLite: `BEGIN IMMEDIATE`, with a busy timeout so concurrent writers wait).
    fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError>;
    /// One summary per account, sorted by account: its current generation, or
    /// its latest one if none is current.
    fn accounts(&self) -> Result<Vec<GenerationRecord>, LedgerError>;
    /// All generations of one account, oldest first.
    fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError>;
    /// The account's lineage as it stands now, read without the writer lock
    /// (a writer must read it again inside its transaction).
    fn lineage(&self, account: &str) -> Result<Lineage, LedgerError> {
        let mut newest_first = match self.history(account) {
            Ok(records) => records,
            Err(LedgerError::UnknownAccount(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        newest_first.reverse();
        Ok(Lineage::from_newest_first(newest_first))
    }
    /// The generation with this set id and, when it is not current, the
    /// account's current generation. `None` if the set is unknown.
    fn find_set(
        &self,
        set_id: &SetId,
    ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError>;
}

/// A write transaction; dropping it without [`WriteTxn::commit`] rolls back.
pub trait WriteTxn {
    fn lineage(&mut self, account: &str) -> Result<Lineage, LedgerError>;
    /// Records `new` as the account's next generation, current, and marks the
    /// previous current one superseded by it. Returns the generation number.
    fn record_generation(&mut self, new: &NewGeneration) -> Result<u32, LedgerError>;
    /// Marks code `number` of the account's current set used; returns the updated record.
    fn mark_used(
        &mut self,
        account: &str,
        number: u32,
        at: DateTime<FixedOffset>,
        by: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError>;
    /// Marks the account's current set revoked; returns the revoked record.
    fn revoke(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<GenerationRecord, LedgerError>;
    fn commit(self: Box<Self>) -> Result<(), LedgerError>;
}

fn rfc3339<S: Serializer>(at: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339())
}

fn optional_rfc3339<S: Serializer>(
    at: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, s),
        None => s.serialize_none(),
    }
}

fn optional_date<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => s.collect_str(&date.format("%Y-%m-%d")),
        None => s.serialize_none(),
    }
}

fn printed_set_id<S: Serializer>(set_id: &SetId, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(set_id)
}

fn optional_printed_set_id<S: Serializer>(set_id: &Option<SetId>, s: S) -> Result<S::Ok, S::Error> {
    match set_id {
        Some(set_id) => printed_set_id(set_id, s),
        None => s.serialize_none(),
    }
}
