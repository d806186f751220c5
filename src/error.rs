//! The one error type of the command line and its exit-code table.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::codes::{FormatError, GenerateError, SetIdError};
use crate::config::ConfigError;
use crate::import::ImportError;
use crate::labels::LabelError;
use crate::ledger::LedgerError;
use crate::ledger::conninfo::ConnInfoError;
use crate::ledger::pgtls::ConnectError;
use crate::limits::bytes_for_people;
use crate::messages::{Localized, Msg, english_display};
use crate::output::OutputError;
use crate::scan::{Problem as ScanProblem, ScanError};
use crate::sheet::SheetError;
use crate::template::TemplateError;
use crate::verifier::VerifierError;

/// Exit codes, one table for every command (documented in `--help` and README).
pub mod exit {
    pub const OK: u8 = 0;
    /// A confirmation asked on the terminal was declined.
    pub const DECLINED: u8 = 1;
    /// clap's code for usage errors; also used for values that fail validation.
    pub const USAGE: u8 = 2;
    pub const SUPERSEDED: u8 = 3;
    pub const REVOKED: u8 = 4;
    pub const UNKNOWN_SET: u8 = 5;
    pub const WRONG_CODE: u8 = 6;
    pub const CODE_USED: u8 = 7;
    pub const STALE_VERIFIER: u8 = 8;
    pub const SOME_ROWS_FAILED: u8 = 9;
    /// `list --due`: something needs doing.
    pub const DUE: u8 = 10;
    pub const DATAERR: u8 = 65;
    pub const NOINPUT: u8 = 66;
    /// The ledger's server cannot be reached, or the connection broke mid-command;
    /// serve: the port is taken, or the web page failed.
    pub const UNAVAILABLE: u8 = 69;
    pub const CANTCREAT: u8 = 73;
    pub const IOERR: u8 = 74;
    pub const TEMPFAIL: u8 = 75;
    /// The ledger's server refused this login or this role (password,
    /// certificate, privileges).
    pub const NOPERM: u8 = 77;
    pub const CONFIG: u8 = 78;
    pub const INTERRUPTED: u8 = 130;
}

/// Everything that can stop a command, each variant named for the situation.
#[derive(Debug)]
pub enum Error {
    /// A flag value that clap accepted but the spec does not (e.g. a blank account).
    InvalidValue(Msg),
    Label(LabelError),
    Format(FormatError),
    /// The format cannot give as many distinct codes as asked.
    Generate(GenerateError),
    SetId(SetIdError),
    Template(TemplateError),
    Sheet(SheetError),
    Import(ImportError),
    /// `--from FILE` (`path`) or stdin (`None`) could not be read.
    ImportInput {
        path: Option<PathBuf>,
        source: io::Error,
    },
    /// An input (a file's name, or `<stdin>`) is larger than its limit.
    TooLarge {
        input: String,
        limit: u64,
    },
    /// `import` without `--from`: stdin is a terminal and nothing was typed.
    StdinIsTerminal,
    Output(OutputError),
    Ledger(LedgerError),
    Verifier(VerifierError),
    /// `generate`/`import` without `--regenerate` for an account that has a current set.
    CurrentSetExists {
        account: String,
        generation: u32,
        set_id: String,
        issued: String,
    },
    /// The account has a generation still pending that this machine did not
    /// start (another machine's writer stopped part-way).
    PendingElsewhere {
        account: String,
        generation: u32,
        set_id: String,
    },
    /// A batch file names the account on a second row (this run printed it already).
    AccountTwice {
        account: String,
        generation: u32,
        set_id: String,
    },
    /// The verifier's set is no longer current in the ledger.
    StaleVerifier(Msg),
    Scan(ScanError),
    Serve(ServeError),
    Config(ConfigError),
    /// The batch file's header or a read of it failed.
    Csv(Msg),
    /// An input file (e.g. the batch CSV) cannot be opened.
    Unreadable {
        path: PathBuf,
        source: io::Error,
    },
    /// Batch: some rows failed; they were reported one by one.
    RowsFailed {
        failed: usize,
        total: usize,
    },
    Interrupted,
    /// A change that asks first, without a terminal to ask on and without `--yes`.
    NeedsConfirmation,
    /// The question was answered no.
    Declined,
    /// `ledger copy`: the destination holds a ledger and --replace was not given.
    CopyDestinationNotEmpty(Msg),
    /// `ledger copy`: a generation is still pending in the source or the destination.
    CopyPending(Msg),
    /// `ledger copy`: the destination's counts differ from the source's.
    CopyMismatch(Msg),
    /// Any other failure reading or writing a named file.
    Io {
        path: PathBuf,
        source: io::Error,
    },
}

impl Error {
    /// The process exit code for this error, from the table in [`exit`].
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidValue(_) | Error::Label(_) | Error::Format(_) | Error::SetId(_) => {
                exit::USAGE
            }
            Error::Generate(_) | Error::StdinIsTerminal => exit::USAGE,
            Error::Template(TemplateError::Unreadable { .. }) => exit::NOINPUT,
            Error::Template(_) | Error::Sheet(_) | Error::Import(_) => exit::DATAERR,
            Error::ImportInput { .. } => exit::NOINPUT,
            Error::TooLarge { .. } => exit::DATAERR,
            Error::Output(e) => output_exit_code(e),
            Error::Ledger(e) => ledger_exit_code(e),
            Error::Verifier(e) => verifier_exit_code(e),
            Error::CurrentSetExists { .. } => exit::DATAERR,
            Error::PendingElsewhere { .. } => exit::TEMPFAIL,
            Error::AccountTwice { .. } => exit::DATAERR,
            Error::StaleVerifier(_) => exit::STALE_VERIFIER,
            Error::Scan(ScanError {
                problem: ScanProblem::Unreadable(_),
                ..
            }) => exit::NOINPUT,
            Error::Scan(_) => exit::DATAERR,
            Error::Serve(ServeError::NotLoopback(_)) => exit::USAGE,
            Error::Serve(_) => exit::UNAVAILABLE,
            Error::Config(ConfigError::Unreadable { .. }) => exit::NOINPUT,
            Error::Config(_) => exit::CONFIG,
            Error::Csv(_) => exit::DATAERR,
            Error::Unreadable { .. } => exit::NOINPUT,
            Error::RowsFailed { .. } => exit::SOME_ROWS_FAILED,
            Error::Interrupted => exit::INTERRUPTED,
            Error::NeedsConfirmation => exit::USAGE,
            Error::Declined => exit::DECLINED,
            Error::CopyDestinationNotEmpty(_) => exit::CANTCREAT,
            Error::CopyPending(_) => exit::TEMPFAIL,
            Error::CopyMismatch(_) => exit::IOERR,
            Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => exit::NOINPUT,
            Error::Io { .. } => exit::IOERR,
        }
    }
}

fn ledger_exit_code(e: &LedgerError) -> u8 {
    match e {
        LedgerError::Missing(_) | LedgerError::IsFolder(_) => exit::NOINPUT,
        LedgerError::NotALedger(_)
        | LedgerError::Damaged(_)
        | LedgerError::TooNew { .. }
        | LedgerError::Outdated { .. } => exit::DATAERR,
        LedgerError::ReadOnly(_) => exit::CANTCREAT,
        LedgerError::Busy(_) | LedgerError::DuplicateSetId(_) => exit::TEMPFAIL,
        LedgerError::UnknownAccount(_)
        | LedgerError::UnknownSet(_)
        | LedgerError::NotUsed { .. }
        | LedgerError::ShredCurrent { .. }
        | LedgerError::AlreadyShredded { .. }
        | LedgerError::AccountExists(_)
        | LedgerError::AlreadyRetired { .. }
        | LedgerError::NoCurrentSet(_)
        | LedgerError::NumberOutOfRange { .. }
        | LedgerError::AlreadyUsed { .. } => exit::DATAERR,
        LedgerError::Io(..) | LedgerError::Sqlite(..) | LedgerError::Postgres { .. } => exit::IOERR,
        LedgerError::ConnInfo(ConnInfoError::RootCertMissing(_) | ConnInfoError::PassFile(..)) => {
            exit::NOINPUT
        }
        LedgerError::ConnInfo(ConnInfoError::PassFileTooLarge(_)) => exit::DATAERR,
        LedgerError::ConnInfo(_) => exit::USAGE,
        LedgerError::Connect(e) => match e {
            ConnectError::TlsSetup(_) | ConnectError::NoDatabase { .. } => exit::NOINPUT,
            ConnectError::NoPassword { .. }
            | ConnectError::AuthFailed { .. }
            | ConnectError::Certificate { .. }
            | ConnectError::ServerWithoutTls { .. } => exit::NOPERM,
            ConnectError::Refused { .. }
            | ConnectError::TimedOut { .. }
            | ConnectError::Starting { .. }
            | ConnectError::Other { .. } => exit::UNAVAILABLE,
        },
        LedgerError::ForeignDatabase { .. } | LedgerError::BadValue { .. } => exit::DATAERR,
        LedgerError::NoPrivilege { .. } => exit::NOPERM,
        LedgerError::ConnectionLost { .. } => exit::UNAVAILABLE,
    }
}

fn output_exit_code(e: &OutputError) -> u8 {
    match e {
        OutputError::Exists { .. }
        | OutputError::IsFolder { .. }
        | OutputError::FolderMissing { .. }
        | OutputError::NotWritable { .. } => exit::CANTCREAT,
        OutputError::StdoutIsTerminal | OutputError::Protected { .. } => exit::USAGE,
        OutputError::StdoutClosed => exit::IOERR,
        OutputError::Write { .. } => exit::IOERR,
    }
}

fn verifier_exit_code(e: &VerifierError) -> u8 {
    match e {
        VerifierError::WrongCode | VerifierError::EmptyCode => exit::WRONG_CODE,
        VerifierError::AlreadyUsed { .. } => exit::CODE_USED,
        VerifierError::Exists(_) => exit::CANTCREAT,
        VerifierError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
            exit::NOINPUT
        }
        VerifierError::Io { .. } | VerifierError::Serialize(_) | VerifierError::Hashing(_) => {
            exit::IOERR
        }
        VerifierError::SetChanged { .. } => exit::TEMPFAIL,
        VerifierError::HardLinked { .. } => exit::DATAERR,
        VerifierError::NotAVerifier { .. }
        | VerifierError::UnsupportedVersion { .. }
        | VerifierError::Malformed { .. }
        | VerifierError::UnsupportedAlgorithm { .. }
        | VerifierError::ParamsOutOfRange { .. }
        | VerifierError::Tampered { .. }
        | VerifierError::EmptySet
        | VerifierError::TooManyCodes { .. }
        | VerifierError::NumberOutOfRange { .. } => exit::DATAERR,
    }
}

impl Localized for Error {
    fn msg(&self) -> Msg {
        let file = |key, path: &PathBuf, source: &io::Error| {
            Msg::new(key)
                .with("path", path.display())
                .with("source", source)
        };
        match self {
            Error::InvalidValue(msg)
            | Error::StaleVerifier(msg)
            | Error::Csv(msg)
            | Error::CopyDestinationNotEmpty(msg)
            | Error::CopyPending(msg)
            | Error::CopyMismatch(msg) => msg.clone(),
            Error::Label(e) => e.msg(),
            Error::Format(e) => e.msg(),
            Error::Generate(e) => e.msg(),
            Error::SetId(e) => e.msg(),
            Error::Template(e) => e.msg(),
            Error::Sheet(e) => e.msg(),
            Error::Import(e) => e.msg(),
            Error::ImportInput {
                path: Some(path),
                source,
            } => file("import_unreadable_file", path, source),
            Error::ImportInput { path: None, source } => {
                Msg::new("import_unreadable_stdin").with("source", source)
            }
            Error::StdinIsTerminal => {
                Msg::new("import_nothing_typed").with("paste", crate::import::paste_command())
            }
            Error::TooLarge { input, limit } => Msg::new("input_too_large")
                .with("input", input)
                .with("limit", bytes_for_people(*limit)),
            Error::Output(e) => e.msg(),
            Error::Ledger(e) => e.msg(),
            Error::Verifier(e) => e.msg(),
            Error::CurrentSetExists {
                account,
                generation,
                set_id,
                issued,
            } => Msg::new("current_set_exists")
                .with("account", account)
                .with("generation", generation)
                .with("set_id", set_id)
                .with("issued", issued),
            Error::PendingElsewhere {
                account,
                generation,
                set_id,
            } => Msg::new("pending_elsewhere")
                .with("account", account)
                .with("generation", generation)
                .with("set_id", set_id),
            Error::AccountTwice {
                account,
                generation,
                set_id,
            } => Msg::new("batch_account_twice")
                .with("account", account)
                .with("generation", generation)
                .with("set_id", set_id),
            Error::Scan(e) => e.msg(),
            Error::Serve(e) => e.msg(),
            Error::Config(e) => e.msg(),
            Error::Unreadable { path, source } => file("file_unreadable", path, source),
            Error::RowsFailed { failed, total } => Msg::new("batch_rows_failed")
                .with("failed", failed)
                .with("total", total),
            Error::Interrupted => Msg::new("interrupted"),
            Error::NeedsConfirmation => Msg::new("needs_confirmation"),
            Error::Declined => Msg::new("declined"),
            Error::Io { path, source } => file("file_io", path, source),
        }
    }
}

english_display!(Error);

impl std::error::Error for Error {}

macro_rules! from {
    ($($t:ty => $v:ident),* $(,)?) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::$v(e)
            }
        })*
    };
}

from! {
    LabelError => Label,
    FormatError => Format,
    GenerateError => Generate,
    SetIdError => SetId,
    TemplateError => Template,
    SheetError => Sheet,
    ImportError => Import,
    OutputError => Output,
    LedgerError => Ledger,
    VerifierError => Verifier,
    ScanError => Scan,
    ServeError => Serve,
    ConfigError => Config,
}

/// The server could not start or failed while running.
#[derive(Debug)]
pub enum ServeError {
    /// An address other than 127.0.0.1 or ::1 was asked for.
    NotLoopback(IpAddr),
    /// The port is taken or the address cannot be bound.
    FailedToBind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// Ctrl-C and SIGTERM cannot be listened for.
    FailedToListenForSignals(std::io::Error),
    /// The async runtime could not be built.
    FailedToStartRuntime(std::io::Error),
    /// Accepting connections failed.
    FailedToServe(std::io::Error),
}

impl Localized for ServeError {
    fn msg(&self) -> Msg {
        match self {
            ServeError::NotLoopback(ip) => Msg::new("serve_not_loopback").with("address", ip),
            ServeError::FailedToBind { addr, source } => Msg::new("serve_cannot_listen")
                .with("address", addr)
                .with("source", source),
            ServeError::FailedToListenForSignals(e) => {
                Msg::new("serve_no_signals").with("source", e)
            }
            ServeError::FailedToStartRuntime(e) | ServeError::FailedToServe(e) => {
                Msg::new("serve_failed").with("source", e)
            }
        }
    }
}

english_display!(ServeError);

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::FailedToBind { source, .. } => Some(source),
            ServeError::FailedToStartRuntime(e)
            | ServeError::FailedToServe(e)
            | ServeError::FailedToListenForSignals(e) => Some(e),
            ServeError::NotLoopback(_) => None,
        }
    }
}
