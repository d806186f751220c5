//! The test PostgreSQL server (named by `RECOVERY_SHEET_TEST_PG`, started by `.ci/pg-start.sh`): a fresh database per test, and its rows read behind the tool's back.
#![allow(dead_code)]

use postgres::{Client, NoTls};

pub const SERVER: &str = "RECOVERY_SHEET_TEST_PG";

/// A variable of the test cluster; `None` (skipped, the reason printed)
/// without it, which fails the test in CI.
pub fn var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{name} is not set: CI must start the test PostgreSQL (eval \"$(sh .ci/pg-start.sh)\")"
            );
            eprintln!("skipped: {name} is not set (eval \"$(sh .ci/pg-start.sh)\" to run it)");
            None
        }
    }
}

/// The server's URL (a Unix socket; its role may create databases).
pub fn server() -> Option<String> {
    var(SERVER)
}

/// A plain client over the server's Unix socket.
pub fn client(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|e| panic!("connect to the test server: {e}"))
}

/// `url` with its database name replaced.
pub fn with_db(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A new empty database, dropped with its sessions on drop.
pub struct TestDatabase {
    pub url: String,
    pub name: String,
    server: String,
}

impl TestDatabase {
    pub fn create(server: &str) -> TestDatabase {
        let n = rand::Rng::next_u64(&mut rand::rand_core::UnwrapErr(rand::rngs::SysRng));
        let name = format!("rs_e_{n:016x}");
        client(server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        TestDatabase {
            url: with_db(server, &name),
            name,
            server: server.to_owned(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.server, NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Every row of every table of the ledger's schema, as text, by table.
pub fn rows(url: &str) -> Vec<(String, Vec<u8>)> {
    let mut c = client(url);
    let tables: Vec<String> = c
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'recovery_sheet' ORDER BY 1",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|table| {
            let rows: Vec<String> = c
                .query(
                    &format!("SELECT t::text FROM recovery_sheet.{table} t ORDER BY 1"),
                    &[],
                )
                .expect("rows")
                .iter()
                .map(|r| r.get(0))
                .collect();
            (table, rows.join("\n").into_bytes())
        })
        .collect()
}

/// The whole database as `pg_dump` writes it (schema and data).
pub fn dump(url: &str) -> Vec<u8> {
    let bin = var("RECOVERY_SHEET_TEST_PG_BIN").expect("RECOVERY_SHEET_TEST_PG_BIN");
    let out = std::process::Command::new(format!("{bin}/pg_dump"))
        .arg("--dbname")
        .arg(url)
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// One `#[test]` per backend for each end-to-end body: `NAME::sqlite` and
/// `NAME::postgres` run the same `fn NAME(env: Env)`.
macro_rules! on_both_ledgers {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(crate::common::Env::new());
            }

            #[test]
            fn postgres() {
                if let Some(env) = crate::common::Env::postgres() {
                    super::$name(env);
                }
            }
        }
    )*};
}
pub(crate) use on_both_ledgers;
