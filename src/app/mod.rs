//! The commands: raw flags become validated specs here, then each command runs on its spec.

pub mod batch;
pub mod check;
pub mod config_show;
pub mod display;
pub mod generate;
pub mod import;
pub mod issue;
pub mod list;
pub mod mark_used;
pub mod revoke;
pub mod show;
pub mod spec;
pub mod verify;

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Timelike};

use crate::codes::SetId;
use crate::config::{self, ConfigLocation};
use crate::error::Error;
use crate::ledger::{GenerationRecord, Ledger, LedgerError, SqliteLedger, WriteTxn};
use crate::messages::{Messages, Msg};

/// How much the command tells the person running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// What every command may need: where the ledger is, the config in force,
/// how chatty to be, and the message catalogue.
pub struct Context {
    pub ledger_flag: Option<PathBuf>,
    pub config_location: ConfigLocation,
    pub config: config::Loaded,
    pub verbosity: Verbosity,
    pub messages: Messages,
}

impl Context {
    /// The ledger path from `--ledger`/`RECOVERY_SHEET_LEDGER`, else the XDG default.
    pub fn ledger_path(&self) -> Result<PathBuf, Error> {
        match &self.ledger_flag {
            Some(p) => Ok(p.clone()),
            None => crate::paths::default_ledger()
                .ok_or_else(|| Error::InvalidValue(Msg::new("ledger_no_home"))),
        }
    }

    /// Opens the ledger for writing, creating it on first use.
    pub fn open_ledger(&self) -> Result<SqliteLedger, Error> {
        Ok(SqliteLedger::open(&self.ledger_path()?)?)
    }

    /// Opens an existing ledger for reading; `None` when there is none yet.
    pub fn read_ledger(&self) -> Result<Option<SqliteLedger>, Error> {
        match SqliteLedger::open_read_only(&self.ledger_path()?) {
            Ok(l) => Ok(Some(l)),
            Err(LedgerError::Missing(_)) => Ok(None),
            // An older schema is upgraded by a writing open; reading commands
            // should not fail on a ledger the next write would fix.
            Err(LedgerError::Outdated { .. }) => Ok(Some(self.open_ledger()?)),
            Err(e) => Err(e.into()),
        }
    }

    /// The ledger for issuing sheets: an existing one is opened for writing
    /// at once, so a bad or read-only ledger is refused before any work; a
    /// missing one is created only when the first sheet is recorded, so a
    /// refused first sheet leaves no ledger behind.
    pub fn issuing_ledger(&self) -> Result<OnDemand, Error> {
        let path = self.ledger_path()?;
        let ledger = SqliteLedger::open_existing(&path)?;
        Ok(OnDemand { path, ledger })
    }

    /// Opens an existing ledger for writing; an absent ledger means the
    /// account is unknown (nothing is created for a command that only updates).
    pub fn existing_ledger(&self, account: &str) -> Result<SqliteLedger, Error> {
        SqliteLedger::open_existing(&self.ledger_path()?)?
            .ok_or_else(|| LedgerError::UnknownAccount(account.to_owned()).into())
    }

    /// A progress or result line for people (stderr), unless --quiet.
    pub fn say(&self, line: &str) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{line}");
        }
    }

    /// A warning (stderr), unless --quiet.
    pub fn warn(&self, line: &str) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{}: {line}", self.messages.text("warning"));
        }
    }

    /// Detail for --verbose (stderr).
    pub fn detail(&self, line: &str) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!("{line}");
        }
    }
}

/// A ledger file that is created on the first write (see [`Context::issuing_ledger`]).
pub struct OnDemand {
    path: PathBuf,
    ledger: Option<SqliteLedger>,
}

impl OnDemand {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Ledger for OnDemand {
    fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
        let ledger = match self.ledger.take() {
            Some(ledger) => ledger,
            None => SqliteLedger::open(&self.path)?,
        };
        self.ledger.insert(ledger).begin_write()
    }

    fn accounts(&self) -> Result<Vec<GenerationRecord>, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.accounts(),
            None => Ok(Vec::new()),
        }
    }

    fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.history(account),
            None => Err(LedgerError::UnknownAccount(account.to_owned())),
        }
    }

    fn find_set(
        &self,
        set_id: &SetId,
    ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.find_set(set_id),
            None => Ok(None),
        }
    }
}

/// The current time with the local UTC offset (UTC when the zone is unknown).
pub fn now() -> DateTime<FixedOffset> {
    // Whole seconds: the sheet shows minutes, the ledger and QR need no more.
    let now = chrono::Local::now().fixed_offset();
    now.with_nanosecond(0).unwrap_or(now)
}
