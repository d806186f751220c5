//! The ledger in one SQLite file: opening it safely, its schema and migrations, and the queries.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior};

use super::rules;
use super::{
    AccountOverview, Counts, Event, EventFilter, EventKind, GenerationRecord, History, Ledger,
    LedgerError, Lineage, NewEvent, NewGeneration, Pending, Placement, Role, Status, UsedCode,
    WriteTxn, Writer,
};
use crate::codes::SetId;
use crate::files::{FileLock, LockError, lock_file};
use crate::labels::account_key;

/// Marks the file as ours (`PRAGMA application_id`, "RSLG"), so a SQLite file
/// some other program made is never mistaken for a ledger.
pub(super) const APPLICATION_ID: i32 = 0x5253_4c47;

/// Schema steps: step `i` takes `user_version` from `i` to `i + 1`, all in one
/// transaction. A new schema version is one more entry here.
pub(super) const MIGRATIONS: &[&str] = &[SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4];

/// The schema version this build writes and reads.
pub(super) const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The oldest schema a read-only open reads as it is (only a writer can
/// upgrade a file): schema 4 only added an index, so a schema 3 ledger reads
/// the same, a little slower.
const OLDEST_READABLE: u32 = 3;

/// Long enough for many processes recording at once to queue rather than fail.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a writer sleeps between tries for the lock, in milliseconds:
/// short at first, since another writer's commit takes a few (SQLite's own
/// busy timeout backs off the same way), then at most 50 so Ctrl-C is seen.
const BUSY_STEPS_MS: [u64; 10] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50];

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

// Metadata only: no column may ever hold a code or anything derived from one.
const SCHEMA_V1: &str = "
CREATE TABLE generations (
    account           TEXT NOT NULL,
    generation        INTEGER NOT NULL CHECK (generation >= 1),
    set_id            TEXT NOT NULL UNIQUE,
    issued_at         TEXT NOT NULL,
    count             INTEGER NOT NULL CHECK (count >= 0),
    format            TEXT NOT NULL,
    source            TEXT NOT NULL,
    copies            INTEGER NOT NULL CHECK (copies >= 0),
    location          TEXT,
    custodian         TEXT,
    next_inventory    TEXT,
    status            TEXT NOT NULL CHECK (status IN ('current', 'superseded', 'revoked')),
    status_changed_at TEXT,
    superseded_by     TEXT REFERENCES generations (set_id) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (account, generation)
) STRICT;
CREATE UNIQUE INDEX one_current_per_account ON generations (account) WHERE status = 'current';
CREATE TABLE used_codes (
    set_id  TEXT NOT NULL REFERENCES generations (set_id),
    number  INTEGER NOT NULL CHECK (number >= 1),
    used_at TEXT NOT NULL,
    used_by TEXT,
    UNIQUE (set_id, number)
) STRICT;
";

// Schema 2: a generation is recorded `pending` before its files are placed
// (the statuses grow two, which in SQLite means a new table), with the files
// it places in `placements` until it is finished or undone; and what a
// regeneration carries over (language, paper, organisation); and the run
// (one process) that issued it, so a batch sees an account twice in its file.
const SCHEMA_V2: &str = "
CREATE TABLE generations_v2 (
    account           TEXT NOT NULL,
    generation        INTEGER NOT NULL CHECK (generation >= 1),
    set_id            TEXT NOT NULL UNIQUE,
    issued_at         TEXT NOT NULL,
    count             INTEGER NOT NULL CHECK (count >= 0),
    format            TEXT NOT NULL,
    source            TEXT NOT NULL,
    copies            INTEGER NOT NULL CHECK (copies >= 0),
    location          TEXT,
    custodian         TEXT,
    next_inventory    TEXT,
    lang              TEXT,
    paper             TEXT,
    organisation      TEXT,
    run               TEXT,
    status            TEXT NOT NULL
                      CHECK (status IN ('current', 'superseded', 'revoked', 'pending', 'unprinted')),
    status_changed_at TEXT,
    superseded_by     TEXT REFERENCES generations (set_id) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (account, generation)
) STRICT;
INSERT INTO generations_v2 (account, generation, set_id, issued_at, count, format, source,
    copies, location, custodian, next_inventory, status, status_changed_at, superseded_by)
SELECT account, generation, set_id, issued_at, count, format, source,
    copies, location, custodian, next_inventory, status, status_changed_at, superseded_by
FROM generations;
DROP TABLE generations;
ALTER TABLE generations_v2 RENAME TO generations;
CREATE UNIQUE INDEX one_current_per_account ON generations (account) WHERE status = 'current';
CREATE UNIQUE INDEX one_pending_per_account ON generations (account) WHERE status = 'pending';
CREATE TABLE placements (
    set_id TEXT NOT NULL REFERENCES generations (set_id),
    role   TEXT NOT NULL CHECK (role IN ('sheet', 'verifier')),
    host   TEXT NOT NULL,
    path   TEXT NOT NULL,
    dev    INTEGER,
    ino    INTEGER,
    aside  TEXT,
    PRIMARY KEY (set_id, role)
) STRICT;
";

// Schema 3: the sheet's life after printing. Shredding is recorded per set;
// a retired account (two-factor removed at the service) is remembered; and
// every change is an event in an append-only audit trail (triggers refuse
// to change or remove one). Events for what schema 1 and 2 ledgers already
// hold are made from their rows, marked as such.
const SCHEMA_V3: &str = "
ALTER TABLE generations ADD COLUMN shredded_at TEXT;
ALTER TABLE generations ADD COLUMN shredded_by TEXT;
ALTER TABLE generations ADD COLUMN account_key TEXT;
UPDATE generations SET account_key = account_key(account);
DROP INDEX one_current_per_account;
DROP INDEX one_pending_per_account;
CREATE UNIQUE INDEX one_current_per_account ON generations (account_key) WHERE status = 'current';
CREATE UNIQUE INDEX one_pending_per_account ON generations (account_key) WHERE status = 'pending';
CREATE UNIQUE INDEX generations_by_key ON generations (account_key, generation);
CREATE TABLE accounts (
    account_key TEXT PRIMARY KEY,
    retired_at  TEXT
) STRICT;
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    account_key  TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('issued', 'superseded', 'never_printed',
                     'code_used', 'code_use_undone', 'inventory', 'shredded', 'revoked',
                     'retired', 'renamed')),
    account      TEXT NOT NULL,
    set_id       TEXT,
    generation   INTEGER,
    number       INTEGER,
    by_name      TEXT,
    os_user      TEXT NOT NULL,
    db_role      TEXT,
    tool_version TEXT NOT NULL,
    detail       TEXT
) STRICT;
CREATE INDEX events_by_account ON events (account_key, at);
CREATE TRIGGER events_are_never_changed BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER events_are_never_removed BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
INSERT INTO events (at, account_key, kind, account, set_id, generation, number, by_name,
                    os_user, tool_version, detail)
SELECT at, account_key(account), kind, account, set_id, generation, number, by_name, '',
       'before schema 3', NULL
FROM (
    SELECT issued_at AS at, 'issued' AS kind, account, set_id, generation,
           NULL AS number, NULL AS by_name, 0 AS sub
    FROM generations WHERE status IN ('current', 'superseded', 'revoked')
    UNION ALL
    SELECT status_changed_at, status, account, set_id, generation, NULL, NULL, 2
    FROM generations WHERE status IN ('superseded', 'revoked') AND status_changed_at IS NOT NULL
    UNION ALL
    SELECT u.used_at, 'code_used', g.account, u.set_id, g.generation, u.number, u.used_by, 1
    FROM used_codes u JOIN generations g ON g.set_id = u.set_id
)
ORDER BY at, sub;
";

// Schema 4: an index on each account's statuses, so what a new sheet reads
// (how many printed sets it replaces, the never-printed sets it names) costs
// the same with 1,000 generations as with 2. It only adds an index.
const SCHEMA_V4: &str = "
CREATE INDEX generations_by_status ON generations (account_key, status);
";

const COLUMNS: &str = "account, generation, set_id, issued_at, count, format, source, copies, \
     location, custodian, next_inventory, status, status_changed_at, superseded_by, \
     lang, paper, organisation, run, shredded_at, shredded_by, account_key";

const EVENT_COLUMNS: &str = "id, at, kind, account, set_id, generation, number, by_name, \
     os_user, db_role, tool_version, detail";

/// The ledger in a SQLite file, in rollback-journal mode: one file to back up,
/// and readers need no write access to the folder (WAL would need a -shm file).
pub struct SqliteLedger {
    conn: Connection,
    path: PathBuf,
    /// Whether to stop waiting for a lock (Ctrl-C).
    stop: fn() -> bool,
}

/// The writer lock: an exclusive lock on `<ledger>.lock`, and the connection.
struct SqliteWriter<'a> {
    conn: &'a mut Connection,
    path: &'a Path,
    _lock: FileLock,
    /// What the connection's waits give up on once this writer is done.
    stop: fn() -> bool,
}

impl<'a> SqliteWriter<'a> {
    /// The writer of one who holds the lock. Its waits for readers to finish
    /// (short: readers hold the file only while they read) no longer give
    /// up at Ctrl-C, so that what it started, it finishes or undoes: a stop
    /// must never leave a generation half-recorded.
    fn holding(
        conn: &'a mut Connection,
        path: &'a Path,
        lock: FileLock,
        stop: fn() -> bool,
    ) -> Result<Self, LedgerError> {
        wait_while_busy(conn, path, never)?;
        Ok(SqliteWriter {
            conn,
            path,
            _lock: lock,
            stop,
        })
    }
}

impl Drop for SqliteWriter<'_> {
    fn drop(&mut self) {
        // Back to giving up at Ctrl-C for whatever this connection reads next.
        let _ = wait_while_busy(self.conn, self.path, self.stop);
    }
}

impl Writer for SqliteWriter<'_> {
    fn begin(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| write_err(self.path, e))?;
        Ok(Box::new(SqliteWriteTxn {
            tx,
            path: self.path,
            _lock: None,
        }))
    }
}

/// The lock file beside a ledger file.
pub fn lock_path(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Every file a ledger at `path` consists of or keeps beside it: the file, the
/// lock, SQLite's journals, and the copies kept before a schema upgrade.
/// No output may ever be one of these.
pub fn own_files(path: &Path) -> Vec<PathBuf> {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let mut files = vec![
        path.to_owned(),
        lock_path(path),
        with("-journal"),
        with("-wal"),
        with("-shm"),
    ];
    files.extend((1..SCHEMA_VERSION).map(|v| backup_path(path, v)));
    files
}

/// Where the copy of a ledger at schema `version` is kept before it is upgraded.
pub fn backup_path(path: &Path, version: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".schema{version}.bak"));
    PathBuf::from(name)
}

/// What a file turned out to hold, judged before anything is written to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Contents {
    /// Empty (0 bytes, or a SQLite file with nothing in it): ours to initialise.
    Fresh,
    /// Our ledger at this schema version.
    Ours(u32),
    /// Something else.
    Foreign,
}

impl SqliteLedger {
    /// Opens the ledger for reading and writing, creating it (folder 0700,
    /// file 0600) and bringing its schema up to date as needed.
    pub fn open(path: &Path) -> Result<SqliteLedger, LedgerError> {
        Self::open_for_write(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Opens the ledger for writing when there is one; `None` when there is
    /// no file yet, or an empty one (nothing is created).
    pub fn open_existing(path: &Path) -> Result<Option<SqliteLedger>, LedgerError> {
        match fs::metadata(path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(LedgerError::Io(path.to_owned(), err)),
            Ok(meta) if meta.is_file() && meta.len() == 0 => Ok(None),
            Ok(_) => Self::open(path).map(Some),
        }
    }

    /// Opens an existing ledger for reading only; creates nothing.
    pub fn open_read_only(path: &Path) -> Result<SqliteLedger, LedgerError> {
        match fs::metadata(path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(LedgerError::Missing(path.to_owned()));
            }
            Err(err) => return Err(LedgerError::Io(path.to_owned(), err)),
            Ok(meta) if meta.is_dir() => return Err(LedgerError::IsFolder(path.to_owned())),
            Ok(_) => {}
        }
        if !has_sqlite_header(path)? {
            return Err(LedgerError::NotALedger(path.to_owned()));
        }
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        match inspect(&conn).map_err(|e| sql_err(path, e))? {
            // Created but never initialised: no ledger yet, as far as a reader goes.
            Contents::Fresh => Err(LedgerError::Missing(path.to_owned())),
            Contents::Foreign => Err(LedgerError::NotALedger(path.to_owned())),
            Contents::Ours(found) if found > SCHEMA_VERSION => Err(LedgerError::TooNew {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            }),
            Contents::Ours(found) if found < OLDEST_READABLE => Err(LedgerError::Outdated {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            }),
            Contents::Ours(_) => Ok(SqliteLedger {
                conn,
                path: path.to_owned(),
                stop: never,
            }),
        }
    }

    /// Stops waits for a lock (the writer lock, SQLite's own) as soon as
    /// `stop` says so: Ctrl-C then ends a wait at once.
    pub fn stop_when(&mut self, stop: fn() -> bool) -> Result<(), LedgerError> {
        self.stop = stop;
        wait_while_busy(&mut self.conn, &self.path, stop)
    }

    /// `open` with the SQLite open flags as a parameter, so tests can simulate
    /// a read-only file even when running as root.
    pub(super) fn open_for_write(
        path: &Path,
        flags: OpenFlags,
    ) -> Result<SqliteLedger, LedgerError> {
        if path.is_dir() {
            return Err(LedgerError::IsFolder(path.to_owned()));
        }
        create_parent(path)?;
        create_file(path)?;
        // Before SQLite touches the file: a text file, say, must be refused as it is.
        if !has_sqlite_header(path)? {
            return Err(LedgerError::NotALedger(path.to_owned()));
        }
        let mut conn = connect(path, flags)?;
        if conn.is_readonly("main").map_err(|e| sql_err(path, e))? {
            return Err(LedgerError::ReadOnly(path.to_owned()));
        }
        let contents = inspect(&conn).map_err(|e| sql_err(path, e))?;
        check_contents(path, contents)?;
        if contents != Contents::Ours(SCHEMA_VERSION) {
            if let Contents::Ours(found) = contents {
                keep_a_copy(&conn, path, found)?;
            }
            migrate(&mut conn, MIGRATIONS).map_err(|e| match e {
                Migration::Refused(contents) => match check_contents(path, contents) {
                    Err(refusal) => refusal,
                    // Unreachable: `migrate` refuses only what `check_contents` refuses.
                    Ok(()) => LedgerError::NotALedger(path.to_owned()),
                },
                Migration::Sqlite(e) => write_err(path, e),
            })?;
        }
        Ok(SqliteLedger {
            conn,
            path: path.to_owned(),
            stop: never,
        })
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        // One read transaction, so a record and its used codes are from the same moment.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| sql_err(&self.path, e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| sql_err(&self.path, e))?;
        Ok(out)
    }
}

impl Ledger for SqliteLedger {
    fn writer<'a>(
        &'a mut self,
        give_up: &dyn Fn() -> bool,
    ) -> Result<Box<dyn Writer + 'a>, LedgerError> {
        let lock =
            lock_file(&lock_path(&self.path), BUSY_TIMEOUT, give_up).map_err(|e| match e {
                LockError::Busy | LockError::Stopped => LedgerError::Busy(self.path.clone()),
                LockError::Io(err) => io_err(&lock_path(&self.path), &self.path, err),
            })?;
        Ok(Box::new(SqliteWriter::holding(
            &mut self.conn,
            &self.path,
            lock,
            self.stop,
        )?))
    }

    fn try_writer(&mut self) -> Result<Option<Box<dyn Writer + '_>>, LedgerError> {
        match lock_file(&lock_path(&self.path), Duration::ZERO, &|| false) {
            Ok(lock) => Ok(Some(Box::new(SqliteWriter::holding(
                &mut self.conn,
                &self.path,
                lock,
                self.stop,
            )?))),
            Err(LockError::Busy | LockError::Stopped) => Ok(None),
            Err(LockError::Io(err)) => Err(io_err(&lock_path(&self.path), &self.path, err)),
        }
    }

    #[cfg(test)]
    fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
        let stop = self.stop;
        let lock = lock_file(&lock_path(&self.path), BUSY_TIMEOUT, &stop).map_err(|e| match e {
            LockError::Busy | LockError::Stopped => LedgerError::Busy(self.path.clone()),
            LockError::Io(err) => io_err(&lock_path(&self.path), &self.path, err),
        })?;
        let SqliteLedger { conn, path, .. } = self;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| write_err(path, e))?;
        Ok(Box::new(SqliteWriteTxn {
            tx,
            path: path.as_path(),
            _lock: Some(lock),
        }))
    }

    fn overview(&self) -> Result<Vec<AccountOverview>, LedgerError> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {COLUMNS} FROM (
                     SELECT *, row_number() OVER (
                         PARTITION BY account_key
                         ORDER BY status = 'current' DESC, status = 'pending', generation DESC
                     ) AS rank
                     FROM generations
                 )
                 WHERE rank = 1
                 ORDER BY account"
            );
            let latest = query_records(conn, &self.path, &sql, [])?;
            let counts = |sql: &str| -> rusqlite::Result<std::collections::HashMap<String, u32>> {
                conn.prepare(sql)?
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            };
            let unshredded = counts(
                "SELECT account_key, count(*) FROM generations
                 WHERE status IN ('superseded', 'revoked', 'unprinted') AND shredded_at IS NULL
                 GROUP BY account_key",
            )
            .map_err(|e| sql_err(&self.path, e))?;
            let unprinted = counts(
                "SELECT account_key, count(*) FROM generations WHERE status = 'unprinted'
                 GROUP BY account_key",
            )
            .map_err(|e| sql_err(&self.path, e))?;
            let mut retired: std::collections::HashMap<String, String> = conn
                .prepare(
                    "SELECT account_key, retired_at FROM accounts WHERE retired_at IS NOT NULL",
                )
                .and_then(|mut stmt| {
                    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                        .collect()
                })
                .map_err(|e| sql_err(&self.path, e))?;
            latest
                .into_iter()
                .map(|record| {
                    let key = account_key(&record.account);
                    let retired_at = match retired.remove(&key) {
                        Some(text) => Some(
                            DateTime::parse_from_rfc3339(&text)
                                .map_err(|e| sql_err(&self.path, conversion(1, Box::new(e))))?,
                        ),
                        None => None,
                    };
                    Ok(AccountOverview {
                        unshredded: unshredded.get(&key).copied().unwrap_or(0),
                        unprinted: unprinted.get(&key).copied().unwrap_or(0),
                        retired_at,
                        latest: record,
                    })
                })
                .collect()
        })
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, LedgerError> {
        self.read(|conn| {
            let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE 1 = 1");
            let mut params: Vec<String> = Vec::new();
            if let Some(since) = &filter.since {
                params.push(since.to_rfc3339());
                sql.push_str(&format!(" AND at >= ?{}", params.len()));
            }
            if let Some(accounts) = &filter.accounts {
                let mut marks = Vec::new();
                for account in accounts {
                    params.push(account.clone());
                    marks.push(format!("account_key(?{})", params.len()));
                }
                if marks.is_empty() {
                    return Ok(Vec::new());
                }
                sql.push_str(&format!(" AND account_key IN ({})", marks.join(", ")));
            }
            sql.push_str(" ORDER BY id");
            let fetch = || -> rusqlite::Result<Vec<Event>> {
                conn.prepare(&sql)?
                    .query_map(rusqlite::params_from_iter(&params), event_from_row)?
                    .collect()
            };
            fetch().map_err(|e| sql_err(&self.path, e))
        })
    }

    fn lineage(&self, account: &str) -> Result<Lineage, LedgerError> {
        self.read(|conn| lineage_of(conn, &self.path, account))
    }

    fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError> {
        self.read(|conn| {
            let sql =
                format!("SELECT {COLUMNS} FROM generations WHERE account_key = account_key(?1) ORDER BY generation");
            rules::history_of(account, query_records(conn, &self.path, &sql, [account])?)
        })
    }

    fn find_set(
        &self,
        set_id: &SetId,
    ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError> {
        self.read(|conn| {
            let sql = format!("SELECT {COLUMNS} FROM generations WHERE set_id = ?1");
            let Some(record) = query_records(conn, &self.path, &sql, [set_id.as_str()])?
                .into_iter()
                .next()
            else {
                return Ok(None);
            };
            let current = match record.status {
                Status::Current => None,
                _ => current_of(conn, &self.path, &record.account)?,
            };
            Ok(Some((record, current)))
        })
    }
    fn export(&self) -> Result<History, LedgerError> {
        self.read(|conn| {
            let sql = format!("SELECT {COLUMNS} FROM generations ORDER BY account_key, generation");
            let generations = query_records(conn, &self.path, &sql, [])?;
            let fetch = || -> rusqlite::Result<History> {
                let accounts = conn
                    .prepare("SELECT account_key, retired_at FROM accounts ORDER BY account_key")?
                    .query_map([], |row| {
                        let retired_at = match row.get::<_, Option<String>>(1)? {
                            Some(_) => Some(datetime_at(row, 1)?),
                            None => None,
                        };
                        Ok((row.get(0)?, retired_at))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let events = conn
                    .prepare(&format!(
                        "SELECT {EVENT_COLUMNS}, account_key FROM events ORDER BY id"
                    ))?
                    .query_map([], |row| Ok((row.get(12)?, event_from_row(row)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(History {
                    generations: Vec::new(),
                    accounts,
                    events,
                })
            };
            let mut history = fetch().map_err(|e| sql_err(&self.path, e))?;
            history.generations = generations;
            Ok(history)
        })
    }
}

struct SqliteWriteTxn<'a> {
    tx: rusqlite::Transaction<'a>,
    path: &'a Path,
    /// The writer lock, when the transaction took it itself ([`Ledger::begin_write`]).
    _lock: Option<FileLock>,
}

impl SqliteWriteTxn<'_> {
    /// Inserts `new` as the account's next generation with `status`.
    fn insert(&mut self, new: &NewGeneration, status: Status) -> Result<u32, LedgerError> {
        let taken: bool = self
            .tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM generations WHERE set_id = ?1)",
                [new.set_id.as_str()],
                |row| row.get(0),
            )
            .map_err(|e| write_err(self.path, e))?;
        if taken {
            return Err(LedgerError::DuplicateSetId(new.set_id.clone()));
        }
        let generation: u32 = self
            .tx
            .query_row(
                "SELECT coalesce(max(generation), 0) + 1 FROM generations
                 WHERE account_key = account_key(?1)",
                [&new.account],
                |row| row.get(0),
            )
            .map_err(|e| write_err(self.path, e))?;
        self.tx
            .execute(
                &format!(
                    "INSERT INTO generations ({COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, NULL,
                             ?13, ?14, ?15, ?16, NULL, NULL, account_key(?1))"
                ),
                rusqlite::params![
                    new.account,
                    generation,
                    new.set_id.as_str(),
                    new.issued_at.to_rfc3339(),
                    new.count,
                    new.format,
                    new.source,
                    new.copies,
                    new.location,
                    new.custodian,
                    new.next_inventory.map(|d| d.format("%Y-%m-%d").to_string()),
                    status.as_str(),
                    new.lang,
                    new.paper,
                    new.organisation,
                    new.run,
                ],
            )
            .map_err(|e| write_err(self.path, e))?;
        Ok(generation)
    }

    fn query_placements(&self, set_id: &SetId) -> rusqlite::Result<Vec<Placement>> {
        let mut stmt = self.tx.prepare(
            "SELECT role, host, path, dev, ino, aside FROM placements WHERE set_id = ?1 ORDER BY role",
        )?;
        stmt.query_map([set_id.as_str()], |row| {
            let role: String = row.get(0)?;
            let dev: Option<i64> = row.get(3)?;
            let ino: Option<i64> = row.get(4)?;
            Ok(Placement {
                role: Role::from_name(&role)
                    .ok_or_else(|| conversion(0, format!("unknown role `{role}`").into()))?,
                host: row.get(1)?,
                path: row.get(2)?,
                file: dev.zip(ino).map(|(d, i)| (d as u64, i as u64)),
                aside: row.get(5)?,
            })
        })?
        .collect()
    }

    /// The account's current set, with the errors `mark_used` and `revoke` give.
    fn require_current(&self, account: &str) -> Result<GenerationRecord, LedgerError> {
        if let Some(current) = current_of(&self.tx, self.path, account)? {
            return Ok(current);
        }
        let known: bool = self
            .tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM generations WHERE account_key = account_key(?1))",
                [account],
                |row| row.get(0),
            )
            .map_err(|e| write_err(self.path, e))?;
        Err(rules::no_current(account, known))
    }

    fn find(&self, set_id: &SetId) -> Result<Option<GenerationRecord>, LedgerError> {
        let sql = format!("SELECT {COLUMNS} FROM generations WHERE set_id = ?1");
        Ok(query_records(&self.tx, self.path, &sql, [set_id.as_str()])?
            .into_iter()
            .next())
    }

    fn reload(&self, set_id: &SetId) -> Result<GenerationRecord, LedgerError> {
        let sql = format!("SELECT {COLUMNS} FROM generations WHERE set_id = ?1");
        query_records(&self.tx, self.path, &sql, [set_id.as_str()])?
            .into_iter()
            .next()
            .ok_or_else(|| {
                LedgerError::Sqlite(self.path.to_owned(), rusqlite::Error::QueryReturnedNoRows)
            })
    }
}

impl WriteTxn for SqliteWriteTxn<'_> {
    fn lineage(&mut self, account: &str) -> Result<Lineage, LedgerError> {
        lineage_of(&self.tx, self.path, account)
    }

    fn record_pending(
        &mut self,
        new: &NewGeneration,
        placements: &[Placement],
    ) -> Result<u32, LedgerError> {
        let generation = self.insert(new, Status::Pending)?;
        for p in placements {
            let (dev, ino) = match p.file {
                // Device and inode numbers fit an i64 on every system we run on;
                // stored as their bit pattern either way.
                Some((dev, ino)) => (Some(dev as i64), Some(ino as i64)),
                None => (None, None),
            };
            self.tx
                .execute(
                    "INSERT INTO placements (set_id, role, host, path, dev, ino, aside)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    rusqlite::params![
                        new.set_id.as_str(),
                        p.role.as_str(),
                        p.host,
                        p.path,
                        dev,
                        ino,
                        p.aside
                    ],
                )
                .map_err(|e| write_err(self.path, e))?;
        }
        Ok(generation)
    }

    fn pending(&mut self) -> Result<Vec<Pending>, LedgerError> {
        let sql = format!(
            // Two lookups, sorted here: with `OR`, or an `ORDER BY`, SQLite
            // reads every generation in the ledger instead.
            "SELECT {COLUMNS} FROM generations WHERE status = 'pending'
             UNION ALL
             SELECT {COLUMNS} FROM generations
             WHERE set_id IN (SELECT set_id FROM placements WHERE aside IS NOT NULL)
               AND status <> 'pending'"
        );
        let mut records = query_records(&self.tx, self.path, &sql, [])?;
        records.sort_by(|a, b| (&a.account, a.generation).cmp(&(&b.account, b.generation)));
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let placements = self
                .query_placements(&record.set_id)
                .map_err(|e| sql_err(self.path, e))?;
            out.push(Pending { record, placements });
        }
        Ok(out)
    }

    fn finish(&mut self, set_id: &SetId) -> Result<Option<GenerationRecord>, LedgerError> {
        let (account, issued_at): (String, String) = self
            .tx
            .query_row(
                "SELECT account, issued_at FROM generations WHERE set_id = ?1 AND status = 'pending'",
                [set_id.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(|e| write_err(self.path, e))?;
        let superseded = current_of(&self.tx, self.path, &account)?;
        let write = |sql: &str, params: &[&dyn rusqlite::ToSql]| {
            self.tx
                .execute(sql, params)
                .map_err(|e| write_err(self.path, e))
        };
        // Supersede first: the partial unique index allows one current row
        // per account. A never-printed generation is superseded too, so it
        // names what took its place.
        write(
            "UPDATE generations
             SET status = CASE status WHEN 'current' THEN 'superseded' ELSE status END,
                 status_changed_at = CASE status WHEN 'current' THEN ?2 ELSE status_changed_at END,
                 superseded_by = ?3
             WHERE account_key = account_key(?1) AND status IN ('current', 'unprinted')
               AND (status = 'current' OR superseded_by IS NULL)",
            &[&account, &issued_at, &set_id.as_str()],
        )?;
        write(
            "UPDATE generations SET status = 'current' WHERE set_id = ?1",
            &[&set_id.as_str()],
        )?;
        write(
            "DELETE FROM placements WHERE set_id = ?1 AND aside IS NULL",
            &[&set_id.as_str()],
        )?;
        write(
            "UPDATE accounts SET retired_at = NULL WHERE account_key = account_key(?1)",
            &[&account],
        )?;
        match superseded {
            Some(old) => Ok(Some(self.reload(&old.set_id)?)),
            None => Ok(None),
        }
    }

    fn abandon(&mut self, set_id: &SetId) -> Result<(), LedgerError> {
        for sql in [
            "DELETE FROM placements WHERE set_id = ?1",
            "DELETE FROM generations WHERE set_id = ?1 AND status = 'pending'",
        ] {
            self.tx
                .execute(sql, [set_id.as_str()])
                .map_err(|e| write_err(self.path, e))?;
        }
        Ok(())
    }

    fn mark_unprinted(
        &mut self,
        set_id: &SetId,
        at: DateTime<FixedOffset>,
    ) -> Result<(), LedgerError> {
        self.tx
            .execute(
                "UPDATE generations SET status = 'unprinted', status_changed_at = ?2
                 WHERE set_id = ?1 AND status = 'pending'",
                (set_id.as_str(), at.to_rfc3339()),
            )
            .map_err(|e| write_err(self.path, e))?;
        self.tx
            .execute(
                "DELETE FROM placements WHERE set_id = ?1",
                [set_id.as_str()],
            )
            .map_err(|e| write_err(self.path, e))?;
        Ok(())
    }

    fn forget_aside(&mut self, set_id: &SetId, role: Role) -> Result<(), LedgerError> {
        self.tx
            .execute(
                "DELETE FROM placements WHERE set_id = ?1 AND role = ?2",
                (set_id.as_str(), role.as_str()),
            )
            .map_err(|e| write_err(self.path, e))?;
        Ok(())
    }

    fn mark_used(
        &mut self,
        account: &str,
        number: u32,
        at: DateTime<FixedOffset>,
        by: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError> {
        let current = self.require_current(account)?;
        rules::may_mark_used(&current, number)?;
        self.tx
            .execute(
                "INSERT INTO used_codes (set_id, number, used_at, used_by) VALUES (?1, ?2, ?3, ?4)",
                (current.set_id.as_str(), number, at.to_rfc3339(), by),
            )
            .map_err(|e| write_err(self.path, e))?;
        self.reload(&current.set_id)
    }

    fn record_event(&mut self, event: &NewEvent) -> Result<(), LedgerError> {
        self.tx
            .execute(
                &format!(
                    "INSERT INTO events ({EVENT_COLUMNS}, account_key)
                     VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?10, account_key(?3))"
                ),
                rusqlite::params![
                    event.at.to_rfc3339(),
                    event.kind.as_str(),
                    event.account,
                    event.set_id.as_ref().map(SetId::as_str),
                    event.generation,
                    event.number,
                    event.actor.by,
                    event.actor.os_user,
                    env!("CARGO_PKG_VERSION"),
                    event.detail,
                ],
            )
            .map_err(|e| write_err(self.path, e))?;
        Ok(())
    }

    fn unmark_used(&mut self, account: &str, number: u32) -> Result<GenerationRecord, LedgerError> {
        let current = self.require_current(account)?;
        rules::may_unmark_used(&current, number)?;
        self.tx
            .execute(
                "DELETE FROM used_codes WHERE set_id = ?1 AND number = ?2",
                (current.set_id.as_str(), number),
            )
            .map_err(|e| write_err(self.path, e))?;
        self.reload(&current.set_id)
    }

    fn set_inventory(
        &mut self,
        account: &str,
        next: NaiveDate,
        location: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError> {
        let current = self.require_current(account)?;
        self.tx
            .execute(
                "UPDATE generations SET next_inventory = ?2, location = coalesce(?3, location)
                 WHERE set_id = ?1",
                (
                    current.set_id.as_str(),
                    next.format("%Y-%m-%d").to_string(),
                    location,
                ),
            )
            .map_err(|e| write_err(self.path, e))?;
        self.reload(&current.set_id)
    }

    fn mark_shredded(
        &mut self,
        set_id: &SetId,
        at: DateTime<FixedOffset>,
        by: Option<&str>,
    ) -> Result<GenerationRecord, LedgerError> {
        let record = self
            .find(set_id)?
            .ok_or_else(|| LedgerError::UnknownSet(set_id.clone()))?;
        rules::may_shred(&record)?;
        self.tx
            .execute(
                "UPDATE generations SET shredded_at = ?2, shredded_by = ?3 WHERE set_id = ?1",
                (set_id.as_str(), at.to_rfc3339(), by),
            )
            .map_err(|e| write_err(self.path, e))?;
        self.reload(set_id)
    }

    fn rename_account(&mut self, old: &str, new: &str) -> Result<(), LedgerError> {
        let exists = |account: &str| -> Result<bool, LedgerError> {
            self.tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM generations WHERE account_key = account_key(?1))",
                    [account],
                    |row| row.get(0),
                )
                .map_err(|e| write_err(self.path, e))
        };
        rules::may_rename(old, exists(old)?, new, exists(new)?)?;
        for sql in [
            "UPDATE generations SET account = ?2, account_key = account_key(?2)
             WHERE account_key = account_key(?1)",
            "UPDATE accounts SET account_key = account_key(?2) WHERE account_key = account_key(?1)",
        ] {
            self.tx
                .execute(sql, (old, new))
                .map_err(|e| write_err(self.path, e))?;
        }
        Ok(())
    }

    fn retired_at(&mut self, account: &str) -> Result<Option<DateTime<FixedOffset>>, LedgerError> {
        let retired: Option<String> = self
            .tx
            .query_row(
                "SELECT retired_at FROM accounts
                 WHERE account_key = account_key(?1) AND retired_at IS NOT NULL",
                [account],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| write_err(self.path, e))?;
        retired
            .map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map_err(|e| sql_err(self.path, conversion(0, Box::new(e))))
            })
            .transpose()
    }

    fn store_retired(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<(), LedgerError> {
        self.tx
            .execute(
                "INSERT INTO accounts (account_key, retired_at) VALUES (account_key(?1), ?2)
                 ON CONFLICT (account_key) DO UPDATE SET retired_at = excluded.retired_at",
                (account, at.to_rfc3339()),
            )
            .map_err(|e| write_err(self.path, e))?;
        Ok(())
    }

    fn revoke(
        &mut self,
        account: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<GenerationRecord, LedgerError> {
        let current = self.require_current(account)?;
        self.tx
            .execute(
                "UPDATE generations
                 SET status = 'revoked', status_changed_at = ?2, superseded_by = NULL
                 WHERE set_id = ?1",
                (current.set_id.as_str(), at.to_rfc3339()),
            )
            .map_err(|e| write_err(self.path, e))?;
        self.reload(&current.set_id)
    }

    fn counts(&mut self) -> Result<Counts, LedgerError> {
        self.tx
            .query_row(
                "SELECT (SELECT count(*) FROM generations), (SELECT count(*) FROM used_codes),
                        (SELECT count(*) FROM accounts), (SELECT count(*) FROM events),
                        (SELECT count(*) FROM generations WHERE status = 'pending')",
                [],
                |row| {
                    let n = |i: usize| -> rusqlite::Result<u64> {
                        Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0))
                    };
                    Ok(Counts {
                        generations: n(0)?,
                        used_codes: n(1)?,
                        accounts: n(2)?,
                        events: n(3)?,
                        pending: n(4)?,
                    })
                },
            )
            .map_err(|e| write_err(self.path, e))
    }

    fn import(&mut self, history: &History) -> Result<(), LedgerError> {
        let insert = || -> rusqlite::Result<()> {
            let mut generation = self.tx.prepare(&format!(
                "INSERT INTO generations ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                         ?15, ?16, ?17, ?18, ?19, ?20, account_key(?1))"
            ))?;
            let mut used = self.tx.prepare(
                "INSERT INTO used_codes (set_id, number, used_at, used_by) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for r in &history.generations {
                generation.execute(rusqlite::params![
                    r.account,
                    r.generation,
                    r.set_id.as_str(),
                    r.issued_at.to_rfc3339(),
                    r.count,
                    r.format,
                    r.source,
                    r.copies,
                    r.location,
                    r.custodian,
                    r.next_inventory.map(|d| d.format("%Y-%m-%d").to_string()),
                    r.status.as_str(),
                    r.status_changed_at.map(|at| at.to_rfc3339()),
                    r.superseded_by.as_ref().map(SetId::as_str),
                    r.lang,
                    r.paper,
                    r.organisation,
                    r.run,
                    r.shredded_at.map(|at| at.to_rfc3339()),
                    r.shredded_by,
                ])?;
                for u in &r.used {
                    used.execute(rusqlite::params![
                        r.set_id.as_str(),
                        u.number,
                        u.used_at.to_rfc3339(),
                        u.by
                    ])?;
                }
            }
            let mut account = self
                .tx
                .prepare("INSERT INTO accounts (account_key, retired_at) VALUES (?1, ?2)")?;
            for (key, retired_at) in &history.accounts {
                account.execute((key, retired_at.map(|at| at.to_rfc3339())))?;
            }
            let mut event = self.tx.prepare(&format!(
                "INSERT INTO events ({EVENT_COLUMNS}, account_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))?;
            for (key, e) in &history.events {
                event.execute(rusqlite::params![
                    e.id,
                    e.at.to_rfc3339(),
                    e.kind.as_str(),
                    e.account,
                    e.set_id.as_ref().map(SetId::as_str),
                    e.generation,
                    e.number,
                    e.by,
                    e.os_user,
                    e.db_role,
                    e.tool_version,
                    e.detail,
                    key,
                ])?;
            }
            Ok(())
        };
        insert().map_err(|e| write_err(self.path, e))
    }

    fn commit(self: Box<Self>) -> Result<(), LedgerError> {
        let path = self.path;
        self.tx.commit().map_err(|e| write_err(path, e))
    }
}

fn create_parent(path: &Path) -> Result<(), LedgerError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(parent)
        .map_err(|err| io_err(parent, path, err))
}

/// Creates the file with mode 0600 if it is absent, so SQLite never creates it
/// with the umask's looser mode; an existing file is left exactly as it is.
fn create_file(path: &Path) -> Result<(), LedgerError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Already there, possibly made a moment ago by a concurrent process.
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(io_err(path, path, err)),
    }
}

fn io_err(what: &Path, ledger: &Path, err: io::Error) -> LedgerError {
    match err.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            LedgerError::ReadOnly(ledger.to_owned())
        }
        _ => LedgerError::Io(what.to_owned(), err),
    }
}

/// Whether the file is empty or starts like a SQLite database.
fn has_sqlite_header(path: &Path) -> Result<bool, LedgerError> {
    let file = fs::File::open(path).map_err(|err| LedgerError::Io(path.to_owned(), err))?;
    let mut head = Vec::with_capacity(SQLITE_MAGIC.len());
    file.take(SQLITE_MAGIC.len() as u64)
        .read_to_end(&mut head)
        .map_err(|err| LedgerError::Io(path.to_owned(), err))?;
    Ok(head.is_empty() || head == SQLITE_MAGIC)
}

fn connect(path: &Path, flags: OpenFlags) -> Result<Connection, LedgerError> {
    // No SQLITE_OPEN_CREATE (we made the file) and no URI parsing of the path.
    let mut conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sql_err(path, e))?;
    wait_while_busy(&mut conn, path, never)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(|e| sql_err(path, e))?;
    // One definition of an account's identity, for SQL too (see labels.rs).
    conn.create_scalar_function(
        "account_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(account_key(&ctx.get::<String>(0)?)),
    )
    .map_err(|e| sql_err(path, e))?;
    Ok(conn)
}

fn never() -> bool {
    false
}

/// SQLite's own lock: writers are kept apart by the writer lock, but a
/// writer's commit still waits for readers to finish, and a reader for a
/// commit. Waits up to the busy timeout, or until `stop` says to give up
/// (nothing is recorded yet then, so nothing is lost).
fn wait_while_busy(
    conn: &mut Connection,
    path: &Path,
    stop: fn() -> bool,
) -> Result<(), LedgerError> {
    let mut waited = Duration::ZERO;
    conn.busy_handler(Some(move |count: i32| {
        if count == 0 {
            waited = Duration::ZERO;
        }
        if stop() || waited >= BUSY_TIMEOUT {
            return false;
        }
        let step = BUSY_STEPS_MS
            .get(usize::try_from(count).unwrap_or(usize::MAX))
            .copied()
            .unwrap_or(50);
        let step = Duration::from_millis(step);
        std::thread::sleep(step);
        waited += step;
        true
    }))
    .map_err(|e| sql_err(path, e))
}

/// Reads what the file holds without writing anything. One statement, so the
/// three values come from one snapshot even while another process migrates.
fn inspect(conn: &Connection) -> rusqlite::Result<Contents> {
    let (application_id, user_version, objects): (i64, i64, i64) = conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id),
                (SELECT user_version FROM pragma_user_version),
                (SELECT count(*) FROM sqlite_schema)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let ours = application_id == i64::from(APPLICATION_ID);
    Ok(
        match (application_id, u32::try_from(user_version), objects) {
            (0, Ok(0), 0) => Contents::Fresh,
            (_, Ok(version), _) if ours && version >= 1 => Contents::Ours(version),
            _ => Contents::Foreign,
        },
    )
}

/// The refusals a writer gives for what `inspect` found.
fn check_contents(path: &Path, contents: Contents) -> Result<(), LedgerError> {
    match contents {
        Contents::Foreign => Err(LedgerError::NotALedger(path.to_owned())),
        Contents::Ours(found) if found > SCHEMA_VERSION => Err(LedgerError::TooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        }),
        Contents::Fresh | Contents::Ours(_) => Ok(()),
    }
}

pub(super) enum Migration {
    /// Looked again under the write lock and found something not to touch.
    Refused(Contents),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for Migration {
    fn from(e: rusqlite::Error) -> Self {
        Migration::Sqlite(e)
    }
}

/// Keeps a copy of a ledger at schema `found` beside it before it is
/// upgraded ([`backup_path`]), so the upgrade can be undone by hand. A copy
/// already there (a concurrent process made it, or an earlier attempt) is kept.
fn keep_a_copy(conn: &Connection, path: &Path, found: u32) -> Result<(), LedgerError> {
    let backup = backup_path(path, found);
    if backup.exists() {
        return Ok(());
    }
    // A byte-for-byte copy under the write lock: no other writer can be
    // half-way, so the file is whole (and in rollback-journal mode the file
    // alone is the ledger). Private like the ledger.
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| write_err(path, e))?;
    let copied = copy_private(path, &backup);
    let _ = conn.execute_batch("ROLLBACK");
    // A folder this user may not write: the ledger is read-only to them
    // (and a reader may still read it as it is, see `open_read_only`).
    copied.map_err(|e| io_err(&backup, path, e))
}

/// Copies `from` to a new file `to` with mode 0600, synced.
fn copy_private(from: &Path, to: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(to)?;
    io::copy(&mut fs::File::open(from)?, &mut out)?;
    out.sync_all()
}

/// Applies the steps `migrations[found..]` in one immediate transaction. The
/// contents are looked at again under the lock: a concurrent process may have
/// migrated first, or the file may have changed since `inspect`.
///
/// Foreign keys are off while a step rebuilds a table (as SQLite's own
/// procedure for schema changes asks) and checked before the commit.
pub(super) fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), Migration> {
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = migrate_steps(conn, migrations);
    conn.pragma_update(None, "foreign_keys", true)?;
    result
}

fn migrate_steps(conn: &mut Connection, migrations: &[&str]) -> Result<(), Migration> {
    let target = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = match inspect(&tx)? {
        Contents::Fresh => 0,
        Contents::Ours(version) if version <= target => version,
        refused => return Err(Migration::Refused(refused)),
    };
    for step in migrations.iter().skip(found as usize) {
        tx.execute_batch(step)?;
    }
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
        row.get(0)
    })?;
    if broken > 0 {
        return Err(Migration::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
            Some(format!("{broken} broken references after the upgrade")),
        )));
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}

fn sql_err(path: &Path, e: rusqlite::Error) -> LedgerError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => LedgerError::NotALedger(path.to_owned()),
        Some(ErrorCode::DatabaseCorrupt) => LedgerError::Damaged(path.to_owned()),
        Some(ErrorCode::ReadOnly) => LedgerError::ReadOnly(path.to_owned()),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            LedgerError::Busy(path.to_owned())
        }
        _ => LedgerError::Sqlite(path.to_owned(), e),
    }
}

/// As `sql_err`, for statements that write: there SQLite reports a journal it
/// cannot create in a read-only folder as CANTOPEN.
pub(super) fn write_err(path: &Path, e: rusqlite::Error) -> LedgerError {
    match e.sqlite_error_code() {
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            LedgerError::ReadOnly(path.to_owned())
        }
        _ => sql_err(path, e),
    }
}

/// An account's lineage in four indexed queries, whatever its history: the
/// current and pending generations, the newest earlier printed one, the
/// count of the older ones, and the next generation number.
fn lineage_of(conn: &Connection, path: &Path, account: &str) -> Result<Lineage, LedgerError> {
    // The current and the pending generation by one index lookup each, and
    // the newest printed one from the end of `generations_by_key`.
    let rows = format!(
        "SELECT {COLUMNS} FROM generations
         WHERE account_key = account_key(?1) AND status = 'current'
         UNION ALL
         SELECT {COLUMNS} FROM generations
         WHERE account_key = account_key(?1) AND status = 'pending'
         UNION ALL
         SELECT * FROM (SELECT {COLUMNS} FROM generations
             WHERE account_key = account_key(?1) AND status IN ('superseded', 'revoked')
             ORDER BY generation DESC LIMIT 1)"
    );
    let records = query_records(conn, path, &rows, [account])?;
    // The count from `generations_by_status` alone, the newest from the end
    // of `generations_by_key`: neither reads a generation's row.
    let (printed, newest): (u32, u32) = conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM generations
                     WHERE account_key = account_key(?1) AND status IN ('superseded', 'revoked')),
                    (SELECT coalesce(max(generation), 0) FROM generations
                     WHERE account_key = account_key(?1))",
        )
        .and_then(|mut stmt| stmt.query_row([account], |row| Ok((row.get(0)?, row.get(1)?))))
        .map_err(|e| sql_err(path, e))?;
    Ok(Lineage::from_rows(records, printed as usize, newest))
}

fn current_of(
    conn: &Connection,
    path: &Path,
    account: &str,
) -> Result<Option<GenerationRecord>, LedgerError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM generations WHERE account_key = account_key(?1) AND status = 'current'"
    );
    Ok(query_records(conn, path, &sql, [account])?
        .into_iter()
        .next())
}

/// Runs a `SELECT {COLUMNS} ...` and fills in each record's used codes.
fn query_records<P: rusqlite::Params>(
    conn: &Connection,
    path: &Path,
    sql: &str,
    params: P,
) -> Result<Vec<GenerationRecord>, LedgerError> {
    let fetch = || -> rusqlite::Result<Vec<GenerationRecord>> {
        // Cached: a sheet reads its account's lineage three times.
        let mut stmt = conn.prepare_cached(sql)?;
        let mut records = stmt
            .query_map(params, record_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut used = conn.prepare_cached(
            "SELECT number, used_at, used_by FROM used_codes WHERE set_id = ?1 ORDER BY number",
        )?;
        for record in &mut records {
            record.used = used
                .query_map([record.set_id.as_str()], |row| {
                    Ok(UsedCode {
                        number: row.get(0)?,
                        used_at: datetime_at(row, 1)?,
                        by: row.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
        }
        Ok(records)
    };
    fetch().map_err(|e| sql_err(path, e))
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<GenerationRecord> {
    let status: String = row.get(11)?;
    Ok(GenerationRecord {
        account: row.get(0)?,
        generation: row.get(1)?,
        set_id: set_id_at(row, 2)?,
        issued_at: datetime_at(row, 3)?,
        count: row.get(4)?,
        format: row.get(5)?,
        source: row.get(6)?,
        copies: row.get(7)?,
        location: row.get(8)?,
        custodian: row.get(9)?,
        next_inventory: match row.get::<_, Option<String>>(10)? {
            Some(text) => Some(
                NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .map_err(|e| conversion(10, Box::new(e)))?,
            ),
            None => None,
        },
        status: Status::from_name(&status)
            .ok_or_else(|| conversion(11, format!("unknown status `{status}`").into()))?,
        status_changed_at: match row.get::<_, Option<String>>(12)? {
            Some(_) => Some(datetime_at(row, 12)?),
            None => None,
        },
        superseded_by: match row.get::<_, Option<String>>(13)? {
            Some(_) => Some(set_id_at(row, 13)?),
            None => None,
        },
        lang: row.get(14)?,
        paper: row.get(15)?,
        organisation: row.get(16)?,
        run: row.get(17)?,
        shredded_at: match row.get::<_, Option<String>>(18)? {
            Some(_) => Some(datetime_at(row, 18)?),
            None => None,
        },
        shredded_by: row.get(19)?,
        used: Vec::new(),
    })
}

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let kind: String = row.get(2)?;
    Ok(Event {
        id: row.get(0)?,
        at: datetime_at(row, 1)?,
        kind: EventKind::from_name(&kind)
            .ok_or_else(|| conversion(2, format!("unknown event `{kind}`").into()))?,
        account: row.get(3)?,
        set_id: match row.get::<_, Option<String>>(4)? {
            Some(_) => Some(set_id_at(row, 4)?),
            None => None,
        },
        generation: row.get(5)?,
        number: row.get(6)?,
        by: row.get(7)?,
        os_user: row.get(8)?,
        db_role: row.get(9)?,
        tool_version: row.get(10)?,
        detail: row.get(11)?,
    })
}

fn datetime_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<FixedOffset>> {
    let text: String = row.get(idx)?;
    DateTime::parse_from_rfc3339(&text).map_err(|e| conversion(idx, Box::new(e)))
}

fn set_id_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<SetId> {
    let text: String = row.get(idx)?;
    SetId::parse(&text).map_err(|e| conversion(idx, Box::new(e)))
}

fn conversion(idx: usize, e: Box<dyn std::error::Error + Send + Sync>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, e)
}
