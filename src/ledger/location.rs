//! Where the ledger is: a SQLite file (a path) or a PostgreSQL database (a `postgres://` or `postgresql://` URL), and opening either as a `dyn Ledger`.

use std::ffi::OsStr;
use std::fmt;
use std::path::PathBuf;

use zeroize::Zeroize;

use super::conninfo::{self, Warning};
use super::postgres::{Create, PostgresLedger};
use super::sqlite::{self, SqliteLedger};
use super::{Ledger, LedgerError};

/// Where the ledger is. `Display` never shows a password.
pub enum Location {
    File(PathBuf),
    /// A connection URL as given; it may hold a password, so it is wiped
    /// on drop and shown only through [`conninfo::redact`].
    Server(ServerUrl),
}

/// A connection URL that may hold a password.
pub struct ServerUrl(String);

impl ServerUrl {
    /// The URL itself; only for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for ServerUrl {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&conninfo::redact(&self.0))
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => f.debug_tuple("File").field(path).finish(),
            Location::Server(url) => f.debug_tuple("Server").field(url).finish(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Server(url) => f.write_str(&conninfo::redact(&url.0)),
        }
    }
}

/// A ledger just opened, and what libpq would have warned about on the way.
pub struct Opened {
    pub ledger: Box<dyn Ledger>,
    pub warnings: Vec<Warning>,
}

impl Opened {
    fn file(ledger: SqliteLedger) -> Opened {
        Opened {
            ledger: Box::new(ledger),
            warnings: Vec::new(),
        }
    }

    fn server(ledger: PostgresLedger) -> Opened {
        let warnings = ledger.warnings().to_vec();
        Opened {
            ledger: Box::new(ledger),
            warnings,
        }
    }
}

impl Location {
    /// A `postgres://` or `postgresql://` URL names a server; anything else is a path.
    pub fn parse(text: &OsStr) -> Location {
        match text.to_str() {
            Some(url) if url.starts_with("postgresql://") || url.starts_with("postgres://") => {
                Location::Server(ServerUrl(url.to_owned()))
            }
            _ => Location::File(PathBuf::from(text)),
        }
    }

    /// Whether `text` would name a server (for checking a config value).
    pub fn is_server_url(text: &str) -> bool {
        matches!(Location::parse(OsStr::new(text)), Location::Server(_))
    }

    /// The files no output may be: a SQLite ledger's own files; none for a server.
    pub fn own_files(&self) -> Vec<PathBuf> {
        match self {
            Location::File(path) => sqlite::own_files(path),
            Location::Server(_) => Vec::new(),
        }
    }

    /// Opens an existing ledger for writing (upgrading an older schema);
    /// `None` when there is none yet. Creates nothing. `stop` ends waits for
    /// SQLite's own lock.
    pub fn open_existing(&self, stop: fn() -> bool) -> Result<Option<Opened>, LedgerError> {
        match self {
            Location::File(path) => match SqliteLedger::open_existing(path)? {
                Some(mut ledger) => {
                    ledger.stop_when(stop)?;
                    Ok(Some(Opened::file(ledger)))
                }
                None => Ok(None),
            },
            Location::Server(url) => {
                Ok(PostgresLedger::open(url.expose(), Create::No)?.map(Opened::server))
            }
        }
    }

    /// Opens an existing ledger for reading only (a SQLite file that cannot
    /// be written); `None` when there is none.
    pub fn open_read_only(&self) -> Result<Option<Opened>, LedgerError> {
        match self {
            Location::File(path) => match SqliteLedger::open_read_only(path) {
                Ok(ledger) => Ok(Some(Opened::file(ledger))),
                Err(LedgerError::Missing(_)) => Ok(None),
                Err(e) => Err(e),
            },
            Location::Server(url) => {
                Ok(PostgresLedger::open(url.expose(), Create::No)?.map(Opened::server))
            }
        }
    }

    /// Opens the ledger for writing, creating it (the file, or the schema in
    /// an empty database) when there is none.
    pub fn open_or_create(&self, stop: fn() -> bool) -> Result<Opened, LedgerError> {
        match self {
            Location::File(path) => {
                let mut ledger = SqliteLedger::open(path)?;
                ledger.stop_when(stop)?;
                Ok(Opened::file(ledger))
            }
            Location::Server(url) => match PostgresLedger::open(url.expose(), Create::Yes)? {
                Some(ledger) => Ok(Opened::server(ledger)),
                // Create::Yes always gives a ledger.
                None => Err(LedgerError::Missing(PathBuf::from(self.to_string()))),
            },
        }
    }

    /// Whether two locations name the same ledger (the same file however
    /// spelt, or the same server and database).
    pub fn same_as(&self, other: &Location) -> bool {
        match (self, other) {
            (Location::File(a), Location::File(b)) => a == b || crate::files::same_file(a, b),
            (Location::Server(a), Location::Server(b)) => {
                let env = conninfo::Environment::from_process();
                match (
                    conninfo::resolve(a.expose(), &env),
                    conninfo::resolve(b.expose(), &env),
                ) {
                    (Ok(a), Ok(b)) => {
                        (&a.spec.target, a.spec.port, &a.spec.dbname)
                            == (&b.spec.target, b.spec.port, &b.spec.dbname)
                    }
                    _ => a.expose() == b.expose(),
                }
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_server_and_anything_else_a_file() {
        for url in [
            "postgres://h/db",
            "postgresql://u:pw@h:5432/db?sslmode=verify-full",
        ] {
            assert!(matches!(
                Location::parse(OsStr::new(url)),
                Location::Server(_)
            ));
        }
        for path in [
            "ledger.db",
            "/x/postgres://y",
            "postgres:/x",
            "host=h dbname=d",
        ] {
            assert!(matches!(
                Location::parse(OsStr::new(path)),
                Location::File(_)
            ));
        }
    }

    #[test]
    fn a_server_is_shown_without_its_password() {
        let l = Location::parse(OsStr::new("postgresql://al:hunter2@db:5433/ledger"));
        assert_eq!(l.to_string(), "postgresql://al:********@db:5433/ledger");
        assert!(!format!("{l:?}").contains("hunter2"));
        assert!(l.own_files().is_empty());
    }
}
