//! The ledger on a PostgreSQL server, shared by a team: the same records and promises as the SQLite file, kept by PostgreSQL's own tools.
//!
//! Which tool gives which guarantee:
//! - **The writer lock** ([`Ledger::writer`]) is a *session-level advisory
//!   lock*, `pg_advisory_lock(0x52534c47, 0)`, held by the writer's
//!   connection across the transactions of one piece of work (record
//!   pending, place the files, finish) and released when the writer is
//!   dropped, or by the server when the session ends however it ends (a
//!   killed client's socket closes and its backend exits). So, as with the
//!   SQLite file lock, while a writer holds it no other writer is at work
//!   anywhere, and a generation still `pending` was left by a writer that
//!   died: `app/issue.rs` finishes or undoes it (on its own machine) or
//!   reports it (`PendingElsewhere`) on another. Two administrators
//!   regenerating one account at the same instant are serialised by it and
//!   get consecutive generations, each sheet naming its predecessor.
//! - **Constraints** are the net under the lock, checked by the server even
//!   for a writer that forgot it: `UNIQUE (account_key, generation)`, the set
//!   id as primary key, one `pending` per account (a partial unique index),
//!   and *one `current` per account* as an exclusion constraint deferred to
//!   the commit, so that finishing can supersede the old set and promote the
//!   new one in one statement; `PRIMARY KEY (set_id, number)` of used codes,
//!   so a code is never marked used twice (no lost update: each use is a row
//!   of its own, never a read-modify-write of a counter).
//! - **Row visibility**: every read outside a writer is one statement (one
//!   snapshot under READ COMMITTED), so a record and its used codes are from
//!   the same moment; `ledger copy` reads in one REPEATABLE READ transaction.
//! - **Schema**: versioned migrations, each in one transaction under a
//!   transaction-level advisory lock (`pg_advisory_xact_lock(0x52534c47, 1)`),
//!   run once per database whoever gets there first; the marker row names the
//!   version and the oldest tool version that may still use it
//!   (`compatible_from`), and an older tool facing a newer schema refuses
//!   before writing anything. A database holding another program's tables
//!   and no ledger is refused before anything is written; every object of
//!   ours lives in the schema `recovery_sheet`, and every statement names it.
//! - **Who acted**: every event records the role that authenticated
//!   (`db_role`, a column default of `session_user` filled in by the server)
//!   beside the operating-system user the client reports.
//!
//! Times are RFC 3339 text with the writer's offset, as in the SQLite
//! ledger: the offset a sheet was issued with is part of the record
//! (`timestamptz` would keep only the instant). Accounts are told apart by
//! [`account_key`], computed here in Rust and stored beside the name.
//!
//! Round trips are the cost on a network: statements are prepared once per
//! connection, reads are one statement each, and a write transaction sends
//! `BEGIN` only with its first write (a writer's reads need no transaction:
//! nobody else writes while it holds the lock).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Row, Statement};

use super::conninfo::{self, Environment, Warning};
use super::pgtls;
use super::rules;
use super::{
    AccountOverview, Counts, Event, EventFilter, EventKind, GenerationRecord, History, Ledger,
    LedgerError, Lineage, NewEvent, NewGeneration, Pending, Placement, Role, Status, UsedCode,
    WriteTxn, Writer,
};
use crate::codes::SetId;
use crate::labels::account_key;

/// "RSLG": the first key of every advisory lock this tool takes (the SQLite
/// ledger's `application_id`).
const LOCK_CLASS: i32 = 0x5253_4c47;
/// The second key of the writer lock.
const WRITER_LOCK: i32 = 0;
/// The second key of the lock migrations take.
const MIGRATION_LOCK: i32 = 1;

/// What the marker row names as its program.
const APPLICATION: &str = "recovery-sheet";

/// How long a writer waits for another to finish, as the SQLite ledger does.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);
/// Pauses between tries for the writer lock, in milliseconds (then 50).
const BUSY_STEPS_MS: [u64; 7] = [1, 2, 5, 10, 15, 20, 25];

/// One schema step: the version it brings the database to, the oldest
/// version whose tools may still use a database at this version (a step
/// that only adds may keep it low, so a team can upgrade PC by PC), and the SQL.
#[derive(Clone, Copy)]
pub(super) struct Step {
    pub version: u32,
    pub compatible_from: u32,
    pub sql: &'static str,
}

/// The steps, oldest first. A PostgreSQL ledger starts at the model of the
/// SQLite ledger's schema 3 (the numbers mean the same records in both).
pub(super) const STEPS: &[Step] = &[
    Step {
        version: 3,
        compatible_from: 3,
        sql: SCHEMA_V3,
    },
    // Only an index, so tools at schema 3 may go on using the ledger.
    Step {
        version: 4,
        compatible_from: 3,
        sql: SCHEMA_V4,
    },
];

// Metadata only: no column may ever hold a code or anything derived from one.
const SCHEMA_V3: &str = "
CREATE SCHEMA recovery_sheet;
CREATE TABLE recovery_sheet.schema_version (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    application     text NOT NULL,
    version         integer NOT NULL,
    compatible_from integer NOT NULL,
    migrated_at     timestamptz NOT NULL DEFAULT now(),
    migrated_by     text NOT NULL DEFAULT session_user
);
CREATE TABLE recovery_sheet.generations (
    account           text NOT NULL,
    account_key       text NOT NULL,
    generation        integer NOT NULL CHECK (generation >= 1),
    set_id            text PRIMARY KEY,
    issued_at         text NOT NULL,
    count             integer NOT NULL CHECK (count >= 0),
    format            text NOT NULL,
    source            text NOT NULL,
    copies            integer NOT NULL CHECK (copies >= 0),
    location          text,
    custodian         text,
    next_inventory    date,
    lang              text,
    paper             text,
    organisation      text,
    run               text,
    status            text NOT NULL
                      CHECK (status IN ('current', 'superseded', 'revoked', 'pending', 'unprinted')),
    status_changed_at text,
    superseded_by     text REFERENCES recovery_sheet.generations (set_id)
                      DEFERRABLE INITIALLY DEFERRED,
    shredded_at       text,
    shredded_by       text,
    UNIQUE (account_key, generation),
    -- Checked at the commit: one statement may supersede and promote in either order.
    CONSTRAINT one_current_per_account EXCLUDE USING btree (account_key WITH =)
        WHERE (status = 'current') DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX one_pending_per_account
    ON recovery_sheet.generations (account_key) WHERE status = 'pending';
CREATE TABLE recovery_sheet.used_codes (
    set_id  text NOT NULL REFERENCES recovery_sheet.generations (set_id),
    number  integer NOT NULL CHECK (number >= 1),
    used_at text NOT NULL,
    used_by text,
    PRIMARY KEY (set_id, number)
);
CREATE TABLE recovery_sheet.placements (
    set_id text NOT NULL REFERENCES recovery_sheet.generations (set_id),
    role   text NOT NULL CHECK (role IN ('sheet', 'verifier')),
    host   text NOT NULL,
    path   text NOT NULL,
    dev    bigint,
    ino    bigint,
    aside  text,
    PRIMARY KEY (set_id, role)
);
CREATE TABLE recovery_sheet.accounts (
    account_key text PRIMARY KEY,
    retired_at  text
);
CREATE TABLE recovery_sheet.events (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at           text NOT NULL,
    account_key  text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('issued', 'superseded', 'never_printed',
                     'code_used', 'code_use_undone', 'inventory', 'shredded', 'revoked',
                     'retired', 'renamed')),
    account      text NOT NULL,
    set_id       text,
    generation   integer,
    number       integer,
    by_name      text,
    os_user      text NOT NULL,
    -- The role that authenticated, filled in by the server.
    db_role      text DEFAULT session_user,
    tool_version text NOT NULL,
    detail       text
);
CREATE INDEX events_by_account ON recovery_sheet.events (account_key, at);
CREATE FUNCTION recovery_sheet.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE OR DELETE ON recovery_sheet.events
    FOR EACH ROW EXECUTE FUNCTION recovery_sheet.refuse_change();
";

// Schema 4: an index on each account's statuses, so what a new sheet reads
// costs the same with 1,000 generations as with 2 (as in SQLite's schema 4).
const SCHEMA_V4: &str = "
CREATE INDEX generations_by_status ON recovery_sheet.generations (account_key, status);
";

/// A generation's columns (alias `g`) with its used codes as three arrays (alias `u`).
const RECORD_COLUMNS: &str = "g.account, g.generation, g.set_id, g.issued_at, g.count, g.format,
       g.source, g.copies, g.location, g.custodian, g.next_inventory, g.status,
       g.status_changed_at, g.superseded_by, g.lang, g.paper, g.organisation, g.run,
       g.shredded_at, g.shredded_by, u.numbers, u.used_ats, u.used_bys";

/// The used codes of generation `g`, as arrays sorted by number.
const USED_CODES: &str = "LEFT JOIN LATERAL (
    SELECT array_agg(number ORDER BY number) AS numbers,
           array_agg(used_at ORDER BY number) AS used_ats,
           array_agg(used_by ORDER BY number) AS used_bys
    FROM recovery_sheet.used_codes WHERE set_id = g.set_id
) u ON true";

const EVENT_COLUMNS: &str = "id, at, kind, account, set_id, generation, number, by_name, \
     os_user, db_role, tool_version, detail";

/// A connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// The server, for messages: never its password.
    target: String,
}

impl Conn {
    fn statement(&mut self, sql: &str) -> Result<Statement, LedgerError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .client
            .prepare(sql)
            .map_err(|e| db_err(&self.target, e))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, LedgerError> {
        let statement = self.statement(sql)?;
        self.client
            .query(&statement, params)
            .map_err(|e| db_err(&self.target, e))
    }

    fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, LedgerError> {
        let statement = self.statement(sql)?;
        self.client
            .query_one(&statement, params)
            .map_err(|e| db_err(&self.target, e))
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, LedgerError> {
        let statement = self.statement(sql)?;
        self.client
            .execute(&statement, params)
            .map_err(|e| db_err(&self.target, e))
    }

    fn simple(&mut self, sql: &str) -> Result<(), LedgerError> {
        self.client
            .batch_execute(sql)
            .map_err(|e| db_err(&self.target, e))
    }

    fn records(
        &mut self,
        tail: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<GenerationRecord>, LedgerError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM recovery_sheet.generations g {USED_CODES} {tail}"
        );
        let rows = self.query(&sql, params)?;
        rows.iter()
            .map(|row| record_from_row(row).map_err(|detail| self.bad_value(detail)))
            .collect()
    }

    /// The account's lineage from its current, pending and newest printed
    /// generations and two numbers (see [`Lineage::from_rows`]): two
    /// statements whose results do not grow with the account's history.
    fn lineage(&mut self, account: &str) -> Result<Lineage, LedgerError> {
        let key = account_key(account);
        let records = self.records(
            "WHERE g.account_key = $1 AND (g.status IN ('current', 'pending')
                OR g.generation = (SELECT generation FROM recovery_sheet.generations
                    WHERE account_key = $1 AND status IN ('superseded', 'revoked')
                    ORDER BY generation DESC LIMIT 1))",
            &[&key],
        )?;
        let row = self.query_one(
            "SELECT (SELECT count(*) FROM recovery_sheet.generations
                     WHERE account_key = $1 AND status IN ('superseded', 'revoked')),
                    (SELECT coalesce(max(generation), 0) FROM recovery_sheet.generations
                     WHERE account_key = $1)",
            &[&key],
        )?;
        let printed: i64 = row.get(0);
        let newest: i32 = row.get(1);
        Ok(Lineage::from_rows(
            records,
            usize::try_from(printed).unwrap_or(0),
            u32::try_from(newest).unwrap_or(0),
        ))
    }

    fn bad_value(&self, detail: String) -> LedgerError {
        LedgerError::BadValue {
            target: self.target.clone(),
            detail,
        }
    }

    /// Takes the writer lock, waiting up to `wait` or until `give_up`.
    fn lock(&mut self, wait: Duration, give_up: &dyn Fn() -> bool) -> Result<bool, LedgerError> {
        let started = Instant::now();
        for attempt in 0usize.. {
            let row = self.query_one(
                "SELECT pg_try_advisory_lock($1, $2)",
                &[&LOCK_CLASS, &WRITER_LOCK],
            )?;
            if row.get::<_, bool>(0) {
                return Ok(true);
            }
            if wait.is_zero() {
                return Ok(false);
            }
            if give_up() || started.elapsed() >= wait {
                return Err(LedgerError::Busy(PathBuf::from(&self.target)));
            }
            let ms = BUSY_STEPS_MS.get(attempt).copied().unwrap_or(50);
            std::thread::sleep(Duration::from_millis(ms));
        }
        Ok(false)
    }

    /// Releases the writer lock (best effort: a session that is gone holds nothing).
    fn unlock(&mut self) {
        let _ = self.query_one(
            "SELECT pg_advisory_unlock($1, $2)",
            &[&LOCK_CLASS, &WRITER_LOCK],
        );
    }
}

/// The ledger in a PostgreSQL database.
pub struct PostgresLedger {
    conn: RefCell<Conn>,
    warnings: Vec<Warning>,
}

/// What a database turned out to hold, judged before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contents {
    /// No schema of ours; `foreign_tables` counts the other programs' tables.
    Absent {
        foreign_tables: i64,
    },
    Ours {
        version: u32,
        compatible_from: u32,
    },
    /// A `recovery_sheet` schema without our marker.
    NotOurs,
}

/// Whether opening may create the ledger's schema in a database without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    Yes,
    No,
}

impl PostgresLedger {
    /// Connects as `url` says (libpq's conventions: `conninfo.rs`), checks
    /// what the database holds, and brings its schema up to date. With
    /// [`Create::No`], a database without a ledger gives `None` and nothing
    /// is created.
    pub fn open(url: &str, create: Create) -> Result<Option<PostgresLedger>, LedgerError> {
        Self::open_with(url, create, STEPS, &Environment::from_process())
    }

    /// [`PostgresLedger::open`] with the schema steps and the environment
    /// as parameters, so tests can play an older or newer tool.
    pub(super) fn open_with(
        url: &str,
        create: Create,
        steps: &[Step],
        env: &Environment,
    ) -> Result<Option<PostgresLedger>, LedgerError> {
        let resolved = conninfo::resolve(url, env).map_err(LedgerError::ConnInfo)?;
        let target = conninfo::redact(url);
        let client = pgtls::connect(&resolved.spec).map_err(LedgerError::Connect)?;
        let mut conn = Conn {
            client,
            statements: HashMap::new(),
            target,
        };
        let supported = steps.last().map_or(0, |s| s.version);
        let contents = inspect(&mut conn)?;
        check(&conn, contents, supported)?;
        match contents {
            Contents::Absent { .. } if create == Create::No => return Ok(None),
            Contents::Ours { version, .. } if version >= supported => {}
            _ => migrate(&mut conn, steps, supported)?,
        }
        Ok(Some(PostgresLedger {
            conn: RefCell::new(conn),
            warnings: resolved.warnings,
        }))
    }

    /// What libpq would have warned about on the way (a password file others can read).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The connection itself, for tests that look behind the ledger's back.
    #[cfg(test)]
    pub(super) fn conn_for_tests(&self) -> std::cell::RefMut<'_, Client> {
        std::cell::RefMut::map(self.conn.borrow_mut(), |c| &mut c.client)
    }

    /// The role the server knows this session by (what events record).
    #[cfg(test)]
    pub fn session_user(&self) -> Result<String, LedgerError> {
        Ok(self
            .conn
            .borrow_mut()
            .query_one("SELECT session_user::text", &[])?
            .get(0))
    }
}

/// One round trip: is our schema there, with its marker, and how many
/// tables of other programs the database holds.
fn inspect(conn: &mut Conn) -> Result<Contents, LedgerError> {
    let row = conn.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'recovery_sheet'),
                to_regclass('recovery_sheet.schema_version') IS NOT NULL,
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
                    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'recovery_sheet')
                    AND n.nspname NOT LIKE 'pg\\_%')",
        &[],
    )?;
    let (schema, marker, foreign_tables): (bool, bool, i64) = (row.get(0), row.get(1), row.get(2));
    if !schema {
        return Ok(Contents::Absent { foreign_tables });
    }
    if !marker {
        return Ok(Contents::NotOurs);
    }
    let rows = conn.query(
        "SELECT application, version, compatible_from FROM recovery_sheet.schema_version",
        &[],
    )?;
    Ok(match rows.first() {
        Some(row) if row.get::<_, String>(0) == APPLICATION => {
            let version: i32 = row.get(1);
            let compatible_from: i32 = row.get(2);
            match (u32::try_from(version), u32::try_from(compatible_from)) {
                (Ok(version), Ok(compatible_from)) => Contents::Ours {
                    version,
                    compatible_from,
                },
                _ => Contents::NotOurs,
            }
        }
        _ => Contents::NotOurs,
    })
}

/// The refusals for what [`inspect`] found, before anything is written.
fn check(conn: &Conn, contents: Contents, supported: u32) -> Result<(), LedgerError> {
    let target = || PathBuf::from(&conn.target);
    match contents {
        Contents::NotOurs => Err(LedgerError::NotALedger(target())),
        Contents::Absent { foreign_tables } if foreign_tables > 0 => {
            Err(LedgerError::ForeignDatabase {
                target: conn.target.clone(),
                tables: foreign_tables,
            })
        }
        Contents::Ours {
            version,
            compatible_from,
        } if version > supported && compatible_from > supported => Err(LedgerError::TooNew {
            path: target(),
            found: version,
            supported,
        }),
        Contents::Absent { .. } | Contents::Ours { .. } => Ok(()),
    }
}

/// Applies the missing steps in one transaction under the migration lock,
/// looking again under the lock: another PC may have migrated meanwhile.
fn migrate(conn: &mut Conn, steps: &[Step], supported: u32) -> Result<(), LedgerError> {
    conn.simple("BEGIN")?;
    let result = (|| {
        conn.query_one(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&LOCK_CLASS, &MIGRATION_LOCK],
        )?;
        let contents = inspect(conn)?;
        check(conn, contents, supported)?;
        let found = match contents {
            Contents::Ours { version, .. } => version,
            _ => 0,
        };
        if found >= supported {
            return Ok(());
        }
        for step in steps.iter().filter(|s| s.version > found) {
            conn.simple(step.sql)?;
        }
        let compatible_from = steps.last().map_or(supported, |s| s.compatible_from);
        let (version, compatible_from) = (int(supported), int(compatible_from));
        conn.execute(
            "INSERT INTO recovery_sheet.schema_version (application, version, compatible_from)
             VALUES ($1, $2, $3)
             ON CONFLICT (singleton) DO UPDATE
             SET version = EXCLUDED.version, compatible_from = EXCLUDED.compatible_from,
                 migrated_at = now(), migrated_by = session_user",
            &[&APPLICATION, &version, &compatible_from],
        )?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.simple("COMMIT"),
        Err(e) => {
            let _ = conn.simple("ROLLBACK");
            Err(e)
        }
    }
}

/// What a failed statement means for the user.
fn db_err(target: &str, e: postgres::Error) -> LedgerError {
    let (target, detail) = (target.to_owned(), pgtls::chain(&e));
    if lost(&e) {
        return LedgerError::ConnectionLost { target, detail };
    }
    match e.code() {
        Some(code) if *code == SqlState::INSUFFICIENT_PRIVILEGE => {
            LedgerError::NoPrivilege { target, detail }
        }
        Some(code) if *code == SqlState::LOCK_NOT_AVAILABLE => {
            LedgerError::Busy(PathBuf::from(target))
        }
        _ => LedgerError::Postgres { target, detail },
    }
}

/// Whether the session is gone: an I/O error anywhere in the chain (end of
/// file, a reset, TLS without close_notify), a closed client, or the server
/// shutting down (57P01..57P03). What the server did with the last
/// statement is then unknown; what it committed before is kept.
fn lost(e: &postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    e.is_closed()
        || matches!(e.code(), Some(code) if *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW)
}

/// A count or number as PostgreSQL's `integer` (all are far below 2^31).
fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn unsigned(n: i32, what: &str) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| format!("{what} {n} is negative"))
}

fn time(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text).map_err(|e| format!("time `{text}`: {e}"))
}

fn optional_time(text: Option<String>) -> Result<Option<DateTime<FixedOffset>>, String> {
    text.as_deref().map(time).transpose()
}

fn set_id(text: &str) -> Result<SetId, String> {
    SetId::parse(text).map_err(|e| format!("set id `{text}`: {e}"))
}

fn record_from_row(row: &Row) -> Result<GenerationRecord, String> {
    let status: String = row.get(11);
    let numbers: Option<Vec<i32>> = row.get(20);
    let used_ats: Option<Vec<String>> = row.get(21);
    let used_bys: Option<Vec<Option<String>>> = row.get(22);
    let mut used = Vec::new();
    for ((number, at), by) in numbers
        .unwrap_or_default()
        .into_iter()
        .zip(used_ats.unwrap_or_default())
        .zip(used_bys.unwrap_or_default())
    {
        used.push(UsedCode {
            number: unsigned(number, "code number")?,
            used_at: time(&at)?,
            by,
        });
    }
    Ok(GenerationRecord {
        account: row.get(0),
        generation: unsigned(row.get(1), "generation")?,
        set_id: set_id(row.get(2))?,
        issued_at: time(row.get(3))?,
        count: unsigned(row.get(4), "count")?,
        format: row.get(5),
        source: row.get(6),
        copies: unsigned(row.get(7), "copies")?,
        location: row.get(8),
        custodian: row.get(9),
        next_inventory: row.get::<_, Option<NaiveDate>>(10),
        status: Status::from_name(&status).ok_or_else(|| format!("unknown status `{status}`"))?,
        status_changed_at: optional_time(row.get(12))?,
        superseded_by: row
            .get::<_, Option<String>>(13)
            .as_deref()
            .map(set_id)
            .transpose()?,
        lang: row.get(14),
        paper: row.get(15),
        organisation: row.get(16),
        run: row.get(17),
        shredded_at: optional_time(row.get(18))?,
        shredded_by: row.get(19),
        used,
    })
}

fn event_from_row(row: &Row) -> Result<Event, String> {
    let kind: String = row.get(2);
    let optional = |idx: usize, what: &str| -> Result<Option<u32>, String> {
        row.get::<_, Option<i32>>(idx)
            .map(|n| unsigned(n, what))
            .transpose()
    };
    Ok(Event {
        id: row.get(0),
        at: time(row.get(1))?,
        kind: EventKind::from_name(&kind).ok_or_else(|| format!("unknown event `{kind}`"))?,
        account: row.get(3),
        set_id: row
            .get::<_, Option<String>>(4)
            .as_deref()
            .map(set_id)
            .transpose()?,
        generation: optional(5, "generation")?,
        number: optional(6, "code number")?,
        by: row.get(7),
        os_user: row.get(8),
        db_role: row.get(9),
        tool_version: row.get(10),
        detail: row.get(11),
    })
}

impl Ledger for PostgresLedger {
    fn writer<'a>(
        &'a mut self,
        give_up: &dyn Fn() -> bool,
    ) -> Result<Box<dyn Writer + 'a>, LedgerError> {
        let conn = self.conn.get_mut();
        conn.lock(BUSY_TIMEOUT, give_up)?;
        Ok(Box::new(PgWriter { conn }))
    }

    fn try_writer(&mut self) -> Result<Option<Box<dyn Writer + '_>>, LedgerError> {
        let conn = self.conn.get_mut();
        if conn.lock(Duration::ZERO, &|| false)? {
            Ok(Some(Box::new(PgWriter { conn })))
        } else {
            Ok(None)
        }
    }

    #[cfg(test)]
    fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
        let conn = self.conn.get_mut();
        conn.lock(BUSY_TIMEOUT, &|| false)?;
        Ok(Box::new(PgWriteTxn::new(conn, true)))
    }

    fn overview(&self) -> Result<Vec<AccountOverview>, LedgerError> {
        let mut conn = self.conn.borrow_mut();
        // The current generation of each account, else its latest one.
        let sql = format!(
            "WITH latest AS (
                 SELECT * FROM (
                     SELECT *, row_number() OVER (
                         PARTITION BY account_key
                         ORDER BY status = 'current' DESC, status = 'pending', generation DESC
                     ) AS rank
                     FROM recovery_sheet.generations
                 ) ranked WHERE rank = 1
             )
             SELECT {RECORD_COLUMNS},
                 (SELECT count(*) FROM recovery_sheet.generations x
                   WHERE x.account_key = g.account_key AND x.shredded_at IS NULL
                     AND x.status IN ('superseded', 'revoked', 'unprinted')),
                 (SELECT count(*) FROM recovery_sheet.generations x
                   WHERE x.account_key = g.account_key AND x.status = 'unprinted'),
                 (SELECT a.retired_at FROM recovery_sheet.accounts a
                   WHERE a.account_key = g.account_key)
             FROM latest g {USED_CODES}
             ORDER BY g.account COLLATE \"C\""
        );
        let rows = conn.query(&sql, &[])?;
        rows.iter()
            .map(|row| {
                let overview = (|| -> Result<AccountOverview, String> {
                    let count = |idx: usize| -> u32 {
                        u32::try_from(row.get::<_, i64>(idx)).unwrap_or(u32::MAX)
                    };
                    Ok(AccountOverview {
                        latest: record_from_row(row)?,
                        unshredded: count(23),
                        unprinted: count(24),
                        retired_at: optional_time(row.get(25))?,
                    })
                })();
                overview.map_err(|detail| conn.bad_value(detail))
            })
            .collect()
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, LedgerError> {
        let keys: Option<Vec<String>> = filter
            .accounts
            .as_ref()
            .map(|accounts| accounts.iter().map(|a| account_key(a)).collect());
        if keys.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let since = filter.since.map(|at| at.to_rfc3339());
        let mut conn = self.conn.borrow_mut();
        let rows = conn.query(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM recovery_sheet.events
                 WHERE ($1::text IS NULL OR at::timestamptz >= $1::timestamptz)
                   AND ($2::text[] IS NULL OR account_key = ANY ($2))
                 ORDER BY id"
            ),
            &[&since, &keys],
        )?;
        rows.iter()
            .map(|row| event_from_row(row).map_err(|detail| conn.bad_value(detail)))
            .collect()
    }

    fn lineage(&self, account: &str) -> Result<Lineage, LedgerError> {
        self.conn.borrow_mut().lineage(account)
    }

    fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError> {
        let records = self.conn.borrow_mut().records(
            "WHERE g.account_key = $1 ORDER BY g.generation",
            &[&account_key(account)],
        )?;
        rules::history_of(account, records)
    }

    fn find_set(
        &self,
        set_id: &SetId,
    ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError> {
        // One statement: the set, and its account's current set.
        let mut records = self.conn.borrow_mut().records(
            "WHERE g.set_id = $1
                OR (g.status = 'current' AND g.account_key =
                    (SELECT account_key FROM recovery_sheet.generations WHERE set_id = $1))",
            &[&set_id.as_str()],
        )?;
        let Some(at) = records.iter().position(|r| &r.set_id == set_id) else {
            return Ok(None);
        };
        let record = records.remove(at);
        let current = match record.status {
            Status::Current => None,
            _ => records.into_iter().find(|r| r.status == Status::Current),
        };
        Ok(Some((record, current)))
    }

    fn export(&self) -> Result<History, LedgerError> {
        let mut conn = self.conn.borrow_mut();
        conn.simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let result = export(&mut conn);
        let _ = conn.simple("COMMIT");
        result
    }
}

fn export(conn: &mut Conn) -> Result<History, LedgerError> {
    let generations = conn.records("ORDER BY g.account_key COLLATE \"C\", g.generation", &[])?;
    let mut accounts = Vec::new();
    for row in conn.query(
        "SELECT account_key, retired_at FROM recovery_sheet.accounts
         ORDER BY account_key COLLATE \"C\"",
        &[],
    )? {
        let retired_at = optional_time(row.get(1)).map_err(|d| conn.bad_value(d))?;
        accounts.push((row.get(0), retired_at));
    }
    let mut events = Vec::new();
    for row in conn.query(
        &format!("SELECT {EVENT_COLUMNS}, account_key FROM recovery_sheet.events ORDER BY id"),
        &[],
    )? {
        let event = event_from_row(&row).map_err(|d| conn.bad_value(d))?;
        events.push((row.get(12), event));
    }
    Ok(History {
        generations,
        accounts,
        events,
    })
}

/// The writer lock, held by the connection until dropped.
struct PgWriter<'a> {
    conn: &'a mut Conn,
}

impl Writer for PgWriter<'_> {
    fn begin(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
        Ok(Box::new(PgWriteTxn::new(self.conn, false)))
    }
}

impl Drop for PgWriter<'_> {
    fn drop(&mut self) {
        self.conn.unlock();
    }
}

/// A write transaction: `BEGIN` goes out with the first write; dropped
/// without [`WriteTxn::commit`], it rolls back.
struct PgWriteTxn<'a> {
    conn: &'a mut Conn,
    begun: bool,
    done: bool,
    /// A statement failed: the server has aborted the transaction.
    failed: bool,
    /// The transaction took the writer lock itself ([`Ledger::begin_write`]).
    own_lock: bool,
}

impl<'a> PgWriteTxn<'a> {
    fn new(conn: &'a mut Conn, own_lock: bool) -> PgWriteTxn<'a> {
        PgWriteTxn {
            conn,
            begun: false,
            done: false,
            failed: false,
            own_lock,
        }
    }

    /// Runs `f` on the connection, noting a failure (which aborts the transaction).
    fn run<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let out = f(self.conn);
        if out.is_err() && self.begun {
            self.failed = true;
        }
        out
    }

    /// [`PgWriteTxn::run`] for a statement that writes: the transaction starts here.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        if !self.begun {
            self.conn.simple("BEGIN")?;
            self.begun = true;
        }
        self.run(f)
    }

    fn records(
        &mut self,
        tail: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<GenerationRecord>, LedgerError> {
        self.run(|conn| conn.records(tail, params))
    }

    fn known(&mut self, key: &str) -> Result<bool, LedgerError> {
        self.run(|conn| {
            Ok(conn
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM recovery_sheet.generations WHERE account_key = $1)",
                    &[&key],
                )?
                .get(0))
        })
    }

    /// The account's current set, with the errors `mark_used` and `revoke` give.
    fn require_current(&mut self, account: &str) -> Result<GenerationRecord, LedgerError> {
        let key = account_key(account);
        let current = self
            .records("WHERE g.account_key = $1 AND g.status = 'current'", &[&key])?
            .into_iter()
            .next();
        if let Some(current) = current {
            return Ok(current);
        }
        Err(rules::no_current(account, self.known(&key)?))
    }

    fn set_status(
        &mut self,
        set_id: &SetId,
        status: Status,
        at: DateTime<FixedOffset>,
    ) -> Result<(), LedgerError> {
        let (status, at) = (status.as_str(), at.to_rfc3339());
        self.write(|conn| {
            conn.execute(
                "UPDATE recovery_sheet.generations
                 SET status = $2, status_changed_at = $3, superseded_by = NULL
                 WHERE set_id = $1",
                &[&set_id.as_str(), &status, &at],
            )
        })?;
        Ok(())
    }
}

impl Drop for PgWriteTxn<'_> {
    fn drop(&mut self) {
        if self.begun && !self.done {
            let _ = self.conn.simple("ROLLBACK");
        }
        if self.own_lock {
            self.conn.unlock();
        }
    }
}

impl WriteTxn for PgWriteTxn<'_> {
    fn lineage(&mut self, account: &str) -> Result<Lineage, LedgerError> {
        self.run(|conn| conn.lineage(account))
    }

    fn record_pending(
        &mut self,
        new: &NewGeneration,
        placements: &[Placement],
    ) -> Result<u32, LedgerError> {
        let roles: Vec<&str> = placements.iter().map(|p| p.role.as_str()).collect();
        let hosts: Vec<&str> = placements.iter().map(|p| p.host.as_str()).collect();
        let paths: Vec<&str> = placements.iter().map(|p| p.path.as_str()).collect();
        // Device and inode numbers, stored as their bit pattern (as in SQLite).
        let devs: Vec<Option<i64>> = placements
            .iter()
            .map(|p| p.file.map(|(dev, _)| dev as i64))
            .collect();
        let inos: Vec<Option<i64>> = placements
            .iter()
            .map(|p| p.file.map(|(_, ino)| ino as i64))
            .collect();
        let asides: Vec<Option<&str>> = placements.iter().map(|p| p.aside.as_deref()).collect();
        let key = account_key(&new.account);
        let issued_at = new.issued_at.to_rfc3339();
        let (count, copies) = (int(new.count), int(new.copies));
        let rows = self.write(|conn| {
            // One statement: the generation and the files it is about to place
            // (none when the set id is taken).
            conn.query(
                "WITH g AS (
                     INSERT INTO recovery_sheet.generations (account, account_key, generation,
                         set_id, issued_at, count, format, source, copies, location, custodian,
                         next_inventory, status, lang, paper, organisation, run)
                     SELECT $1, $2, coalesce(max(generation), 0) + 1, $3, $4, $5, $6, $7, $8,
                            $9, $10, $11, 'pending', $12, $13, $14, $15
                     FROM recovery_sheet.generations WHERE account_key = $2
                     ON CONFLICT (set_id) DO NOTHING
                     RETURNING generation
                 ), p AS (
                     INSERT INTO recovery_sheet.placements (set_id, role, host, path, dev, ino, aside)
                     SELECT $3, * FROM unnest($16::text[], $17::text[], $18::text[],
                                              $19::bigint[], $20::bigint[], $21::text[])
                     WHERE EXISTS (SELECT 1 FROM g)
                 )
                 SELECT generation FROM g",
                &[
                    &new.account,
                    &key,
                    &new.set_id.as_str(),
                    &issued_at,
                    &count,
                    &new.format,
                    &new.source,
                    &copies,
                    &new.location,
                    &new.custodian,
                    &new.next_inventory,
                    &new.lang,
                    &new.paper,
                    &new.organisation,
                    &new.run,
                    &roles,
                    &hosts,
                    &paths,
                    &devs,
                    &inos,
                    &asides,
                ],
            )
        });
        let Some(row) = rows?.into_iter().next() else {
            return Err(LedgerError::DuplicateSetId(new.set_id.clone()));
        };
        let generation: i32 = row.get(0);
        unsigned(generation, "generation").map_err(|d| self.conn.bad_value(d))
    }

    fn pending(&mut self) -> Result<Vec<Pending>, LedgerError> {
        // The set IDs first, by two lookups: with `OR` the planner reads
        // every generation in the ledger.
        let records = self.records(
            "WHERE g.set_id IN (
                 SELECT set_id FROM recovery_sheet.generations WHERE status = 'pending'
                 UNION ALL
                 SELECT set_id FROM recovery_sheet.placements WHERE aside IS NOT NULL)
             ORDER BY g.account COLLATE \"C\", g.generation",
            &[],
        )?;
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = records.iter().map(|r| r.set_id.as_str()).collect();
        let rows = self.run(|conn| {
            conn.query(
                "SELECT set_id, role, host, path, dev, ino, aside FROM recovery_sheet.placements
                 WHERE set_id = ANY ($1) ORDER BY set_id, role COLLATE \"C\"",
                &[&ids],
            )
        })?;
        let mut placements: HashMap<String, Vec<Placement>> = HashMap::new();
        for row in rows {
            let role: String = row.get(1);
            let dev: Option<i64> = row.get(4);
            let ino: Option<i64> = row.get(5);
            let placement = Placement {
                role: Role::from_name(&role)
                    .ok_or_else(|| self.conn.bad_value(format!("unknown role `{role}`")))?,
                host: row.get(2),
                path: row.get(3),
                file: dev.zip(ino).map(|(d, i)| (d as u64, i as u64)),
                aside: row.get(6),
            };
            placements.entry(row.get(0)).or_default().push(placement);
        }
        Ok(records
            .into_iter()
            .map(|record| Pending {
                placements: placements
                    .remove(record.set_id.as_str())
                    .unwrap_or_default(),
                record,
            })
            .collect())
    }

    fn finish(&mut self, set_id: &SetId) -> Result<Option<GenerationRecord>, LedgerError> {
        // The pending generation and its account's current one, in one read.
        let records = self.records(
            "WHERE g.account_key = (SELECT account_key FROM recovery_sheet.generations
                                    WHERE set_id = $1 AND status = 'pending')
               AND (g.set_id = $1 OR g.status = 'current')",
            &[&set_id.as_str()],
        )?;
        let Some(pending) = records.iter().find(|r| &r.set_id == set_id) else {
            return Err(LedgerError::UnknownSet(set_id.clone()));
        };
        let key = account_key(&pending.account);
        let issued_at = pending.issued_at.to_rfc3339();
        let superseded = records
            .iter()
            .find(|r| r.status == Status::Current)
            .cloned();
        self.write(|conn| {
            // One statement; the one-current constraint is checked at the commit.
            // A never-printed generation is superseded too, so it names what
            // took its place. A retired account is active again.
            conn.execute(
                "WITH old AS (
                     UPDATE recovery_sheet.generations
                     SET status = CASE status WHEN 'current' THEN 'superseded' ELSE status END,
                         status_changed_at = CASE status WHEN 'current' THEN $3
                                             ELSE status_changed_at END,
                         superseded_by = $1
                     WHERE account_key = $2 AND status IN ('current', 'unprinted')
                       AND (status = 'current' OR superseded_by IS NULL)
                 ), placed AS (
                     DELETE FROM recovery_sheet.placements WHERE set_id = $1 AND aside IS NULL
                 ), active AS (
                     UPDATE recovery_sheet.accounts SET retired_at = NULL WHERE account_key = $2
                 )
                 UPDATE recovery_sheet.generations SET status = 'current'
                 WHERE set_id = $1 AND status = 'pending'",
                &[&set_id.as_str(), &key, &issued_at],
            )
        })?;
        Ok(superseded.map(|mut old| {
            old.status = Status::Superseded;
            old.status_changed_at = Some(pending.issued_at);
            old.superseded_by = Some(set_id.clone());
            old
        }))
    }

    fn abandon(&mut self, set_id: &SetId) -> Result<(), LedgerError> {
        self.write(|conn| {
            conn.execute(
                "WITH p AS (DELETE FROM recovery_sheet.placements WHERE set_id = $1)
                 DELETE FROM recovery_sheet.generations WHERE set_id = $1 AND status = 'pending'",
                &[&set_id.as_str()],
            )
        })?;
        Ok(())
    }

    fn mark_unprinted(
        &mut self,
        set_id: &SetId,
        at: DateTime<FixedOffset>,
    ) -> Result<(), LedgerError> {
        let at = at.to_rfc3339();
        self.write(|conn| {
            conn.execute(
                "WITH g AS (
                     UPDATE recovery_sheet.generations
                     SET status = 'unprinted', status_changed_at = $2
                     WHERE set_id = $1 AND status = 'pending'
                 )
                 DELETE FROM recovery_sheet.placements WHERE set_id = $1",
                &[&set_id.as_str(), &at],
            )
        })?;
        Ok(())
    }

    fn forget_aside(&mut self, set_id: &SetId, role: Role) -> Result<(), LedgerError> {
        self.write(|conn| {
            conn.execute(
                "DELETE FROM recovery_sheet.placements WHERE set_id = $1 AND role = $2",
                &[&set_id.as_str(), &role.as_str()],
            )
        })?;
        Ok(())
    }

    fn mark_used(
        &mut self,
        account: &str,
        number: u32,
        at: DateTime<FixedOffset>,
        by: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError> {
        let mut current = self.require_current(account)?;
        rules::may_mark_used(&current, number)?;
        let used_at = at.to_rfc3339();
        self.write(|conn| {
            conn.execute(
                "INSERT INTO recovery_sheet.used_codes (set_id, number, used_at, used_by)
                 VALUES ($1, $2, $3, $4)",
                &[&current.set_id.as_str(), &int(number), &used_at, &by],
            )
        })?;
        current.used.push(UsedCode {
            number,
            used_at: at,
            by: by.map(str::to_owned),
        });
        current.used.sort_by_key(|u| u.number);
        Ok(current)
    }

    fn record_event(&mut self, event: &NewEvent) -> Result<(), LedgerError> {
        let at = event.at.to_rfc3339();
        let key = account_key(&event.account);
        let generation = event.generation.map(int);
        let number = event.number.map(int);
        self.write(|conn| {
            // db_role is left to its default: session_user, filled in by the server.
            conn.execute(
                "INSERT INTO recovery_sheet.events (at, account_key, kind, account, set_id,
                     generation, number, by_name, os_user, tool_version, detail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &at,
                    &key,
                    &event.kind.as_str(),
                    &event.account,
                    &event.set_id.as_ref().map(SetId::as_str),
                    &generation,
                    &number,
                    &event.actor.by,
                    &event.actor.os_user,
                    &env!("CARGO_PKG_VERSION"),
                    &event.detail,
                ],
            )
        })?;
        Ok(())
    }

    fn unmark_used(&mut self, account: &str, number: u32) -> Result<GenerationRecord, LedgerError> {
        let mut current = self.require_current(account)?;
        rules::may_unmark_used(&current, number)?;
        self.write(|conn| {
            conn.execute(
                "DELETE FROM recovery_sheet.used_codes WHERE set_id = $1 AND number = $2",
                &[&current.set_id.as_str(), &int(number)],
            )
        })?;
        current.used.retain(|u| u.number != number);
        Ok(current)
    }

    fn set_inventory(
        &mut self,
        account: &str,
        next: NaiveDate,
        location: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError> {
        let mut current = self.require_current(account)?;
        self.write(|conn| {
            conn.execute(
                "UPDATE recovery_sheet.generations
                 SET next_inventory = $2, location = coalesce($3, location)
                 WHERE set_id = $1",
                &[&current.set_id.as_str(), &next, &location],
            )
        })?;
        current.next_inventory = Some(next);
        if let Some(location) = location {
            current.location = Some(location.to_owned());
        }
        Ok(current)
    }

    fn mark_shredded(
        &mut self,
        set_id: &SetId,
        at: DateTime<FixedOffset>,
        by: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError> {
        let mut record = self
            .records("WHERE g.set_id = $1", &[&set_id.as_str()])?
            .into_iter()
            .next()
            .ok_or_else(|| LedgerError::UnknownSet(set_id.clone()))?;
        rules::may_shred(&record)?;
        let shredded_at = at.to_rfc3339();
        self.write(|conn| {
            conn.execute(
                "UPDATE recovery_sheet.generations SET shredded_at = $2, shredded_by = $3
                 WHERE set_id = $1",
                &[&set_id.as_str(), &shredded_at, &by],
            )
        })?;
        record.shredded_at = Some(at);
        record.shredded_by = by.map(str::to_owned);
        Ok(record)
    }

    fn rename_account(&mut self, old: &str, new: &str) -> Result<(), LedgerError> {
        let (old_key, new_key) = (account_key(old), account_key(new));
        rules::may_rename(old, self.known(&old_key)?, new, self.known(&new_key)?)?;
        self.write(|conn| {
            conn.execute(
                "WITH a AS (
                     UPDATE recovery_sheet.accounts SET account_key = $3 WHERE account_key = $1
                 )
                 UPDATE recovery_sheet.generations SET account = $2, account_key = $3
                 WHERE account_key = $1",
                &[&old_key, &new, &new_key],
            )
        })?;
        Ok(())
    }

    fn retired_at(&mut self, account: &str) -> Result<Option<DateTime<FixedOffset>>, LedgerError> {
        let key = account_key(account);
        let retired: Option<String> = self.run(|conn| {
            Ok(conn
                .query(
                    "SELECT retired_at FROM recovery_sheet.accounts
                     WHERE account_key = $1 AND retired_at IS NOT NULL",
                    &[&key],
                )?
                .first()
                .map(|row| row.get(0)))
        })?;
        retired
            .map(|text| time(&text).map_err(|d| self.conn.bad_value(d)))
            .transpose()
    }

    fn store_retired(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<(), LedgerError> {
        let key = account_key(account);
        let retired_at = at.to_rfc3339();
        self.write(|conn| {
            conn.execute(
                "INSERT INTO recovery_sheet.accounts (account_key, retired_at) VALUES ($1, $2)
                 ON CONFLICT (account_key) DO UPDATE SET retired_at = EXCLUDED.retired_at",
                &[&key, &retired_at],
            )
        })?;
        Ok(())
    }

    fn revoke(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<GenerationRecord, LedgerError> {
        let mut current = self.require_current(account)?;
        self.set_status(&current.set_id, Status::Revoked, at)?;
        current.status = Status::Revoked;
        current.status_changed_at = Some(at);
        current.superseded_by = None;
        Ok(current)
    }

    fn counts(&mut self) -> Result<Counts, LedgerError> {
        let row = self.run(|conn| {
            conn.query_one(
                "SELECT (SELECT count(*) FROM recovery_sheet.generations),
                        (SELECT count(*) FROM recovery_sheet.used_codes),
                        (SELECT count(*) FROM recovery_sheet.accounts),
                        (SELECT count(*) FROM recovery_sheet.events),
                        (SELECT count(*) FROM recovery_sheet.generations WHERE status = 'pending')",
                &[],
            )
        })?;
        let n = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
        Ok(Counts {
            generations: n(0),
            used_codes: n(1),
            accounts: n(2),
            events: n(3),
            pending: n(4),
        })
    }

    fn import(&mut self, history: &History) -> Result<(), LedgerError> {
        for r in &history.generations {
            let key = account_key(&r.account);
            let issued_at = r.issued_at.to_rfc3339();
            let changed = r.status_changed_at.map(|at| at.to_rfc3339());
            let superseded_by = r.superseded_by.as_ref().map(SetId::as_str);
            let shredded_at = r.shredded_at.map(|at| at.to_rfc3339());
            let (generation, count, copies) = (int(r.generation), int(r.count), int(r.copies));
            self.write(|conn| {
                conn.execute(
                    "INSERT INTO recovery_sheet.generations (account, account_key, generation,
                         set_id, issued_at, count, format, source, copies, location, custodian,
                         next_inventory, status, status_changed_at, superseded_by, lang, paper,
                         organisation, run, shredded_at, shredded_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                             $16, $17, $18, $19, $20, $21)",
                    &[
                        &r.account,
                        &key,
                        &generation,
                        &r.set_id.as_str(),
                        &issued_at,
                        &count,
                        &r.format,
                        &r.source,
                        &copies,
                        &r.location,
                        &r.custodian,
                        &r.next_inventory,
                        &r.status.as_str(),
                        &changed,
                        &superseded_by,
                        &r.lang,
                        &r.paper,
                        &r.organisation,
                        &r.run,
                        &shredded_at,
                        &r.shredded_by,
                    ],
                )
            })?;
            for u in &r.used {
                let used_at = u.used_at.to_rfc3339();
                self.write(|conn| {
                    conn.execute(
                        "INSERT INTO recovery_sheet.used_codes (set_id, number, used_at, used_by)
                         VALUES ($1, $2, $3, $4)",
                        &[&r.set_id.as_str(), &int(u.number), &used_at, &u.by],
                    )
                })?;
            }
        }
        for (key, retired_at) in &history.accounts {
            let retired_at = retired_at.map(|at| at.to_rfc3339());
            self.write(|conn| {
                conn.execute(
                    "INSERT INTO recovery_sheet.accounts (account_key, retired_at) VALUES ($1, $2)",
                    &[key, &retired_at],
                )
            })?;
        }
        for (key, e) in &history.events {
            let at = e.at.to_rfc3339();
            let (generation, number) = (e.generation.map(int), e.number.map(int));
            self.write(|conn| {
                // As recorded: the role of the event's own writer (none from a SQLite ledger).
                conn.execute(
                    &format!(
                        "INSERT INTO recovery_sheet.events ({EVENT_COLUMNS}, account_key)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    ),
                    &[
                        &e.id,
                        &at,
                        &e.kind.as_str(),
                        &e.account,
                        &e.set_id.as_ref().map(SetId::as_str),
                        &generation,
                        &number,
                        &e.by,
                        &e.os_user,
                        &e.db_role,
                        &e.tool_version,
                        &e.detail,
                        key,
                    ],
                )
            })?;
        }
        // The next event recorded here follows the copied ones.
        self.write(|conn| {
            conn.query_one(
                "SELECT setval(pg_get_serial_sequence('recovery_sheet.events', 'id'),
                               coalesce(max(id), 0) + 1, false)
                 FROM recovery_sheet.events",
                &[],
            )
        })?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), LedgerError> {
        if self.failed {
            return Err(LedgerError::BadValue {
                target: self.conn.target.clone(),
                detail: "a statement of this transaction failed; nothing was committed".into(),
            });
        }
        if self.begun {
            self.conn.simple("COMMIT")?;
        }
        self.done = true;
        Ok(())
    }
}
