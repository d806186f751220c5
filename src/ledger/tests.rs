//! Edge cases of the ledger, observed the way a user would: records read back and files on disk.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Barrier;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{Connection, OpenFlags};
use tempfile::TempDir;

use super::sqlite::{APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate};
use super::testdb::{self, TestDatabase};
use super::*;

/// Where a behaviour test's ledger is: a file in a temporary folder, or a
/// fresh database on the test PostgreSQL server. One body of test code runs
/// on both (see [`on_both_backends`]).
pub(crate) struct Place {
    location: String,
    _dir: Option<TempDir>,
    _db: Option<TestDatabase>,
}

impl Place {
    fn sqlite() -> Place {
        let dir = TempDir::new().unwrap();
        Place {
            location: ledger_path(&dir).display().to_string(),
            _dir: Some(dir),
            _db: None,
        }
    }

    /// `None` (skipped, with the reason printed) without a test server; in CI that fails.
    fn postgres() -> Option<Place> {
        let db = TestDatabase::create(&testdb::server()?);
        Some(Place {
            location: db.url.clone(),
            _dir: None,
            _db: Some(db),
        })
    }

    /// The path or URL, as `--ledger` takes it.
    fn location(&self) -> &str {
        &self.location
    }

    /// The ledger, created if needed (another connection each time).
    fn open(&self) -> Box<dyn Ledger> {
        open_at(std::ffi::OsStr::new(&self.location))
    }
}

fn never() -> bool {
    false
}

fn open_at(location: &std::ffi::OsStr) -> Box<dyn Ledger> {
    Location::parse(location)
        .open_or_create(never)
        .unwrap_or_else(|e| panic!("open {}: {e}", Location::parse(location)))
        .ledger
}

/// One `#[test]` per backend for each behaviour: `NAME::sqlite` and
/// `NAME::postgres` run the same function `NAME(&Place)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&super::Place::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(place) = super::Place::postgres() {
                    super::$name(&place);
                }
            }
        }
    )*};
}

on_both_backends!(
    second_generation_supersedes_the_first,
    lineage_lists_current_and_earlier_newest_first,
    mark_used_checks_range_and_repeats,
    revoke_ends_the_current_set,
    find_set_reports_what_replaced_it,
    accounts_and_history,
    dropping_a_write_rolls_it_back,
    a_set_id_is_recorded_once,
    concurrent_writers_each_get_their_own_generation,
    records_serialise_as_the_cli_prints_them,
    concurrent_writer_processes_each_get_their_own_generation,
);

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn id(text: &str) -> SetId {
    SetId::parse(text).unwrap()
}

fn new_gen(account: &str, set_id: &str, issued_at: &str) -> NewGeneration {
    NewGeneration {
        account: account.to_owned(),
        set_id: id(set_id),
        issued_at: at(issued_at),
        count: 10,
        format: "XXXX-XXXX-XXXX-XXXX".to_owned(),
        source: "generated".to_owned(),
        copies: 2,
        location: Some("safe, top shelf".to_owned()),
        custodian: None,
        next_inventory: NaiveDate::from_ymd_opt(2026, 1, 1),
        lang: Some("en".to_owned()),
        paper: Some("a4".to_owned()),
        organisation: None,
        run: None,
    }
}

fn ledger_path(dir: &TempDir) -> PathBuf {
    dir.path()
        .join("data")
        .join("recovery-sheet")
        .join("ledger.db")
}

fn record(ledger: &mut dyn Ledger, new: &NewGeneration) -> u32 {
    let mut tx = ledger.begin_write().unwrap();
    let generation = tx.record_generation(new).unwrap();
    tx.commit().unwrap();
    generation
}

/// A SQLite ledger at `path` holding one generation (`github`, AAAA-0001).
fn ledger_with_one_generation(path: &Path) {
    let mut ledger = SqliteLedger::open(path).unwrap();
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"),
    );
}

/// Names of the files in a folder, to show a refusal left nothing behind.
fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Runs `attempt` and checks it left the file's bytes and its folder's listing as they were.
fn unchanged_after<T>(path: &Path, attempt: impl FnOnce() -> T) -> T {
    let before = fs::read(path).unwrap();
    let folder = path.parent().unwrap();
    let files_before = listing(folder);
    let out = attempt();
    assert_eq!(fs::read(path).unwrap(), before, "file bytes changed");
    assert_eq!(listing(folder), files_before, "files appeared or vanished");
    out
}

fn pragma(path: &Path, name: &str) -> i64 {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.pragma_query_value(None, name, |r| r.get(0)).unwrap()
}

#[test]
fn open_creates_private_folder_and_file_with_schema() {
    let dir = TempDir::new().unwrap();
    let path = ledger_path(&dir);
    SqliteLedger::open(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(path.parent().unwrap().parent().unwrap()), 0o700);
    }
    assert_eq!(pragma(&path, "user_version"), i64::from(SCHEMA_VERSION));
    assert_eq!(pragma(&path, "application_id"), i64::from(APPLICATION_ID));
    // Opening again changes nothing.
    unchanged_after(&path, || SqliteLedger::open(&path).unwrap());
}

#[test]
fn an_existing_folder_keeps_its_mode() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ledger.db");
    #[cfg(unix)]
    let before = {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(dir.path()).unwrap().permissions().mode()
    };
    SqliteLedger::open(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(dir.path()).unwrap().permissions().mode(),
            before
        );
    }
}

fn second_generation_supersedes_the_first(place: &Place) {
    let mut ledger = place.open();
    let first = new_gen("github", "7K2Q-M9XA", "2025-01-02T10:00:00+01:00");
    assert_eq!(record(&mut ledger, &first), 1);
    let second = new_gen("github", "AB12-CD34", "2025-06-01T09:30:00-04:00");
    assert_eq!(record(&mut ledger, &second), 2);

    let history = ledger.history("github").unwrap();
    assert_eq!(history.len(), 2);
    let (old, new) = (&history[0], &history[1]);
    assert_eq!(old.generation, 1);
    assert_eq!(old.status, Status::Superseded);
    assert_eq!(old.superseded_by, Some(id("AB12CD34")));
    assert_eq!(old.status_changed_at, Some(second.issued_at));
    assert_eq!(new.generation, 2);
    assert_eq!(new.status, Status::Current);
    assert_eq!(new.superseded_by, None);
    assert_eq!(new.status_changed_at, None);
    // Everything given comes back as given, offset included.
    assert_eq!(new.issued_at.to_rfc3339(), "2025-06-01T09:30:00-04:00");
    assert_eq!(new.account, "github");
    assert_eq!(new.count, 10);
    assert_eq!(new.format, "XXXX-XXXX-XXXX-XXXX");
    assert_eq!(new.source, "generated");
    assert_eq!(new.copies, 2);
    assert_eq!(new.location.as_deref(), Some("safe, top shelf"));
    assert_eq!(new.custodian, None);
    assert_eq!(new.next_inventory, NaiveDate::from_ymd_opt(2026, 1, 1));
    assert_eq!(new.remaining(), 10);
}

fn lineage_lists_current_and_earlier_newest_first(place: &Place) {
    let mut ledger = place.open();
    {
        let mut tx = ledger.begin_write().unwrap();
        let lineage = tx.lineage("github").unwrap();
        assert_eq!(lineage.current, None);
        assert!(lineage.latest_earlier.is_none());
        assert_eq!(lineage.older, 0);
        assert_eq!(lineage.next_generation, 1);
    }
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0002", "2025-02-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0003", "2025-03-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("other", "BBBB-0001", "2025-03-01T00:00:00Z"),
    );

    let mut tx = ledger.begin_write().unwrap();
    let lineage = tx.lineage("github").unwrap();
    assert_eq!(lineage.current.as_ref().unwrap().set_id, id("AAAA0003"));
    assert_eq!(
        lineage.latest_earlier.as_ref().map(|r| r.generation),
        Some(2)
    );
    assert_eq!(lineage.older, 1);
    assert_eq!(lineage.next_generation, 4);

    tx.revoke("github", at("2025-04-01T00:00:00Z")).unwrap();
    let lineage = tx.lineage("github").unwrap();
    assert_eq!(lineage.current, None);
    assert_eq!(
        lineage
            .latest_earlier
            .as_ref()
            .map(|r| (r.generation, r.status)),
        Some((3, Status::Revoked))
    );
    assert_eq!(lineage.older, 2);
    assert_eq!(lineage.next_generation, 4);
    // A set recorded after a revocation starts the next generation, superseding nothing.
    assert_eq!(
        tx.record_generation(&new_gen("github", "AAAA-0004", "2025-05-01T00:00:00Z"))
            .unwrap(),
        4
    );
    tx.commit().unwrap();
    let history = ledger.history("github").unwrap();
    assert_eq!(history[2].status, Status::Revoked);
    assert_eq!(history[2].superseded_by, None);
    assert_eq!(history[3].status, Status::Current);
}

fn mark_used_checks_range_and_repeats(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("github", "7K2Q-M9XA", "2025-01-02T10:00:00Z"),
    );
    let mut tx = ledger.begin_write().unwrap();

    for number in [0, 11] {
        match tx.mark_used("github", number, at("2025-02-01T00:00:00Z"), None) {
            Err(LedgerError::NumberOutOfRange { number: n, count }) => {
                assert_eq!((n, count), (number, 10));
            }
            other => panic!("expected NumberOutOfRange, got {other:?}"),
        }
    }
    let record = tx
        .mark_used("github", 7, at("2025-02-01T12:00:00+01:00"), Some("alice"))
        .unwrap();
    tx.mark_used("github", 3, at("2025-02-02T12:00:00Z"), None)
        .unwrap();
    assert_eq!(record.remaining(), 9);
    let again = tx.mark_used("github", 7, at("2025-03-01T00:00:00Z"), None);
    match again {
        Err(LedgerError::AlreadyUsed {
            number,
            used_at,
            by,
        }) => {
            assert_eq!(number, 7);
            assert_eq!(used_at, at("2025-02-01T12:00:00+01:00"));
            assert_eq!(by.as_deref(), Some("alice"));
        }
        other => panic!("expected AlreadyUsed, got {other:?}"),
    }
    assert!(matches!(
        tx.mark_used("gitlab", 1, at("2025-03-01T00:00:00Z"), None),
        Err(LedgerError::UnknownAccount(a)) if a == "gitlab"
    ));
    tx.commit().unwrap();

    let current = ledger.history("github").unwrap().remove(0);
    assert_eq!(current.remaining(), 8);
    let numbers: Vec<u32> = current.used.iter().map(|u| u.number).collect();
    assert_eq!(numbers, [3, 7], "used codes come back sorted by number");
    assert_eq!(current.used[1].by.as_deref(), Some("alice"));
}

fn revoke_ends_the_current_set(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("github", "7K2Q-M9XA", "2025-01-02T10:00:00Z"),
    );
    let mut tx = ledger.begin_write().unwrap();
    let revoked = tx.revoke("github", at("2025-03-03T08:00:00Z")).unwrap();
    assert_eq!(revoked.status, Status::Revoked);
    assert_eq!(revoked.status_changed_at, Some(at("2025-03-03T08:00:00Z")));
    assert_eq!(revoked.superseded_by, None);
    assert!(matches!(
        tx.revoke("github", at("2025-03-04T00:00:00Z")),
        Err(LedgerError::NoCurrentSet(a)) if a == "github"
    ));
    assert!(matches!(
        tx.mark_used("github", 1, at("2025-03-04T00:00:00Z"), None),
        Err(LedgerError::NoCurrentSet(_))
    ));
    assert!(matches!(
        tx.revoke("nobody", at("2025-03-04T00:00:00Z")),
        Err(LedgerError::UnknownAccount(_))
    ));
    tx.commit().unwrap();
    assert_eq!(ledger.history("github").unwrap()[0].status, Status::Revoked);
}

fn find_set_reports_what_replaced_it(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0002", "2025-02-01T00:00:00Z"),
    );

    let (found, current) = ledger.find_set(&id("aaaa-0002")).unwrap().unwrap();
    assert_eq!((found.generation, found.status), (2, Status::Current));
    assert_eq!(current, None);

    let (found, current) = ledger.find_set(&id("AAAA0001")).unwrap().unwrap();
    assert_eq!((found.generation, found.status), (1, Status::Superseded));
    let current = current.unwrap();
    assert_eq!((current.generation, current.set_id), (2, id("AAAA0002")));

    assert_eq!(ledger.find_set(&id("ZZZZ-ZZZZ")).unwrap(), None);

    let mut tx = ledger.begin_write().unwrap();
    tx.revoke("github", at("2025-03-01T00:00:00Z")).unwrap();
    tx.commit().unwrap();
    let (found, current) = ledger.find_set(&id("AAAA0001")).unwrap().unwrap();
    assert_eq!(found.generation, 1);
    assert_eq!(current, None, "nothing is current after a revocation");
}

fn accounts_and_history(place: &Place) {
    let mut ledger = place.open();
    assert!(ledger.overview().unwrap().is_empty());
    record(
        &mut ledger,
        &new_gen("zulip", "ZZZZ-0001", "2025-01-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0002", "2025-02-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("mail", "MMMM-0001", "2025-01-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("mail", "MMMM-0002", "2025-02-01T00:00:00Z"),
    );
    let mut tx = ledger.begin_write().unwrap();
    tx.revoke("mail", at("2025-03-01T00:00:00Z")).unwrap();
    tx.commit().unwrap();

    let summary: Vec<(String, u32, Status)> = ledger
        .overview()
        .unwrap()
        .into_iter()
        .map(|a| (a.latest.account, a.latest.generation, a.latest.status))
        .collect();
    assert_eq!(
        summary,
        [
            ("github".to_owned(), 2, Status::Current),
            ("mail".to_owned(), 2, Status::Revoked),
            ("zulip".to_owned(), 1, Status::Current),
        ]
    );
    let generations: Vec<u32> = ledger
        .history("github")
        .unwrap()
        .iter()
        .map(|r| r.generation)
        .collect();
    assert_eq!(generations, [1, 2]);
    assert!(matches!(
        ledger.history("gitlab"),
        Err(LedgerError::UnknownAccount(a)) if a == "gitlab"
    ));
}

fn dropping_a_write_rolls_it_back(place: &Place) {
    let mut ledger = place.open();
    {
        let mut tx = ledger.begin_write().unwrap();
        tx.record_generation(&new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"))
            .unwrap();
    }
    assert!(ledger.overview().unwrap().is_empty());
    assert!(matches!(
        ledger.history("github"),
        Err(LedgerError::UnknownAccount(_))
    ));
    // The lock was released: another connection can write.
    let mut other = place.open();
    assert_eq!(
        record(
            &mut other,
            &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z")
        ),
        1
    );
}

fn a_set_id_is_recorded_once(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"),
    );
    let mut tx = ledger.begin_write().unwrap();
    let err = tx
        .record_generation(&new_gen("mail", "AAAA-0001", "2025-02-01T00:00:00Z"))
        .unwrap_err();
    assert!(matches!(err, LedgerError::DuplicateSetId(s) if s == id("AAAA0001")));
    drop(tx);
    assert_eq!(ledger.overview().unwrap().len(), 1);
}

#[test]
fn refuses_a_folder() {
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("ledger.db");
    fs::create_dir(&folder).unwrap();
    assert!(matches!(
        SqliteLedger::open(&folder),
        Err(LedgerError::IsFolder(p)) if p == folder
    ));
    assert!(matches!(
        SqliteLedger::open_read_only(&folder),
        Err(LedgerError::IsFolder(_))
    ));
    assert!(listing(&folder).is_empty());
}

#[test]
fn refuses_a_text_file_without_touching_it() {
    let dir = TempDir::new().unwrap();
    for contents in [
        &b"my backup codes are in the safe\n"[..],
        b"x",
        b"SQLite format 2\0",
    ] {
        let path = dir.path().join("notes.txt");
        fs::write(&path, contents).unwrap();
        unchanged_after(&path, || {
            assert!(matches!(
                SqliteLedger::open(&path),
                Err(LedgerError::NotALedger(p)) if p == path
            ));
            assert!(matches!(
                SqliteLedger::open_read_only(&path),
                Err(LedgerError::NotALedger(_))
            ));
        });
    }
}

#[test]
fn refuses_someone_elses_database_without_touching_it() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    unchanged_after(&path, || {
        assert!(matches!(
            SqliteLedger::open(&path),
            Err(LedgerError::NotALedger(_))
        ));
        assert!(matches!(
            SqliteLedger::open_read_only(&path),
            Err(LedgerError::NotALedger(_))
        ));
    });

    // A database that merely has a user_version, but not our application id.
    let path = dir.path().join("versioned.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    unchanged_after(&path, || {
        assert!(matches!(
            SqliteLedger::open(&path),
            Err(LedgerError::NotALedger(_))
        ));
    });
}

#[test]
fn refuses_a_newer_schema_without_touching_it() {
    let dir = TempDir::new().unwrap();
    let path = ledger_path(&dir);
    ledger_with_one_generation(&path);
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    unchanged_after(&path, || {
        for result in [
            SqliteLedger::open(&path),
            SqliteLedger::open_read_only(&path),
        ] {
            match result {
                Err(LedgerError::TooNew {
                    found, supported, ..
                }) => assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION)),
                Err(other) => panic!("expected TooNew, got {other}"),
                Ok(_) => panic!("expected TooNew, got a ledger"),
            }
        }
    });
}

#[test]
fn refuses_to_write_a_read_only_ledger_without_touching_it() {
    let dir = TempDir::new().unwrap();
    let path = ledger_path(&dir);
    ledger_with_one_generation(&path);
    // Tests may run as root, whom permission bits do not stop: simulate a
    // read-only file with SQLite's read-only open instead.
    unchanged_after(&path, || {
        assert!(matches!(
            SqliteLedger::open_for_write(&path, OpenFlags::SQLITE_OPEN_READ_ONLY),
            Err(LedgerError::ReadOnly(p)) if p == path
        ));
        // A write attempted on a connection that cannot write says so too.
        let mut ledger = SqliteLedger::open_read_only(&path).unwrap();
        let attempt = ledger.begin_write().and_then(|mut tx| {
            tx.record_generation(&new_gen("github", "AAAA-0002", "2025-02-01T00:00:00Z"))?;
            tx.commit()
        });
        assert!(
            matches!(attempt, Err(LedgerError::ReadOnly(_))),
            "{attempt:?}"
        );
    });

    let empty = dir.path().join("empty.db");
    fs::write(&empty, b"").unwrap();
    unchanged_after(&empty, || {
        assert!(matches!(
            SqliteLedger::open_for_write(&empty, OpenFlags::SQLITE_OPEN_READ_ONLY),
            Err(LedgerError::ReadOnly(_))
        ));
    });
}

/// With real permission bits; only meaningful when not running as root.
#[cfg(unix)]
#[test]
fn refuses_read_only_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ledger.db");
    SqliteLedger::open(&path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    if fs::OpenOptions::new().append(true).open(&path).is_ok() {
        eprintln!("skipped: permission bits do not stop this user (root?)");
        return;
    }
    unchanged_after(&path, || {
        assert!(matches!(
            SqliteLedger::open(&path),
            Err(LedgerError::ReadOnly(_))
        ));
    });
    let folder = dir.path().join("locked");
    fs::create_dir(&folder).unwrap();
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o500)).unwrap();
    assert!(matches!(
        SqliteLedger::open(&folder.join("ledger.db")),
        Err(LedgerError::ReadOnly(_))
    ));
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).unwrap();

    // A writable file in a read-only folder: SQLite cannot create its journal.
    let path = folder.join("ledger.db");
    SqliteLedger::open(&path).unwrap();
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o500)).unwrap();
    let mut ledger = SqliteLedger::open(&path).unwrap();
    unchanged_after(&path, || {
        let attempt = ledger.begin_write().and_then(|mut tx| {
            tx.record_generation(&new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"))?;
            tx.commit()
        });
        assert!(
            matches!(attempt, Err(LedgerError::ReadOnly(_))),
            "{attempt:?}"
        );
    });
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn read_only_open_creates_nothing() {
    let dir = TempDir::new().unwrap();
    let path = ledger_path(&dir);
    assert!(matches!(
        SqliteLedger::open_read_only(&path),
        Err(LedgerError::Missing(p)) if p == path
    ));
    assert!(listing(dir.path()).is_empty(), "no folder was created");

    let empty = dir.path().join("empty.db");
    fs::write(&empty, b"").unwrap();
    unchanged_after(&empty, || {
        assert!(matches!(
            SqliteLedger::open_read_only(&empty),
            Err(LedgerError::Missing(_))
        ));
    });

    ledger_with_one_generation(&path);
    unchanged_after(&path, || {
        let ledger = SqliteLedger::open_read_only(&path).unwrap();
        assert_eq!(ledger.overview().unwrap().len(), 1);
        assert_eq!(ledger.history("github").unwrap().len(), 1);
        assert!(ledger.find_set(&id("AAAA0001")).unwrap().is_some());
    });
}

#[test]
fn an_empty_file_is_initialised() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ledger.db");
    fs::write(&path, b"").unwrap();
    let mut ledger = SqliteLedger::open(&path).unwrap();
    assert_eq!(pragma(&path, "user_version"), i64::from(SCHEMA_VERSION));
    assert_eq!(
        record(
            &mut ledger,
            &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z")
        ),
        1
    );
}

#[test]
fn a_later_migration_step_applies_once_and_keeps_the_data() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ledger.db");
    ledger_with_one_generation(&path);
    // What a future build does: one more entry in the list of steps.
    let mut future: Vec<&str> = MIGRATIONS.to_vec();
    future.push("ALTER TABLE generations ADD COLUMN note TEXT;");
    let mut conn = Connection::open(&path).unwrap();
    assert!(migrate(&mut conn, &future).is_ok());
    assert!(
        migrate(&mut conn, &future).is_ok(),
        "a second run is a no-op"
    );
    drop(conn);
    assert_eq!(pragma(&path, "user_version"), i64::from(SCHEMA_VERSION + 1));

    // This build then refuses it, and the data written before is still there.
    assert!(matches!(
        SqliteLedger::open(&path),
        Err(LedgerError::TooNew {
            found,
            supported: SCHEMA_VERSION,
            ..
        }) if found == SCHEMA_VERSION + 1
    ));
    let conn = Connection::open(&path).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM generations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
}

#[test]
fn a_reader_refuses_a_schema_it_cannot_read_as_it_is() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ledger.db");
    ledger_with_one_generation(&path);
    // Schema 2 had no events and no account keys: only a writer may upgrade it.
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 2)
        .unwrap();
    unchanged_after(&path, || {
        assert!(matches!(
            SqliteLedger::open_read_only(&path),
            Err(LedgerError::Outdated {
                found: 2,
                supported: SCHEMA_VERSION,
                ..
            })
        ));
    });
}

#[test]
fn a_schema_3_ledger_gets_the_status_index_with_a_copy_kept() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ledger.db");
    ledger_with_one_generation(&path);
    // What a schema 3 build left: the same tables without the index.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("DROP INDEX generations_by_status; PRAGMA user_version = 3;")
        .unwrap();
    drop(conn);
    let at_3 = fs::read(&path).unwrap();
    // A reader (a file it may not write) reads it as it is.
    unchanged_after(&path, || {
        let ledger = SqliteLedger::open_read_only(&path).unwrap();
        assert_eq!(ledger.history("github").unwrap().len(), 1);
        assert_eq!(ledger.lineage("github").unwrap().next_generation, 2);
    });
    let index = |path: &Path| -> i64 {
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'generations_by_status'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    let mut ledger = SqliteLedger::open(&path).unwrap();
    assert_eq!(pragma(&path, "user_version"), 4);
    assert_eq!(index(&path), 1);
    let mut copy = path.clone().into_os_string();
    copy.push(".schema3.bak");
    assert_eq!(
        fs::read(&copy).unwrap(),
        at_3,
        "the copy is the schema 3 file"
    );
    assert_eq!(index(Path::new(&copy)), 0);
    assert_eq!(ledger.history("github").unwrap().len(), 1);
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0002", "2025-02-01T00:00:00Z"),
    );
    let lineage = ledger.lineage("github").unwrap();
    assert_eq!(lineage.next_generation, 3);
}

fn concurrent_writers_each_get_their_own_generation(place: &Place) {
    const WRITERS: u32 = 16;
    let barrier = Barrier::new(WRITERS as usize);
    let mut given: Vec<u32> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    // Every writer also races to create the file (or the schema).
                    let mut ledger = place.open();
                    let mut tx = ledger.begin_write().unwrap();
                    let lineage = tx.lineage("github").unwrap();
                    let new = new_gen("github", &format!("TEST{i:04}"), "2025-01-01T00:00:00Z");
                    let generation = tx.record_generation(&new).unwrap();
                    assert_eq!(generation, lineage.next_generation);
                    tx.commit().unwrap();
                    generation
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    given.sort_unstable();
    assert_eq!(given, (1..=WRITERS).collect::<Vec<_>>());

    let ledger = place.open();
    let history = ledger.history("github").unwrap();
    let generations: Vec<u32> = history.iter().map(|r| r.generation).collect();
    assert_eq!(generations, (1..=WRITERS).collect::<Vec<_>>());
    let current: Vec<&GenerationRecord> = history
        .iter()
        .filter(|r| r.status == Status::Current)
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].generation, WRITERS);
    for pair in history.windows(2) {
        assert_eq!(pair[0].status, Status::Superseded);
        assert_eq!(pair[0].superseded_by.as_ref(), Some(&pair[1].set_id));
    }
}

#[test]
fn the_schema_has_no_place_for_a_code() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ledger.db");
    SqliteLedger::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let mut tables = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap();
    let tables: Vec<String> = tables
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut tables = tables;
    tables.sort();
    assert_eq!(
        tables,
        [
            "accounts",
            "events",
            "generations",
            "placements",
            "used_codes"
        ]
    );
    for table in &tables {
        let mut columns = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .unwrap();
        let columns: Vec<String> = columns
            .query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!columns.is_empty());
        for column in columns {
            let lower = column.to_lowercase();
            for word in ["code", "hash", "secret", "digest", "salt"] {
                assert!(!lower.contains(word), "{table}.{column} looks like {word}");
            }
        }
    }
}

fn records_serialise_as_the_cli_prints_them(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("github", "7K2Q-M9XA", "2025-01-02T10:00:00+01:00"),
    );
    record(
        &mut ledger,
        &new_gen("github", "AB12-CD34", "2025-06-01T09:30:00Z"),
    );
    let mut tx = ledger.begin_write().unwrap();
    tx.mark_used("github", 2, at("2025-06-02T08:00:00Z"), None)
        .unwrap();
    tx.commit().unwrap();
    let history = ledger.history("github").unwrap();
    let old = serde_json::to_value(&history[0]).unwrap();
    assert_eq!(old["set_id"], "7K2Q-M9XA");
    assert_eq!(old["issued_at"], "2025-01-02T10:00:00+01:00");
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["status_changed_at"], "2025-06-01T09:30:00+00:00");
    assert_eq!(old["superseded_by"], "AB12-CD34");
    assert_eq!(old["next_inventory"], "2026-01-01");
    assert_eq!(old["custodian"], serde_json::Value::Null);
    let new = serde_json::to_value(&history[1]).unwrap();
    assert_eq!(new["status"], "current");
    assert_eq!(new["superseded_by"], serde_json::Value::Null);
    assert_eq!(new["used"][0]["number"], 2);
    assert_eq!(new["used"][0]["used_at"], "2025-06-02T08:00:00+00:00");
    assert_eq!(Status::Revoked.as_str(), "revoked");
}

#[test]
fn messages_are_lowercase_one_line_and_say_what_to_do() {
    let p = || PathBuf::from("/x/ledger.db");
    let errors = [
        LedgerError::Missing(p()),
        LedgerError::IsFolder(p()),
        LedgerError::NotALedger(p()),
        LedgerError::TooNew {
            path: p(),
            found: 3,
            supported: 1,
        },
        LedgerError::Outdated {
            path: p(),
            found: 1,
            supported: 2,
        },
        LedgerError::ReadOnly(p()),
        LedgerError::Busy(p()),
        LedgerError::UnknownAccount("github".into()),
        LedgerError::NoCurrentSet("github".into()),
        LedgerError::NumberOutOfRange {
            number: 11,
            count: 10,
        },
        LedgerError::AlreadyUsed {
            number: 3,
            used_at: at("2025-02-01T12:00:00+01:00"),
            by: Some("alice".into()),
        },
        LedgerError::DuplicateSetId(id("7K2QM9XA")),
        LedgerError::Io(p(), std::io::Error::other("disk on fire")),
        LedgerError::Sqlite(p(), rusqlite::Error::QueryReturnedNoRows),
    ];
    for err in errors {
        let text = err.to_string();
        assert!(text.starts_with(|c: char| !c.is_uppercase()), "{text}");
        assert!(!text.ends_with('.') && !text.contains('\n'), "{text}");
        assert!(text.contains(": "), "says what to do: {text}");
    }
    assert_eq!(
        LedgerError::NotALedger(p()).to_string(),
        "ledger /x/ledger.db is not a recovery-sheet ledger: pass --ledger with another path"
    );
    assert_eq!(
        LedgerError::TooNew {
            path: p(),
            found: 3,
            supported: 1
        }
        .to_string(),
        "ledger /x/ledger.db was written by a newer recovery-sheet (schema 3, this build knows 1): upgrade recovery-sheet"
    );
}

const CHILD_LEDGER: &str = "RECOVERY_SHEET_TEST_CHILD_LEDGER";
const CHILD_INDEX: &str = "RECOVERY_SHEET_TEST_CHILD_INDEX";

/// Separate processes lock through POSIX file locks, unlike threads of one
/// process: run this test binary again as 16 writers at once.
fn concurrent_writer_processes_each_get_their_own_generation(place: &Place) {
    const WRITERS: u32 = 16;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WRITERS)
        .map(|i| {
            std::process::Command::new(&exe)
                .args(["--exact", "ledger::tests::child_writer", "--ignored"])
                .args(["--test-threads=1", "--quiet"])
                .env(CHILD_LEDGER, place.location())
                .env(CHILD_INDEX, i.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer process failed");
    }
    let ledger = place.open();
    let history = ledger.history("github").unwrap();
    let generations: Vec<u32> = history.iter().map(|r| r.generation).collect();
    assert_eq!(generations, (1..=WRITERS).collect::<Vec<_>>());
    let current = history.iter().filter(|r| r.status == Status::Current);
    assert_eq!(current.count(), 1);
    let set_ids: BTreeSet<&SetId> = history.iter().map(|r| &r.set_id).collect();
    assert_eq!(set_ids.len(), WRITERS as usize);
}

/// One writer of the test above; does nothing unless run by it.
#[test]
#[ignore = "run as a child process by concurrent_writer_processes_each_get_their_own_generation"]
fn child_writer() {
    let (Some(path), Some(index)) = (
        std::env::var_os(CHILD_LEDGER),
        std::env::var(CHILD_INDEX).ok(),
    ) else {
        return;
    };
    let mut ledger = open_at(&path);
    let mut tx = ledger.begin_write().unwrap();
    let lineage = tx.lineage("github").unwrap();
    let index: u32 = index.parse().unwrap();
    let new = new_gen("github", &format!("WRTR{index:04}"), "2025-01-01T00:00:00Z");
    assert_eq!(tx.record_generation(&new).unwrap(), lineage.next_generation);
    tx.commit().unwrap();
}

fn actor() -> Actor {
    Actor {
        by: Some("K. Sato".to_owned()),
        os_user: "tester".to_owned(),
    }
}

fn event(kind: EventKind, account: &str, at_text: &str) -> NewEvent {
    NewEvent {
        at: at(at_text),
        kind,
        account: account.to_owned(),
        set_id: None,
        generation: None,
        number: None,
        actor: actor(),
        detail: None,
    }
}

fn placement(role: Role, host: &str) -> Placement {
    Placement {
        role,
        host: host.to_owned(),
        path: format!("/out/{}.pdf", role.as_str()),
        file: Some((64769, 1234)),
        aside: None,
    }
}

on_both_backends!(
    a_pending_generation_is_finished_abandoned_or_never_printed,
    the_life_after_printing_is_recorded,
    events_are_recorded_in_order_and_filtered,
    only_one_writer_at_a_time,
    a_whole_history_copies_between_backends,
);

fn a_pending_generation_is_finished_abandoned_or_never_printed(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00Z"),
    );
    let mut writer = ledger.writer(&|| false).unwrap();
    let mut txn = writer.begin().unwrap();
    let second = new_gen("github", "AAAA-0002", "2025-02-01T00:00:00+09:00");
    let placements = [
        placement(Role::Sheet, "pc1"),
        placement(Role::Verifier, "pc1"),
    ];
    assert_eq!(txn.record_pending(&second, &placements).unwrap(), 2);
    txn.commit().unwrap();

    let mut txn = writer.begin().unwrap();
    let pending = txn.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].record.status, Status::Pending);
    assert_eq!(pending[0].placements, placements);
    let lineage = txn.lineage("github").unwrap();
    assert_eq!(lineage.pending.as_ref().map(|p| p.generation), Some(2));
    assert_eq!(lineage.next_generation, 3);
    // One pending generation per account.
    assert!(
        txn.record_pending(&new_gen("github", "AAAA-0009", "2025-02-02T00:00:00Z"), &[])
            .is_err()
    );
    drop(txn);

    let mut txn = writer.begin().unwrap();
    let superseded = txn.finish(&id("AAAA0002")).unwrap().unwrap();
    assert_eq!(superseded.set_id, id("AAAA0001"));
    assert_eq!(superseded.status, Status::Superseded);
    assert_eq!(superseded.superseded_by, Some(id("AAAA0002")));
    assert_eq!(superseded.status_changed_at, Some(second.issued_at));
    assert!(
        txn.pending().unwrap().is_empty(),
        "placements are forgotten"
    );
    txn.commit().unwrap();

    // Abandoned: as if never recorded.
    let mut txn = writer.begin().unwrap();
    txn.record_pending(&new_gen("github", "AAAA-0003", "2025-03-01T00:00:00Z"), &[])
        .unwrap();
    txn.abandon(&id("AAAA0003")).unwrap();
    txn.commit().unwrap();
    // Never printed: kept, and superseded by the next one that is.
    let mut txn = writer.begin().unwrap();
    txn.record_pending(
        &new_gen("github", "AAAA-0004", "2025-04-01T00:00:00Z"),
        &[placement(Role::Sheet, "pc2")],
    )
    .unwrap();
    txn.mark_unprinted(&id("AAAA0004"), at("2025-04-02T00:00:00Z"))
        .unwrap();
    assert!(txn.pending().unwrap().is_empty());
    txn.record_generation(&new_gen("github", "AAAA-0005", "2025-05-01T00:00:00Z"))
        .unwrap();
    txn.commit().unwrap();
    drop(writer);

    let history = ledger.history("github").unwrap();
    let summary: Vec<(u32, Status, Option<SetId>)> = history
        .iter()
        .map(|r| (r.generation, r.status, r.superseded_by.clone()))
        .collect();
    assert_eq!(summary, expected_after_unprinted());
    let overview = ledger.overview().unwrap();
    assert_eq!(overview[0].unprinted, 1);
    assert_eq!(overview[0].unshredded, 3);
}

/// Generations 1..4 after the test above: the abandoned one left no trace.
fn expected_after_unprinted() -> Vec<(u32, Status, Option<SetId>)> {
    vec![
        (1, Status::Superseded, Some(id("AAAA0002"))),
        (2, Status::Superseded, Some(id("AAAA0005"))),
        (3, Status::Unprinted, Some(id("AAAA0005"))),
        (4, Status::Current, None),
    ]
}

fn the_life_after_printing_is_recorded(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("Shop@Example.com", "AAAA-0001", "2025-01-01T00:00:00Z"),
    );
    record(
        &mut ledger,
        &new_gen("shop@example.com", "AAAA-0002", "2025-02-01T00:00:00Z"),
    );
    let mut tx = ledger.begin_write().unwrap();
    // One account whatever the case of the e-mail address.
    assert_eq!(tx.lineage("SHOP@example.com").unwrap().next_generation, 3);
    tx.mark_used("shop@example.com", 4, at("2025-02-02T00:00:00Z"), None)
        .unwrap();
    let undone = tx.unmark_used("shop@example.com", 4).unwrap();
    assert!(undone.used.is_empty());
    assert!(matches!(
        tx.unmark_used("shop@example.com", 4),
        Err(LedgerError::NotUsed { number: 4 })
    ));
    let next = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let moved = tx
        .set_inventory("shop@example.com", next, Some("safe 2F"))
        .unwrap();
    assert_eq!(
        (moved.next_inventory, moved.location.as_deref()),
        (Some(next), Some("safe 2F"))
    );
    assert!(matches!(
        tx.mark_shredded(&id("AAAA0002"), at("2025-02-03T00:00:00Z"), None),
        Err(LedgerError::ShredCurrent { .. })
    ));
    let shredded = tx
        .mark_shredded(&id("AAAA0001"), at("2025-02-03T00:00:00Z"), Some("K. Sato"))
        .unwrap();
    assert_eq!(shredded.shredded_by.as_deref(), Some("K. Sato"));
    assert!(matches!(
        tx.mark_shredded(&id("AAAA0001"), at("2025-02-04T00:00:00Z"), None),
        Err(LedgerError::AlreadyShredded { .. })
    ));
    record_in(
        &mut *tx,
        &new_gen("other", "BBBB-0001", "2025-01-01T00:00:00Z"),
    );
    assert!(matches!(
        tx.rename_account("shop@example.com", " other"),
        Err(LedgerError::AccountExists(_))
    ));
    tx.rename_account("shop@example.com", "shop2@example.com")
        .unwrap();
    let revoked = tx
        .retire_account("shop2@example.com", at("2025-03-01T00:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(revoked.status, Status::Revoked);
    assert!(matches!(
        tx.retire_account("shop2@example.com", at("2025-03-02T00:00:00Z")),
        Err(LedgerError::AlreadyRetired { .. })
    ));
    tx.commit().unwrap();
    assert!(matches!(
        ledger.history("shop@example.com"),
        Err(LedgerError::UnknownAccount(_))
    ));
    let overview = ledger.overview().unwrap();
    let shop = overview
        .iter()
        .find(|o| o.latest.account == "shop2@example.com")
        .unwrap();
    assert_eq!(shop.retired_at, Some(at("2025-03-01T00:00:00Z")));
    assert_eq!(
        shop.unshredded, 1,
        "generation 2 (revoked) awaits shredding"
    );
    // A new sheet makes a retired account active again.
    record(
        &mut ledger,
        &new_gen("shop2@example.com", "AAAA-0003", "2025-04-01T00:00:00Z"),
    );
    let overview = ledger.overview().unwrap();
    let shop = overview
        .iter()
        .find(|o| o.latest.account == "shop2@example.com")
        .unwrap();
    assert_eq!((shop.retired_at, shop.latest.generation), (None, 3));
}

fn record_in(tx: &mut dyn WriteTxn, new: &NewGeneration) -> u32 {
    tx.record_generation(new).unwrap()
}

fn events_are_recorded_in_order_and_filtered(place: &Place) {
    let mut ledger = place.open();
    let mut tx = ledger.begin_write().unwrap();
    let mut used = event(
        EventKind::CodeUsed,
        "Shop@Example.com",
        "2025-01-02T09:00:00+09:00",
    );
    used.set_id = Some(id("AAAA-0001"));
    used.generation = Some(1);
    used.number = Some(3);
    used.detail = Some("at the front desk".to_owned());
    for e in [
        event(
            EventKind::Issued,
            "shop@example.com",
            "2025-01-01T00:00:00Z",
        ),
        used,
        event(EventKind::Issued, "other", "2025-01-03T00:00:00Z"),
    ] {
        tx.record_event(&e).unwrap();
    }
    tx.commit().unwrap();

    let all = ledger.events(&EventFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "in order");
    assert_eq!(all[1].kind, EventKind::CodeUsed);
    assert_eq!(all[1].at.to_rfc3339(), "2025-01-02T09:00:00+09:00");
    assert_eq!(
        (all[1].number, all[1].generation, all[1].by.as_deref()),
        (Some(3), Some(1), Some("K. Sato"))
    );
    assert_eq!(all[1].os_user, "tester");
    assert_eq!(all[1].detail.as_deref(), Some("at the front desk"));
    assert_eq!(all[1].tool_version, env!("CARGO_PKG_VERSION"));
    let shop = ledger
        .events(&EventFilter {
            accounts: Some(vec!["SHOP@example.com".to_owned()]),
            since: None,
        })
        .unwrap();
    assert_eq!(shop.len(), 2);
    let later = ledger
        .events(&EventFilter {
            accounts: None,
            since: Some(at("2025-01-02T00:00:00Z")),
        })
        .unwrap();
    let accounts: Vec<&str> = later.iter().map(|e| e.account.as_str()).collect();
    assert_eq!(accounts, ["Shop@Example.com", "other"]);
}

fn only_one_writer_at_a_time(place: &Place) {
    let mut first = place.open();
    let mut second = place.open();
    let writer = first.try_writer().unwrap();
    assert!(writer.is_some());
    assert!(second.try_writer().unwrap().is_none(), "the lock is held");
    // A waiting writer gives up when asked to.
    assert!(matches!(second.writer(&|| true), Err(LedgerError::Busy(_))));
    drop(writer);
    assert!(second.try_writer().unwrap().is_some(), "released on drop");
}

fn a_whole_history_copies_between_backends(place: &Place) {
    let mut ledger = place.open();
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0001", "2025-01-01T00:00:00+09:00"),
    );
    record(
        &mut ledger,
        &new_gen("github", "AAAA-0002", "2025-02-01T00:00:00Z"),
    );
    let mut tx = ledger.begin_write().unwrap();
    tx.mark_used("github", 2, at("2025-02-02T00:00:00Z"), Some("me"))
        .unwrap();
    tx.retire_account("github", at("2025-03-01T00:00:00Z"))
        .unwrap();
    tx.record_event(&event(EventKind::Retired, "github", "2025-03-01T00:00:00Z"))
        .unwrap();
    tx.commit().unwrap();
    let history = ledger.export().unwrap();
    assert_eq!(
        history.counts(),
        Counts {
            generations: 2,
            used_codes: 1,
            accounts: 1,
            events: 1,
            pending: 0
        }
    );
    // Into a fresh ledger of each kind, and back out the same.
    let mut targets = vec![Place::sqlite()];
    targets.extend(Place::postgres());
    for target in targets {
        let mut copy = target.open();
        let mut tx = copy.begin_write().unwrap();
        assert!(tx.counts().unwrap().is_empty());
        tx.import(&history).unwrap();
        tx.commit().unwrap();
        assert_eq!(copy.export().unwrap(), history, "{}", target.location());
        // The next event follows the copied ones.
        let mut tx = copy.begin_write().unwrap();
        tx.record_event(&event(EventKind::Issued, "x", "2025-04-01T00:00:00Z"))
            .unwrap();
        drop(tx);
        assert_eq!(copy.export().unwrap(), history, "rolled back");
    }
}
