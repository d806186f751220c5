//! For tests: the test PostgreSQL server (`RECOVERY_SHEET_TEST_PG`, set by `.ci/pg-start.sh`) and a fresh database per test, dropped afterwards.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::conninfo::{self, Environment};
use super::pgtls;

/// The variable that names the test server: a URL whose role may create databases.
pub const SERVER: &str = "RECOVERY_SHEET_TEST_PG";

/// The test server's URL; `None` (with the reason printed) when there is
/// none, which fails the test in CI instead.
pub fn server() -> Option<String> {
    match std::env::var(SERVER) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{SERVER} is not set: CI must start the test PostgreSQL (eval \"$(sh .ci/pg-start.sh)\")"
            );
            eprintln!("skipped: {SERVER} is not set (eval \"$(sh .ci/pg-start.sh)\" to run it)");
            None
        }
    }
}

/// No `PG*` variables and no home: only what the URL says.
pub fn bare_env() -> Environment {
    Environment {
        vars: BTreeMap::new(),
        home: None,
        os_user: Some("tester".to_owned()),
        default_socket_dir: PathBuf::from("/nonexistent"),
    }
}

/// A plain client for what tests check behind the ledger's back.
pub fn client(url: &str) -> postgres::Client {
    let spec = conninfo::resolve(url, &bare_env()).expect("resolves").spec;
    pgtls::connect(&spec).expect("connects to the test server")
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

/// A new empty database on the test server, dropped (with its sessions) on drop.
pub struct TestDatabase {
    pub url: String,
    pub name: String,
    server: String,
}

impl TestDatabase {
    pub fn create(server: &str) -> TestDatabase {
        let n = rand::Rng::next_u64(&mut rand::rand_core::UnwrapErr(rand::rngs::SysRng));
        let name = format!("rs_t_{n:016x}");
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
        let _ = client(&self.server).batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// Another variable of the test cluster (`RECOVERY_SHEET_TEST_PG_TLS`, ...),
/// found or missing as [`server`] is.
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
