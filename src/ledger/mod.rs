//! The ledger: a record of generations of code sets per account, metadata only (never a code or its hash).
//!
//! Writers take the ledger's writer lock ([`Ledger::writer`]) and hold it
//! across the transactions of one piece of work. While it is held no other
//! writer exists anywhere, so a generation still `pending` (with its
//! [`Placement`]s) was left by a writer that died: the issuing protocol
//! (`app/issue.rs`) finishes or abandons it before it writes anything else.
//!
//! Two backends keep the same records and promises: a SQLite file
//! (`sqlite.rs`, one machine) and a PostgreSQL database (`postgres.rs`, a
//! team), chosen by [`Location`].

pub mod conninfo;
mod error;
pub(crate) mod location;
#[cfg(test)]
mod pg_tests;
pub mod pgtls;
mod postgres;
mod rules;
mod sqlite;
#[cfg(test)]
pub(crate) mod testdb;
#[cfg(test)]
mod tests;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Serialize, Serializer};

use crate::codes::SetId;

pub use error::LedgerError;
pub use location::Location;
#[cfg(test)]
pub use sqlite::{SqliteLedger, own_files};

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
    /// Recorded before its sheet was placed, and not (yet) confirmed placed:
    /// a writer is at work, or died (see [`Ledger::writer`]).
    Pending,
    /// Its writer stopped before the sheet was placed (or before it was
    /// known to have reached stdout): no sheet of this set should exist.
    Unprinted,
}

impl Status {
    /// The lowercase name, as stored and serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Superseded => "superseded",
            Status::Revoked => "revoked",
            Status::Pending => "pending",
            Status::Unprinted => "unprinted",
        }
    }

    /// The inverse of [`Status::as_str`].
    pub fn from_name(name: &str) -> Option<Status> {
        match name {
            "current" => Some(Status::Current),
            "superseded" => Some(Status::Superseded),
            "revoked" => Some(Status::Revoked),
            "pending" => Some(Status::Pending),
            "unprinted" => Some(Status::Unprinted),
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
    /// The sheet's language and paper (`ja`, `a4`), and the organisation
    /// printed on it; absent for generations recorded before schema 2.
    pub lang: Option<String>,
    pub paper: Option<String>,
    pub organisation: Option<String>,
    /// The run (one process of the tool) that issued it, when recorded.
    pub run: Option<String>,
    pub status: Status,
    #[serde(serialize_with = "optional_rfc3339")]
    pub status_changed_at: Option<DateTime<FixedOffset>>,
    /// The set that replaced this one (none while current, or when revoked).
    #[serde(serialize_with = "optional_printed_set_id")]
    pub superseded_by: Option<SetId>,
    /// When the sheet of a superseded, revoked or never-printed set was
    /// recorded as destroyed, and by whom.
    #[serde(serialize_with = "optional_rfc3339")]
    pub shredded_at: Option<DateTime<FixedOffset>>,
    pub shredded_by: Option<String>,
    /// Sorted by number.
    pub used: Vec<UsedCode>,
}

impl GenerationRecord {
    /// Codes of this set not yet marked used.
    pub fn remaining(&self) -> u32 {
        let used = u32::try_from(self.used.len()).unwrap_or(u32::MAX);
        self.count.saturating_sub(used)
    }

    /// Whether a printed sheet of this set may still exist and should be
    /// shredded: superseded or revoked (or never recorded as printed, in
    /// case it was), and not yet recorded as shredded.
    pub fn awaits_shredding(&self) -> bool {
        matches!(
            self.status,
            Status::Superseded | Status::Revoked | Status::Unprinted
        ) && self.shredded_at.is_none()
    }
}

/// One account at a glance, as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountOverview {
    /// The current generation, or the latest one if none is current.
    pub latest: GenerationRecord,
    /// Sheets of earlier sets not yet recorded as shredded.
    pub unshredded: u32,
    /// Generations recorded as never printed.
    pub unprinted: u32,
    /// When two-factor was removed at the service (`retire`), if it was.
    pub retired_at: Option<DateTime<FixedOffset>>,
}

/// What happened, for the audit trail. The names are what exports show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Issued,
    Superseded,
    NeverPrinted,
    CodeUsed,
    CodeUseUndone,
    Inventory,
    Shredded,
    Revoked,
    Retired,
    Renamed,
}

impl EventKind {
    pub const ALL: &'static [EventKind] = &[
        EventKind::Issued,
        EventKind::Superseded,
        EventKind::NeverPrinted,
        EventKind::CodeUsed,
        EventKind::CodeUseUndone,
        EventKind::Inventory,
        EventKind::Shredded,
        EventKind::Revoked,
        EventKind::Retired,
        EventKind::Renamed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Issued => "issued",
            EventKind::Superseded => "superseded",
            EventKind::NeverPrinted => "never_printed",
            EventKind::CodeUsed => "code_used",
            EventKind::CodeUseUndone => "code_use_undone",
            EventKind::Inventory => "inventory",
            EventKind::Shredded => "shredded",
            EventKind::Revoked => "revoked",
            EventKind::Retired => "retired",
            EventKind::Renamed => "renamed",
        }
    }

    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

/// Who acts: the name given with `--by` (a person or a department), and the
/// operating-system user running the tool. (The database role, on a shared
/// ledger, is added by the ledger itself.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub by: Option<String>,
    pub os_user: String,
}

/// An event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub at: DateTime<FixedOffset>,
    pub kind: EventKind,
    pub account: String,
    pub set_id: Option<SetId>,
    pub generation: Option<u32>,
    /// The code number, for uses and undone uses.
    pub number: Option<u32>,
    pub actor: Actor,
    /// What else there is to say: the place a sheet was seen, a count that
    /// did not match, a former name.
    pub detail: Option<String>,
}

impl NewEvent {
    /// An event about one generation (its account, set and generation).
    pub fn about(
        record: &GenerationRecord,
        kind: EventKind,
        at: DateTime<FixedOffset>,
        actor: Actor,
    ) -> NewEvent {
        NewEvent {
            at,
            kind,
            account: record.account.clone(),
            set_id: Some(record.set_id.clone()),
            generation: Some(record.generation),
            number: None,
            actor,
            detail: None,
        }
    }

    /// An event about an account as a whole (no set).
    pub fn account(
        account: &str,
        kind: EventKind,
        at: DateTime<FixedOffset>,
        actor: Actor,
    ) -> NewEvent {
        NewEvent {
            at,
            kind,
            account: account.to_owned(),
            set_id: None,
            generation: None,
            number: None,
            actor,
            detail: None,
        }
    }

    /// With what else there is to say.
    pub fn detail(self, detail: Option<String>) -> NewEvent {
        NewEvent { detail, ..self }
    }
}

/// A recorded event, as the audit export shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The order of recording.
    pub id: i64,
    #[serde(serialize_with = "rfc3339")]
    pub at: DateTime<FixedOffset>,
    pub kind: EventKind,
    pub account: String,
    #[serde(serialize_with = "optional_printed_set_id")]
    pub set_id: Option<SetId>,
    pub generation: Option<u32>,
    pub number: Option<u32>,
    pub by: Option<String>,
    pub os_user: String,
    pub db_role: Option<String>,
    pub tool_version: String,
    pub detail: Option<String>,
}

/// Which events to read.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// These account names only (an account's former names included by the caller).
    pub accounts: Option<Vec<String>>,
    /// At or after this time.
    pub since: Option<DateTime<FixedOffset>>,
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
    pub lang: Option<String>,
    pub paper: Option<String>,
    pub organisation: Option<String>,
    pub run: Option<String>,
}

/// Which file of a generation a [`Placement`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Sheet,
    Verifier,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sheet => "sheet",
            Role::Verifier => "verifier",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        match name {
            "sheet" => Some(Role::Sheet),
            "verifier" => Some(Role::Verifier),
            _ => None,
        }
    }
}

/// A file a pending generation is about to place, recorded before it is
/// placed so that a writer that dies can be finished or undone: where it
/// goes, which file it is, and where a file it replaces is kept meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub role: Role,
    /// The machine whose folders `path` and `aside` are in.
    pub host: String,
    /// The destination; `-` for stdout.
    pub path: String,
    /// The new file's identity (device, inode); none for stdout.
    pub file: Option<(u64, u64)>,
    /// Where the file it replaces is kept until the generation is finished.
    pub aside: Option<String>,
}

/// A generation recorded as pending, with its placements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub record: GenerationRecord,
    pub placements: Vec<Placement>,
}

/// What the ledger says a new set for an account replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// The account's current set, if any.
    pub current: Option<GenerationRecord>,
    /// The newest other generation whose sheet was printed (superseded or
    /// revoked): a sheet that may still exist.
    pub latest_earlier: Option<GenerationRecord>,
    /// How many printed generations are older still (their sheets, too,
    /// must be gone). A count, not the records, so the cost of issuing does
    /// not grow with an account's history.
    pub older: usize,
    /// A generation still pending (another machine's writer stopped part-way).
    pub pending: Option<GenerationRecord>,
    /// 1 for a new account, else the highest generation plus one.
    pub next_generation: u32,
}

impl Lineage {
    /// The lineage from what a backend looked up: `records` holds at least
    /// the account's current and pending generations and its newest printed
    /// one (superseded or revoked), in any order; `printed` counts its
    /// printed generations and `newest` is its highest generation (0 for
    /// none). A backend reads these few rows and two numbers, so the cost
    /// of issuing does not grow with the account's history.
    pub fn from_rows(records: Vec<GenerationRecord>, printed: usize, newest: u32) -> Lineage {
        let mut lineage = Lineage {
            current: None,
            latest_earlier: None,
            older: 0,
            pending: None,
            next_generation: newest.saturating_add(1),
        };
        for record in records {
            match record.status {
                Status::Current => lineage.current = Some(record),
                Status::Pending => lineage.pending = Some(record),
                Status::Superseded | Status::Revoked => {
                    if lineage
                        .latest_earlier
                        .as_ref()
                        .is_none_or(|l| record.generation > l.generation)
                    {
                        lineage.latest_earlier = Some(record);
                    }
                }
                Status::Unprinted => {}
            }
        }
        lineage.older = printed.saturating_sub(usize::from(lineage.latest_earlier.is_some()));
        lineage
    }
}

/// A whole ledger, for `ledger copy`: every generation with its used codes,
/// the accounts table (retirements), and the audit trail as recorded. Pending
/// generations' placements are not part of it (a copy is refused while
/// anything is pending).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// By account key, then generation.
    pub generations: Vec<GenerationRecord>,
    /// Account key and, when retired, since when.
    pub accounts: Vec<(String, Option<DateTime<FixedOffset>>)>,
    /// Account key and event, in the order recorded.
    pub events: Vec<(String, Event)>,
}

impl History {
    /// How many rows of each kind it holds.
    pub fn counts(&self) -> Counts {
        let n = |len: usize| u64::try_from(len).unwrap_or(u64::MAX);
        Counts {
            generations: n(self.generations.len()),
            used_codes: n(self.generations.iter().map(|g| g.used.len()).sum()),
            accounts: n(self.accounts.len()),
            events: n(self.events.len()),
            pending: n(self
                .generations
                .iter()
                .filter(|g| g.status == Status::Pending)
                .count()),
        }
    }
}

/// Rows in a ledger, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub generations: u64,
    pub used_codes: u64,
    pub accounts: u64,
    pub events: u64,
    /// Generations still pending.
    pub pending: u64,
}

impl Counts {
    pub fn is_empty(&self) -> bool {
        self.generations == 0 && self.used_codes == 0 && self.accounts == 0 && self.events == 0
    }
}

/// Reading the ledger, and taking its writer lock to change it.
pub trait Ledger {
    /// Takes the ledger's writer lock, waiting while another writer holds it
    /// (up to a busy timeout, or until `give_up` says stop), and holds it
    /// until the writer is dropped. SQLite: an exclusive lock on the file
    /// `<ledger>.lock` beside it, which the kernel releases when a process dies.
    fn writer<'a>(
        &'a mut self,
        give_up: &dyn Fn() -> bool,
    ) -> Result<Box<dyn Writer + 'a>, LedgerError>;
    /// Takes the writer lock only if it is free right now; `None` when another writer holds it.
    fn try_writer(&mut self) -> Result<Option<Box<dyn Writer + '_>>, LedgerError>;
    /// A writer and one transaction, for tests that need only one.
    #[cfg(test)]
    fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError>;
    /// One overview per account, sorted by account.
    fn overview(&self) -> Result<Vec<AccountOverview>, LedgerError>;
    /// The recorded events that `filter` selects, oldest first.
    fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, LedgerError>;
    /// All generations of one account, oldest first.
    fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError>;
    /// The account's lineage as it stands now, read without the writer lock
    /// (a writer must read it again inside its transaction). Read from a few
    /// rows ([`Lineage::from_rows`]), whatever the account's history.
    fn lineage(&self, account: &str) -> Result<Lineage, LedgerError>;
    /// The generation with this set id and, when it is not current, the
    /// account's current generation. `None` if the set is unknown.
    fn find_set(
        &self,
        set_id: &SetId,
    ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError>;
    /// Everything the ledger holds, read at one moment.
    fn export(&self) -> Result<History, LedgerError>;
}

/// A boxed ledger is a ledger: what `Context` hands every command.
impl<L: Ledger + ?Sized> Ledger for Box<L> {
    fn writer<'a>(
        &'a mut self,
        give_up: &dyn Fn() -> bool,
    ) -> Result<Box<dyn Writer + 'a>, LedgerError> {
        (**self).writer(give_up)
    }

    fn try_writer(&mut self) -> Result<Option<Box<dyn Writer + '_>>, LedgerError> {
        (**self).try_writer()
    }

    #[cfg(test)]
    fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
        (**self).begin_write()
    }

    fn overview(&self) -> Result<Vec<AccountOverview>, LedgerError> {
        (**self).overview()
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, LedgerError> {
        (**self).events(filter)
    }

    fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError> {
        (**self).history(account)
    }

    fn lineage(&self, account: &str) -> Result<Lineage, LedgerError> {
        (**self).lineage(account)
    }

    fn find_set(
        &self,
        set_id: &SetId,
    ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError> {
        (**self).find_set(set_id)
    }

    fn export(&self) -> Result<History, LedgerError> {
        (**self).export()
    }
}

/// The writer lock, held until dropped; transactions run under it.
pub trait Writer {
    fn begin(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError>;
}

/// A write transaction; dropping it without [`WriteTxn::commit`] rolls back.
pub trait WriteTxn {
    fn lineage(&mut self, account: &str) -> Result<Lineage, LedgerError>;
    /// Records `new` as the account's next generation, current, and marks the
    /// previous current one superseded by it, in one step (no files to place).
    /// Returns the generation number.
    #[cfg(test)]
    fn record_generation(&mut self, new: &NewGeneration) -> Result<u32, LedgerError> {
        let generation = self.record_pending(new, &[])?;
        self.finish(&new.set_id)?;
        Ok(generation)
    }
    /// Records `new` as the account's next generation, pending, with the
    /// files it is about to place. Returns the generation number.
    fn record_pending(
        &mut self,
        new: &NewGeneration,
        placements: &[Placement],
    ) -> Result<u32, LedgerError>;
    /// Every pending generation, with its placements, and the placements of
    /// finished generations whose aside file may still be there.
    fn pending(&mut self) -> Result<Vec<Pending>, LedgerError>;
    /// The pending generation becomes current and the account's current one
    /// superseded by it (at its issue time), which is returned. Its
    /// placements are forgotten, but for those with an aside file, which
    /// stay until [`WriteTxn::forget_aside`]. A retired account is active again.
    fn finish(&mut self, set_id: &SetId) -> Result<Option<GenerationRecord>, LedgerError>;
    /// The pending generation never was: its row and placements are removed
    /// (the writer is alive and placed nothing).
    fn abandon(&mut self, set_id: &SetId) -> Result<(), LedgerError>;
    /// The pending generation's writer died before its sheet was placed.
    fn mark_unprinted(
        &mut self,
        set_id: &SetId,
        at: DateTime<FixedOffset>,
    ) -> Result<(), LedgerError>;
    /// The aside file of a placement is gone: forget the placement.
    fn forget_aside(&mut self, set_id: &SetId, role: Role) -> Result<(), LedgerError>;
    /// Marks code `number` of the account's current set used; returns the updated record.
    fn mark_used(
        &mut self,
        account: &str,
        number: u32,
        at: DateTime<FixedOffset>,
        by: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError>;
    /// Records an event (events are never changed or removed).
    fn record_event(&mut self, event: &NewEvent) -> Result<(), LedgerError>;
    /// Code `number` of the account's current set is unused again; returns the updated record.
    fn unmark_used(&mut self, account: &str, number: u32) -> Result<GenerationRecord, LedgerError>;
    /// Moves the current set's next inventory to `next`, and its storage
    /// location to `location` when one is given; returns the updated record.
    fn set_inventory(
        &mut self,
        account: &str,
        next: NaiveDate,
        location: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError>;
    /// Records the sheet of a set that is no longer current as destroyed.
    fn mark_shredded(
        &mut self,
        set_id: &SetId,
        at: DateTime<FixedOffset>,
        by: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError>;
    /// Gives every generation of `old` the name `new` (which must be unused).
    fn rename_account(&mut self, old: &str, new: &str) -> Result<(), LedgerError>;
    /// Two-factor was removed at the service: the account has no current set
    /// (the current one, if any, is revoked and returned) and nothing is due for it.
    fn retire_account(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Option<GenerationRecord>, LedgerError> {
        rules::may_retire(account, self.retired_at(account)?)?;
        let revoked = match self.revoke(account, at) {
            Ok(record) => Some(record),
            Err(LedgerError::NoCurrentSet(_)) => None,
            Err(e) => return Err(e),
        };
        self.store_retired(account, at)?;
        Ok(revoked)
    }
    /// When the account was retired, if it was.
    fn retired_at(&mut self, account: &str) -> Result<Option<DateTime<FixedOffset>>, LedgerError>;
    /// Records the account as retired since `at` (see `retire_account`).
    fn store_retired(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<(), LedgerError>;
    /// Marks the account's current set revoked; returns the revoked record.
    fn revoke(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<GenerationRecord, LedgerError>;
    /// How many rows of each kind the ledger holds.
    fn counts(&mut self) -> Result<Counts, LedgerError>;
    /// Writes a whole history into an empty ledger, as it was recorded.
    fn import(&mut self, history: &History) -> Result<(), LedgerError>;
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
