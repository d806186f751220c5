//! The commands: raw flags become validated specs here, then each command runs on its spec.

pub mod audit;
pub mod batch;
pub mod check;
pub mod config_show;
pub mod display;
pub mod generate;
pub mod import;
pub mod inventory;
pub mod issue;
pub mod ledger_copy;
pub mod list;
pub mod mark_used;
pub mod rename;
pub mod retire;
pub mod revoke;
pub mod show;
pub mod shredded;
pub mod spec;
pub mod verify;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Timelike};

use crate::codes::SetId;
use crate::config::{self, ConfigLocation};
use crate::error::Error;
use crate::interrupt;
#[cfg(test)]
use crate::ledger::WriteTxn;
use crate::ledger::location::Opened;
use crate::ledger::{
    AccountOverview, Actor, Event, EventFilter, GenerationRecord, History, Ledger, LedgerError,
    Lineage, Location, Writer,
};
use crate::messages::{Localized, Messages, Msg};

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
    /// The same ledger and config, speaking `messages` and telling nothing on
    /// the terminal (for a web page, which shows what happened itself).
    pub fn quiet_in(&self, messages: Messages) -> Context {
        Context {
            ledger_flag: self.ledger_flag.clone(),
            config_location: self.config_location.clone(),
            config: self.config.clone(),
            verbosity: Verbosity::Quiet,
            messages,
        }
    }

    /// Where the ledger is: `--ledger`/`RECOVERY_SHEET_LEDGER`, else the
    /// config's `ledger`, else the XDG default file. A `postgres://` or
    /// `postgresql://` URL names a PostgreSQL database, anything else a file.
    pub fn ledger_location(&self) -> Result<Location, Error> {
        if let Some(flag) = &self.ledger_flag {
            return Ok(Location::parse(flag.as_os_str()));
        }
        if let Some(ledger) = &self.config.file.ledger {
            return Ok(Location::parse(OsStr::new(ledger)));
        }
        match crate::paths::default_ledger() {
            Some(p) => Ok(Location::File(p)),
            None => Err(Error::InvalidValue(Msg::new("ledger_no_home"))),
        }
    }

    /// Prints what opening a ledger warned about, and with -v where it is.
    fn opened(&self, location: &Location, opened: Opened) -> Box<dyn Ledger> {
        for warning in &opened.warnings {
            self.warn(&warning.message(&self.messages));
        }
        self.detail(
            &self
                .messages
                .fill("detail_ledger", &[("ledger", &location.to_string())]),
        );
        opened.ledger
    }

    /// Opens an existing ledger for reading; `None` when there is none yet.
    ///
    /// A ledger this process may write is opened for writing, so that an
    /// older schema is upgraded and whatever a writer that died left pending
    /// is finished or undone first (when no other writer is at work), and
    /// what is read is the truth. A read-only ledger is read as it is.
    pub fn read_ledger(&self) -> Result<Option<Box<dyn Ledger>>, Error> {
        let location = self.ledger_location()?;
        self.read_ledger_at(&location)
    }

    /// [`Context::read_ledger`] at a given location (`ledger copy`'s source).
    pub fn read_ledger_at(&self, location: &Location) -> Result<Option<Box<dyn Ledger>>, Error> {
        match location.open_existing(interrupt::requested) {
            Ok(Some(opened)) => {
                let mut ledger = self.opened(location, opened);
                if let Some(mut writer) = ledger.try_writer()? {
                    self.recover(writer.as_mut())?;
                }
                return Ok(Some(ledger));
            }
            Ok(None) => return Ok(None),
            Err(LedgerError::ReadOnly(_)) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(location
            .open_read_only()?
            .map(|opened| self.opened(location, opened)))
    }

    /// The ledger for issuing sheets: an existing one is opened for writing
    /// at once, so a bad or read-only ledger (or a server that cannot be
    /// reached) is refused before any work; a missing one is created only
    /// when the first sheet is recorded, so a refused first sheet leaves no
    /// ledger behind.
    pub fn issuing_ledger(&self) -> Result<OnDemand, Error> {
        let location = self.ledger_location()?;
        let ledger = location
            .open_existing(interrupt::requested)?
            .map(|opened| self.opened(&location, opened));
        Ok(OnDemand {
            location,
            ledger,
            messages: self.messages,
            verbosity: self.verbosity,
        })
    }

    /// Opens an existing ledger for writing; an absent ledger means the
    /// account is unknown (nothing is created for a command that only updates).
    pub fn existing_ledger(&self, account: &str) -> Result<Box<dyn Ledger>, Error> {
        let location = self.ledger_location()?;
        match location.open_existing(interrupt::requested)? {
            Some(opened) => Ok(self.opened(&location, opened)),
            None => Err(LedgerError::UnknownAccount(account.to_owned()).into()),
        }
    }

    /// Opens the ledger at `location` for writing, creating it if needed
    /// (`ledger copy`'s destination).
    pub fn created_ledger_at(&self, location: &Location) -> Result<Box<dyn Ledger>, Error> {
        let opened = location.open_or_create(interrupt::requested)?;
        Ok(self.opened(location, opened))
    }

    /// Takes the ledger's writer lock (Ctrl-C ends the wait) and finishes or
    /// undoes what a writer that died left pending, before any change.
    pub fn writer<'l>(&self, ledger: &'l mut dyn Ledger) -> Result<Box<dyn Writer + 'l>, Error> {
        interrupt::install().map_err(|source| Error::Io {
            path: PathBuf::from("<signal handler>"),
            source,
        })?;
        let mut writer = ledger.writer(&interrupt::requested).map_err(|e| {
            if interrupt::requested() {
                Error::Interrupted
            } else {
                e.into()
            }
        })?;
        self.recover(writer.as_mut())?;
        Ok(writer)
    }

    /// [`issue::recover`] under a writer lock already held, telling the user
    /// what it found.
    pub fn recover(&self, writer: &mut dyn Writer) -> Result<(), Error> {
        for found in issue::recover(writer, &issue::host_name(), now(), &self.actor(None))? {
            self.warn(&found.message(&self.messages));
        }
        Ok(())
    }

    /// Asks on the terminal before a change that cannot simply be undone
    /// (`key`: the question, with `values`). `yes` (`--yes`) skips the
    /// question; without a terminal to ask on, `--yes` is required.
    pub fn confirm(&self, yes: bool, key: &str, values: &[(&str, &str)]) -> Result<(), Error> {
        use std::io::{BufRead, IsTerminal, Read, Write};
        if yes {
            return Ok(());
        }
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Err(Error::NeedsConfirmation);
        }
        eprint!(
            "{} {} ",
            self.messages.fill(key, values),
            self.messages.text("confirm_prompt")
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        stdin
            .lock()
            .take(256)
            .read_line(&mut answer)
            .map_err(|source| Error::Io {
                path: PathBuf::from("<stdin>"),
                source,
            })?;
        let answer = answer.trim().to_lowercase();
        if ["y", "yes", "はい", "ｙ", "ｙｅｓ"].contains(&answer.as_str()) {
            Ok(())
        } else {
            Err(Error::Declined)
        }
    }

    /// Who is acting, for the audit trail: `by` (from `--by`) and the
    /// operating-system user.
    pub fn actor(&self, by: Option<String>) -> Actor {
        Actor {
            by,
            os_user: os_user(),
        }
    }

    /// Files no output may be: the ledger's own files, the config file and
    /// this run's inputs (`inputs`).
    pub fn protected_files(&self, inputs: &[&Path]) -> Result<Vec<PathBuf>, Error> {
        let mut files = self.ledger_location()?.own_files();
        files.extend(self.config_location.path().map(Path::to_owned));
        files.extend(inputs.iter().map(|p| p.to_path_buf()));
        Ok(files)
    }

    /// A progress or result line for people (stderr), unless --quiet.
    pub fn say(&self, line: &str) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{line}");
        }
    }

    /// A warning (stderr), unless --quiet.
    pub fn warn(&self, line: &str) {
        warn(self.messages, self.verbosity, line);
    }

    /// Detail for --verbose (stderr).
    pub fn detail(&self, line: &str) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!("{line}");
        }
    }
}

/// A warning line on stderr, unless --quiet.
fn warn(messages: Messages, verbosity: Verbosity, line: &str) {
    if verbosity >= Verbosity::Normal {
        eprintln!("{}: {line}", messages.text("warning"));
    }
}

/// A ledger that is created on the first write (see [`Context::issuing_ledger`]).
pub struct OnDemand {
    location: Location,
    ledger: Option<Box<dyn Ledger>>,
    /// For what creating it warns about (a password file others can read).
    messages: Messages,
    verbosity: Verbosity,
}

impl OnDemand {
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The ledger, created now if it does not exist yet.
    fn created(&mut self) -> Result<&mut Box<dyn Ledger>, LedgerError> {
        if self.ledger.is_none() {
            let opened = self.location.open_or_create(interrupt::requested)?;
            for warning in &opened.warnings {
                warn(
                    self.messages,
                    self.verbosity,
                    &warning.message(&self.messages),
                );
            }
            self.ledger = Some(opened.ledger);
        }
        match &mut self.ledger {
            Some(ledger) => Ok(ledger),
            None => Err(LedgerError::Missing(PathBuf::from(
                self.location.to_string(),
            ))),
        }
    }
}

impl Ledger for OnDemand {
    fn writer<'a>(
        &'a mut self,
        give_up: &dyn Fn() -> bool,
    ) -> Result<Box<dyn Writer + 'a>, LedgerError> {
        self.created()?.writer(give_up)
    }

    fn try_writer(&mut self) -> Result<Option<Box<dyn Writer + '_>>, LedgerError> {
        match &mut self.ledger {
            Some(ledger) => ledger.try_writer(),
            None => Ok(None),
        }
    }

    #[cfg(test)]
    fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
        self.created()?.begin_write()
    }

    fn overview(&self) -> Result<Vec<AccountOverview>, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.overview(),
            None => Ok(Vec::new()),
        }
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.events(filter),
            None => Ok(Vec::new()),
        }
    }

    fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.history(account),
            None => Err(LedgerError::UnknownAccount(account.to_owned())),
        }
    }

    fn lineage(&self, account: &str) -> Result<Lineage, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.lineage(account),
            None => Ok(Lineage::from_rows(Vec::new(), 0, 0)),
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

    fn export(&self) -> Result<History, LedgerError> {
        match &self.ledger {
            Some(ledger) => ledger.export(),
            None => Ok(History::default()),
        }
    }
}

/// The operating-system user running the tool: `$USER` (or `$LOGNAME`, or
/// `$USERNAME` on Windows), else the user ID.
fn os_user() -> String {
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(name) = std::env::var(var)
            && !name.trim().is_empty()
        {
            return name;
        }
    }
    #[cfg(unix)]
    {
        format!("uid {}", rustix::process::getuid().as_raw())
    }
    #[cfg(not(unix))]
    {
        "unknown".to_owned()
    }
}

/// The current time with the local UTC offset (UTC when the zone is unknown).
pub fn now() -> DateTime<FixedOffset> {
    // Whole seconds: the sheet shows minutes, the ledger and QR need no more.
    let now = chrono::Local::now().fixed_offset();
    now.with_nanosecond(0).unwrap_or(now)
}
