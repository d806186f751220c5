//! What only the PostgreSQL ledger has: its schema and migrations per database, refusing what is not its own, the advisory lock dying with its session, TLS and logins, and the role on every event.

use std::time::{Duration, Instant};

use chrono::DateTime;

use super::conninfo::Environment;
use super::pgtls::ConnectError;
use super::postgres::{Create, PostgresLedger, STEPS, Step};
use super::testdb::{self, TestDatabase};
use super::*;

fn fresh() -> Option<TestDatabase> {
    Some(TestDatabase::create(&testdb::server()?))
}

fn open(url: &str) -> Result<Option<PostgresLedger>, LedgerError> {
    PostgresLedger::open_with(url, Create::Yes, STEPS, &testdb::bare_env())
}

/// Every row of every table of ours (and the tables of `public`), as text:
/// to show an attempt changed nothing.
fn dump(url: &str) -> Vec<String> {
    let mut client = testdb::client(url);
    let tables: Vec<String> = client
        .query(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
             FROM information_schema.tables
             WHERE table_schema IN ('recovery_sheet', 'public') ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = tables.clone();
    for table in tables {
        for row in client
            .query(&format!("SELECT t::text FROM {table} t ORDER BY 1"), &[])
            .unwrap()
        {
            out.push(format!("{table}: {}", row.get::<_, String>(0)));
        }
    }
    out
}

/// Records one generation in a transaction of its own.
fn record_one(ledger: &mut PostgresLedger, account: &str, set_id: &str) {
    let mut tx = ledger.begin_write().unwrap();
    tx.record_generation(&new_gen(account, set_id)).unwrap();
    tx.commit().unwrap();
}

fn new_gen(account: &str, set_id: &str) -> NewGeneration {
    NewGeneration {
        account: account.to_owned(),
        set_id: SetId::parse(set_id).unwrap(),
        issued_at: DateTime::parse_from_rfc3339("2025-01-01T00:00:00+09:00").unwrap(),
        count: 10,
        format: "XXXX-XXXX-XXXX-XXXX".to_owned(),
        source: "generated".to_owned(),
        copies: 1,
        location: None,
        custodian: None,
        next_inventory: None,
        lang: None,
        paper: None,
        organisation: None,
        run: None,
    }
}

#[test]
fn both_backends_are_at_the_same_schema_version() {
    assert_eq!(
        STEPS.last().map(|s| s.version),
        Some(super::sqlite::SCHEMA_VERSION)
    );
}

#[test]
fn the_schema_is_made_once_per_database_whoever_comes_first() {
    let Some(db) = fresh() else { return };
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || open(&url).map(|l| l.is_some()))
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap().unwrap());
    }
    let mut client = testdb::client(&db.url);
    let rows = client
        .query(
            "SELECT application, version, compatible_from, migrated_by
             FROM recovery_sheet.schema_version",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), 1);
    let (app, version, from, by): (String, i32, i32, String) = (
        rows[0].get(0),
        rows[0].get(1),
        rows[0].get(2),
        rows[0].get(3),
    );
    assert_eq!((app.as_str(), version, from), ("recovery-sheet", 4, 3));
    assert_eq!(by, "rs_test");
    // Opening again writes nothing.
    let before = dump(&db.url);
    open(&db.url).unwrap();
    assert_eq!(dump(&db.url), before);
}

#[test]
fn a_schema_3_ledger_gets_the_status_index_and_schema_3_tools_go_on_using_it() {
    let Some(db) = fresh() else { return };
    let at_3 = &STEPS[..1];
    {
        let mut ledger = PostgresLedger::open_with(&db.url, Create::Yes, at_3, &testdb::bare_env())
            .unwrap()
            .unwrap();
        record_one(&mut ledger, "github", "AAAA-0001");
    }
    let index = |url: &str| -> i64 {
        testdb::client(url)
            .query_one(
                "SELECT count(*) FROM pg_indexes
                 WHERE schemaname = 'recovery_sheet' AND indexname = 'generations_by_status'",
                &[],
            )
            .unwrap()
            .get(0)
    };
    assert_eq!(index(&db.url), 0);
    let ledger = open(&db.url).unwrap().unwrap();
    assert_eq!(index(&db.url), 1);
    assert_eq!(ledger.history("github").unwrap().len(), 1);
    drop(ledger);
    let row = testdb::client(&db.url)
        .query_one(
            "SELECT version, compatible_from FROM recovery_sheet.schema_version",
            &[],
        )
        .unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(1)), (4, 3));
    // A tool that knows only schema 3 still reads and writes it.
    let mut old = PostgresLedger::open_with(&db.url, Create::No, at_3, &testdb::bare_env())
        .unwrap()
        .unwrap();
    record_one(&mut old, "gitlab", "AAAA-0002");
    assert_eq!(old.history("gitlab").unwrap().len(), 1);
}

#[test]
fn an_older_tool_refuses_a_newer_schema_before_writing_anything() {
    let Some(db) = fresh() else { return };
    {
        let mut ledger = open(&db.url).unwrap().unwrap();
        record_one(&mut ledger, "github", "AAAA-0001");
    }
    // What a future build does: one more step, not usable by this one.
    let now = STEPS.last().unwrap().version;
    let mut future = STEPS.to_vec();
    future.push(Step {
        version: now + 1,
        compatible_from: now + 1,
        sql: "ALTER TABLE recovery_sheet.generations ADD COLUMN note text;",
    });
    PostgresLedger::open_with(&db.url, Create::Yes, &future, &testdb::bare_env()).unwrap();
    let before = dump(&db.url);
    for create in [Create::Yes, Create::No] {
        match PostgresLedger::open_with(&db.url, create, STEPS, &testdb::bare_env()) {
            Err(LedgerError::TooNew {
                found, supported, ..
            }) => assert_eq!((found, supported), (now + 1, now)),
            Err(e) => panic!("expected TooNew, got {e}"),
            Ok(_) => panic!("expected TooNew, got a ledger"),
        }
    }
    assert_eq!(dump(&db.url), before, "nothing was written");
    let text = LedgerError::TooNew {
        path: "postgresql://u@h/db".into(),
        found: 4,
        supported: 3,
    }
    .to_string();
    assert!(text.contains("upgrade recovery-sheet"), "{text}");

    // A step declared usable by older tools (only adds) is accepted.
    let mut client = testdb::client(&db.url);
    client
        .batch_execute(&format!(
            "UPDATE recovery_sheet.schema_version SET compatible_from = {now}"
        ))
        .unwrap();
    let ledger = open(&db.url).unwrap().unwrap();
    assert_eq!(ledger.history("github").unwrap().len(), 1);
}

#[test]
fn a_database_of_another_program_is_refused_before_anything_is_written() {
    let Some(db) = fresh() else { return };
    let mut client = testdb::client(&db.url);
    client
        .batch_execute(
            "CREATE TABLE invoices (id serial PRIMARY KEY); INSERT INTO invoices DEFAULT VALUES",
        )
        .unwrap();
    let before = dump(&db.url);
    for create in [Create::Yes, Create::No] {
        let err = PostgresLedger::open_with(&db.url, create, STEPS, &testdb::bare_env())
            .err()
            .expect("refused");
        assert!(
            matches!(err, LedgerError::ForeignDatabase { tables: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("nothing was written"), "{err}");
    }
    assert_eq!(dump(&db.url), before);

    // A schema named like ours that is not ours.
    let Some(other) = fresh() else { return };
    let mut client = testdb::client(&other.url);
    client
        .batch_execute("CREATE SCHEMA recovery_sheet; CREATE TABLE recovery_sheet.x (y int)")
        .unwrap();
    let before = dump(&other.url);
    assert!(matches!(open(&other.url), Err(LedgerError::NotALedger(_))));
    assert_eq!(dump(&other.url), before);
}

#[test]
fn a_role_that_may_not_create_the_schema_is_told_so() {
    let (Some(db), Some(other)) = (
        fresh(),
        testdb::var("RECOVERY_SHEET_TEST_PG_OTHER_ROLE_URL"),
    ) else {
        return;
    };
    let url = testdb::with_db(&other, &db.name);
    match open(&url) {
        Err(e @ LedgerError::NoPrivilege { .. }) => {
            assert_eq!(crate::error::Error::from(e).exit_code(), 77);
        }
        Err(e) => panic!("expected NoPrivilege, got {e}"),
        Ok(_) => panic!("expected NoPrivilege, got a ledger"),
    }
}

#[test]
fn every_event_records_the_role_that_wrote_it() {
    let Some(db) = fresh() else { return };
    let mut ledger = open(&db.url).unwrap().unwrap();
    let role = ledger.session_user().unwrap();
    let mut tx = ledger.begin_write().unwrap();
    tx.record_event(&NewEvent {
        at: DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap(),
        kind: EventKind::Issued,
        account: "github".to_owned(),
        set_id: None,
        generation: Some(1),
        number: None,
        actor: Actor {
            by: None,
            os_user: "alice".to_owned(),
        },
        detail: None,
    })
    .unwrap();
    tx.commit().unwrap();
    let events = ledger.events(&EventFilter::default()).unwrap();
    assert_eq!(events[0].db_role.as_deref(), Some(role.as_str()));
    assert_eq!(events[0].db_role.as_deref(), Some("rs_test"));
    assert_eq!(events[0].os_user, "alice");
}

#[test]
fn no_column_is_made_for_a_code() {
    let Some(db) = fresh() else { return };
    open(&db.url).unwrap();
    let mut client = testdb::client(&db.url);
    let columns: Vec<(String, String)> = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'recovery_sheet' ORDER BY 1, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut tables: Vec<&str> = columns.iter().map(|(t, _)| t.as_str()).collect();
    tables.dedup();
    assert_eq!(
        tables,
        [
            "accounts",
            "events",
            "generations",
            "placements",
            "schema_version",
            "used_codes"
        ]
    );
    for (table, column) in &columns {
        for word in ["code", "hash", "secret", "digest", "salt"] {
            assert!(!column.contains(word), "{table}.{column} looks like {word}");
        }
    }
}

const CHILD_URL: &str = "RECOVERY_SHEET_TEST_CHILD_PG_URL";

/// A writer killed with SIGKILL while it holds the writer lock: the server
/// ends its session and the lock is free again.
#[test]
fn a_killed_writers_lock_dies_with_its_session() {
    let Some(db) = fresh() else { return };
    open(&db.url).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "ledger::pg_tests::child_holding_the_lock",
            "--ignored",
        ])
        .args(["--test-threads=1", "--nocapture"])
        .env(CHILD_URL, &db.url)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ledger = open(&db.url).unwrap().unwrap();
    let started = Instant::now();
    while ledger.try_writer().unwrap().is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the child never locked"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = Instant::now();
    loop {
        if ledger.try_writer().unwrap().is_some() {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "the lock outlived its session"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[ignore = "run as a child process by a_killed_writers_lock_dies_with_its_session"]
fn child_holding_the_lock() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let mut ledger = open(&url).unwrap().unwrap();
    let _writer = ledger.writer(&|| false).unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

fn connect_err(url: &str) -> ConnectError {
    match PostgresLedger::open_with(url, Create::No, STEPS, &testdb::bare_env()) {
        Err(LedgerError::Connect(e)) => e,
        Err(e) => panic!("expected a connection error, got {e}"),
        Ok(_) => panic!("expected a connection error, got a ledger"),
    }
}

#[test]
fn tls_verify_full_checks_the_chain_and_the_name() {
    let (Some(tls), Some(other_ca), Some(ca)) = (
        testdb::var("RECOVERY_SHEET_TEST_PG_TLS"),
        testdb::var("RECOVERY_SHEET_TEST_PG_OTHER_CA"),
        testdb::var("RECOVERY_SHEET_TEST_PG_CA"),
    ) else {
        return;
    };
    let Some(db) = fresh() else { return };
    let url = testdb::with_db(&tls, &db.name);
    let ledger = open(&url).unwrap().unwrap();
    let mut client = ledger.conn_for_tests();
    let ssl: bool = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ssl, "verify-full runs over TLS");
    drop(client);

    let untrusted = url.replace(&ca, &other_ca);
    let err = connect_err(&untrusted);
    assert!(matches!(err, ConnectError::Certificate { .. }), "{err}");
    // The right CA, the wrong name (the certificate is for localhost and 127.0.0.1).
    let wrong_name = url
        .replace("@localhost:", "@db.example.org:")
        .replace("?sslmode", "?hostaddr=127.0.0.1&sslmode");
    let err = connect_err(&wrong_name);
    assert!(matches!(err, ConnectError::Certificate { .. }), "{err}");
    assert!(err.to_string().contains("db.example.org"), "{err}");
    // verify-ca checks the chain only.
    let chain_only = wrong_name.replace("verify-full", "verify-ca");
    open(&chain_only).unwrap().unwrap();
    let password = testdb::var("RECOVERY_SHEET_TEST_PG_PASSWORD").unwrap_or_default();
    for err in [
        connect_err(&untrusted).to_string(),
        connect_err(&wrong_name).to_string(),
    ] {
        assert!(!err.contains(&password), "{err}");
    }
}

#[test]
fn a_wrong_password_or_no_server_is_a_clear_error_without_the_password() {
    let Some(server) = testdb::server() else {
        return;
    };
    let password = testdb::var("RECOVERY_SHEET_TEST_PG_PASSWORD").unwrap_or_default();
    let wrong = server.replace(&password, "not-the-password-123");
    let err = connect_err(&wrong);
    assert!(matches!(err, ConnectError::AuthFailed { .. }), "{err}");
    let text = LedgerError::Connect(err).to_string();
    assert!(!text.contains("not-the-password-123"), "{text}");
    assert!(
        text.contains("rs_test") && text.contains("the password in the connection string"),
        "{text}"
    );
    assert_eq!(
        crate::error::Error::from(LedgerError::Connect(connect_err(&wrong))).exit_code(),
        77
    );

    let refused = "postgresql://rs_test:secret-pw@127.0.0.1:1/rs_ledger?sslmode=disable";
    let err = connect_err(refused);
    assert!(matches!(err, ConnectError::Refused { .. }), "{err}");
    let text = LedgerError::Connect(err).to_string();
    assert!(!text.contains("secret-pw"), "{text}");
    assert_eq!(
        crate::error::Error::from(LedgerError::Connect(connect_err(refused))).exit_code(),
        69
    );
    // Missing database: 66.
    let missing = testdb::with_db(&server, "rs_no_such_db");
    assert!(matches!(
        connect_err(&missing),
        ConnectError::NoDatabase { .. }
    ));
}

#[test]
fn the_password_file_is_read_as_libpq_reads_it() {
    let (Some(server), Some(passfile)) = (
        testdb::server(),
        testdb::var("RECOVERY_SHEET_TEST_PG_PASSFILE"),
    ) else {
        return;
    };
    let password = testdb::var("RECOVERY_SHEET_TEST_PG_PASSWORD").unwrap_or_default();
    // The pgpass file names 127.0.0.1 and localhost; over TCP without TLS here.
    let port = testdb::var("RECOVERY_SHEET_TEST_PG_PORT").unwrap_or_default();
    let url = format!("postgresql://rs_test@127.0.0.1:{port}/rs_ledger?sslmode=disable");
    let mut env: Environment = testdb::bare_env();
    env.vars.insert("PGPASSFILE".into(), passfile);
    let ledger = PostgresLedger::open_with(&url, Create::No, STEPS, &env);
    assert!(ledger.is_ok(), "{:?}", ledger.err().map(|e| e.to_string()));
    assert!(server.contains(&password));
}

/// The grants README gives a second administrator are enough to write, and
/// each event names the role that wrote it.
#[test]
fn a_second_role_granted_as_the_readme_says_writes_under_its_own_name() {
    let (Some(db), Some(other)) = (
        fresh(),
        testdb::var("RECOVERY_SHEET_TEST_PG_OTHER_ROLE_URL"),
    ) else {
        return;
    };
    {
        let mut ledger = open(&db.url).unwrap().unwrap();
        record_one(&mut ledger, "github", "AAAA-0001");
    }
    testdb::client(&db.url)
        .batch_execute(&format!(
            "GRANT CONNECT ON DATABASE {0} TO rs_other;
             {1}",
            db.name,
            readme_grants().replace("bob", "rs_other")
        ))
        .unwrap();
    let url = testdb::with_db(&other, &db.name);
    let mut ledger = open(&url).unwrap().unwrap();
    let mut tx = ledger.begin_write().unwrap();
    tx.record_generation(&new_gen("github", "AAAA-0002"))
        .unwrap();
    tx.mark_used(
        "github",
        1,
        DateTime::parse_from_rfc3339("2025-01-02T00:00:00Z").unwrap(),
        None,
    )
    .unwrap();
    tx.record_event(&NewEvent {
        at: DateTime::parse_from_rfc3339("2025-01-02T00:00:00Z").unwrap(),
        kind: EventKind::CodeUsed,
        account: "github".to_owned(),
        set_id: None,
        generation: Some(2),
        number: Some(1),
        actor: Actor {
            by: None,
            os_user: "bob".to_owned(),
        },
        detail: None,
    })
    .unwrap();
    tx.commit().unwrap();
    let events = ledger.events(&EventFilter::default()).unwrap();
    assert_eq!(events[0].db_role.as_deref(), Some("rs_other"));
    assert_eq!(ledger.history("github").unwrap().len(), 2);
    // That role cannot erase or change the audit trail, by any statement.
    let mut client = testdb::client(&url);
    for sql in [
        "TRUNCATE recovery_sheet.events",
        "DELETE FROM recovery_sheet.events",
        "UPDATE recovery_sheet.events SET by_name = 'someone else'",
    ] {
        let refused = client.batch_execute(sql);
        assert!(refused.is_err(), "{sql} was allowed");
    }
    assert_eq!(ledger.events(&EventFilter::default()).unwrap().len(), 1);
}

/// The grants README.md gives for a second administrator (`bob`), as
/// written there: the test runs the README's own text.
fn readme_grants() -> String {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("psql -d recovery_sheet <<'SQL'\n")
        .expect("README has the grants");
    let body = &readme[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let end = body.find("\nSQL\n").expect("the grants end with SQL");
    let grants = body[..end].to_owned();
    assert!(grants.contains("TO bob;"), "{grants}");
    grants
}
