//! Command-line types (clap derive) only; `app` turns them into validated specs.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::lang::{Lang, Paper};
use crate::limits::MAX_IDLE_MINUTES;

const EXIT_CODES: &str = "\
Exit codes:
  0   success (check: the sheet is current)
  2   usage error: a bad flag or value
  3   check: the sheet is superseded by a newer generation (destroy it)
  4   check: the sheet's set was revoked
  5   check: the set ID is unknown to this ledger
  6   verify: the code is wrong
  7   verify: the code was already used
  8   verify: the verifier's set is superseded or revoked in the ledger
  9   batch: some rows failed (the others were printed)
  10  list --due: something needs doing
  1   a confirmation was declined: nothing changed
  65  bad input data (template, imported codes, image, verifier file, batch file,
      ledger content, an account that already has a current set)
  66  an input file is missing or unreadable (or the ledger's database, or
      its TLS root certificate)
  69  the ledger's server cannot be reached, or the connection broke
      mid-command; serve: the port is taken, or the web page failed
  73  the output cannot be created (exists, folder missing or not writable)
  74  input/output error while writing
  75  the ledger is busy: try again
  77  the ledger's server refused the login (password, certificate, privileges)
  78  the config file is invalid
  130 interrupted";

/// Printable recovery sheets for two-factor backup codes.
///
/// Generates a code set (or prints codes a service issued) on a PDF sheet
/// with a checkbox and "used on / by" line per code, and records each
/// generation (never the codes) in a ledger so a found sheet can be
/// checked and old sheets are named for destruction.
#[derive(Debug, Parser)]
#[command(name = "recovery-sheet", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// The ledger of generations: a file (default:
    /// $XDG_DATA_HOME/recovery-sheet/ledger.db) or a team's PostgreSQL
    /// database (postgresql://USER@HOST/DB?sslmode=verify-full).
    #[arg(
        long,
        global = true,
        env = "RECOVERY_SHEET_LEDGER",
        // The URL may hold a password: --help names the variable, never its value.
        hide_env_values = true,
        value_name = "PATH|URL"
    )]
    pub ledger: Option<PathBuf>,

    /// The config file (default: $XDG_CONFIG_HOME/recovery-sheet/config.toml).
    #[arg(
        long,
        global = true,
        env = "RECOVERY_SHEET_CONFIG",
        value_name = "PATH"
    )]
    pub config: Option<PathBuf>,

    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more about what is done (paths, timings).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a new code set and print it on a sheet.
    #[command(after_help = "\
Examples:
  recovery-sheet generate --account shop@example.com
  recovery-sheet generate --account intranet-admin --format 'XXXX-XXXX-XXXX' --count 12 --lang ja
  recovery-sheet generate --account shop@example.com --regenerate --location 'Safe, 2F' --custodian 'K. Sato'
  recovery-sheet generate --account intranet-admin --verifier admin.verifier.json

Format patterns:
  X  a symbol of Crockford base32 (0-9, A-Z without I, L, O, U): 5 bits
  9  a decimal digit: 3.3 bits
  F  a hexadecimal digit: 4 bits
  -  or a space: a separator between groups (printed, never needed when typing)
  The default XXXX-XXXX-XXXX-XXXX gives 80 bits. Under 20 bits is refused;
  under 64 bits (NIST SP 800-63B rev. 4) prints a warning.")]
    Generate(GenerateArgs),

    /// Print the codes a service issued (read from stdin or --from).
    #[command(after_help = "\
Examples:
  pbpaste | recovery-sheet import --account shop@gmail.com --service google        (macOS)
  wl-paste | recovery-sheet import --account shop@gmail.com --service google       (Linux; or xclip -o)
  Get-Clipboard | recovery-sheet import --account shop@gmail.com --service google  (PowerShell)
  recovery-sheet import --account shop-x --service x --from backup-codes.txt
  recovery-sheet import --account shop-x --service x --from new-codes.txt --regenerate

Services: google, instagram, freee, x, github, gitlab, keycloak, nextcloud,
playstation, generic (any codes). Codes are never taken from arguments,
which would end up in the shell history.")]
    Import(ImportArgs),

    /// One line per account: current generation, set ID, codes left.
    List(ListArgs),

    /// The whole history of one account.
    Show(ShowArgs),

    /// Check whether a found sheet is current, by its set ID or a photo of its QR.
    #[command(after_help = "\
Examples:
  recovery-sheet check 7K2Q-M9XA
  recovery-sheet check --scan photo-of-sheet.jpg

Exit 0 only when the sheet is current; 3 superseded, 4 revoked, 5 unknown.")]
    Check(CheckArgs),

    /// Record that code number N of an account's current set was used.
    #[command(after_help = "\
Examples:
  recovery-sheet mark-used shop@example.com 3 --by 'K. Sato'
  recovery-sheet mark-used shop@example.com 3 --undo --by 'K. Sato'   (marked by mistake)")]
    MarkUsed(MarkUsedArgs),

    /// Void the account's current set (its codes were exposed, or lost): asks first on a terminal.
    #[command(after_help = "\
Example:
  recovery-sheet revoke shop@example.com --by 'K. Sato'
  recovery-sheet revoke shop@example.com --yes   (in a script)

Then print a new set (generate or import --regenerate), or `retire` the
account if two-factor was removed at the service.")]
    Revoke(RevokeArgs),

    /// Record an inventory: the current sheet was seen in its place.
    #[command(after_help = "\
Examples:
  recovery-sheet inventory shop@example.com --by 'K. Sato'
  recovery-sheet inventory shop@example.com --by 'K. Sato' --codes-left 7 --location 'Safe, 3F'

The next inventory moves on by `inventory_months` of the config (default 6).
A count of codes left on paper that differs from the ledger is a warning,
and is recorded.")]
    Inventory(InventoryArgs),

    /// Record that the sheet of a superseded or revoked set was destroyed.
    #[command(after_help = "\
Example:
  recovery-sheet shredded 7K2Q-M9XA --by 'K. Sato'")]
    Shredded(ShreddedArgs),

    /// Give an account a new name; its history is kept under the new name.
    #[command(after_help = "\
Example:
  recovery-sheet rename shop@example.com store@example.com --by 'K. Sato'")]
    Rename(RenameArgs),

    /// Two-factor was removed at the service: no current set, nothing due, history kept.
    #[command(after_help = "\
Example:
  recovery-sheet retire old-service --by 'K. Sato'

The current set, if any, is revoked. Printing a new set later makes the
account active again.")]
    Retire(RetireArgs),

    /// Export the audit trail: every event, who did it and when.
    #[command(after_help = "\
Examples:
  recovery-sheet audit > audit.csv
  recovery-sheet audit --account shop@example.com --since 2026/04/01 --format json

CSV is UTF-8 with a byte-order mark, so Excel opens Japanese text as it is.
Events: issued, superseded, never_printed, code_used, code_use_undone,
inventory, shredded, revoked, retired, renamed. Nothing ever removes one.")]
    Audit(AuditArgs),

    /// Check one code (read from stdin) against a verifier file and burn it.
    #[command(after_help = "\
Examples:
  echo 'ABCD-EFGH-JKMN-PQRS' | recovery-sheet verify --verifier admin.verifier.json
  recovery-sheet verify --verifier admin.verifier.json --number 4 < typed-code.txt")]
    Verify(VerifyArgs),

    /// Print a sheet for every row of a CSV file.
    #[command(after_help = "\
Examples:
  recovery-sheet batch accounts.csv --out-dir sheets/
  recovery-sheet batch staff.csv --out-dir sheets/ --verifier-dir verifiers/ --regenerate

accounts.csv (UTF-8, a header row; `account` is required, the other columns
are optional and an empty cell takes the config's value or the default):
  account,format,count,lang,paper,location,custodian,copies
  shop@example.com,,,en,a4,\"Safe, 2F\",K. Sato,2
  intranet-admin,XXXX-XXXX-XXXX,12,ja,,,,

Each row is one sheet and one ledger generation, named like `generate` names
them. A bad row is reported with its row number and the others still print;
the exit code is then 9. Ctrl-C finishes the sheet being recorded, discards
the ones in progress, and exits 130: every recorded generation has its sheet.")]
    Batch(BatchArgs),

    /// Open a web page on this computer for all of the above (for people who do not use a terminal).
    #[command(after_help = "\
Examples:
  recovery-sheet serve
  recovery-sheet serve --port 8765 --no-open --idle-minutes 60

The page listens on 127.0.0.1 and ::1 only. The address printed holds a
one-time token: open it once (the browser is opened on it unless --no-open);
any other browser or program is refused. It stops after --idle-minutes
without use (default 30), or on Ctrl-C.")]
    Serve(ServeArgs),

    /// Show the settings in force and where each came from.
    Config(ConfigArgs),

    /// The ledger itself: copy a whole history between a file and a server.
    Ledger(LedgerArgs),

    /// Print a shell completion script.
    #[command(after_help = "\
Example:
  recovery-sheet completions bash > ~/.local/share/bash-completion/completions/recovery-sheet")]
    Completions(CompletionsArgs),

    /// Print the man page (roff) to stdout.
    #[command(after_help = "\
Example:
  recovery-sheet man > ~/.local/share/man/man1/recovery-sheet.1")]
    Man,
}

/// Options that shape a sheet, shared by `generate` and `import`.
#[derive(Debug, Args, Clone, Default)]
pub struct SheetArgs {
    /// The account the codes unlock, as printed on the sheet (e.g. an e-mail address).
    #[arg(long, value_name = "LABEL")]
    pub account: String,

    /// Sheet language (default: from the config, else the locale).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,

    /// Paper size (default: from the config, else a4).
    #[arg(long, value_enum)]
    pub paper: Option<Paper>,

    /// Where the sheet is kept; printed on it (blank lines to fill in otherwise).
    #[arg(long, value_name = "TEXT")]
    pub location: Option<String>,

    /// Who looks after the sheet; printed on it (blank lines otherwise).
    #[arg(long, value_name = "TEXT")]
    pub custodian: Option<String>,

    /// Print N copies, each page marked "copy k of N" (1 to 10).
    #[arg(long, value_name = "N")]
    pub copies: Option<u32>,

    /// Date of the next inventory: YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日 (default: six
    /// months from today).
    #[arg(long, value_name = "DATE")]
    pub next_inventory: Option<String>,

    /// Your own sheet wording (a copy of templates/en.toml or ja.toml).
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// Where to write the PDF; `-` for stdout (default: <account>-gen<N>-<set id>.pdf).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the output file (and verifier file) if they exist.
    #[arg(long)]
    pub force: bool,

    /// Supersede the account's current set: the new sheet names the old one to destroy.
    #[arg(long)]
    pub regenerate: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub sheet: SheetArgs,

    /// Code pattern: X base32 symbol, 9 digit, F hex digit, - or space between groups.
    #[arg(long, value_name = "PATTERN")]
    pub format: Option<String>,

    /// How many codes (default 10).
    #[arg(long, value_name = "N")]
    pub count: Option<u32>,

    /// Also write an Argon2id verifier file (hashes only) for an in-house service.
    #[arg(long, value_name = "FILE")]
    pub verifier: Option<PathBuf>,

    /// Argon2id memory in KiB for the verifier (default 19456, the OWASP minimum).
    #[arg(long, value_name = "KIB", requires = "verifier")]
    pub verifier_memory: Option<u32>,

    /// Argon2id passes for the verifier (default 2).
    #[arg(long, value_name = "N", requires = "verifier")]
    pub verifier_passes: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub sheet: SheetArgs,

    /// The service that issued the codes (google, instagram, freee, x, github,
    /// gitlab, keycloak, nextcloud, playstation, generic).
    #[arg(long, value_name = "NAME")]
    pub service: String,

    /// Read the codes from this file instead of stdin.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// An array of objects for scripts (account, generation, set_id, issued_at, status,
    /// count, used, due).
    #[arg(long)]
    pub json: bool,
    /// Only accounts with something to do; exit 10 when there is any (for cron).
    #[arg(long)]
    pub due: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The account, as given to generate or import.
    pub account: String,
    /// The history as a JSON array, oldest first.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The set ID printed on the sheet (e.g. 7K2Q-M9XA).
    #[arg(
        value_name = "SET-ID",
        required_unless_present = "scan",
        conflicts_with = "scan"
    )]
    pub set_id: Option<String>,

    /// A photo, scan or PDF of the sheet (PNG, JPEG, TIFF, WebP or PDF); its QR is read.
    #[arg(long, value_name = "IMAGE")]
    pub scan: Option<PathBuf>,

    /// The result as a JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MarkUsedArgs {
    /// The account, as given to generate or import.
    pub account: String,
    /// The code's number on the sheet.
    pub number: u32,
    /// Who used it.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// The code was marked used by mistake: mark it unused again (recorded).
    #[arg(long)]
    pub undo: bool,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The account, as given to generate or import.
    pub account: String,
    /// Who revokes it.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Do not ask (for scripts); without it, a terminal is asked to confirm.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// The account, as given to generate or import.
    pub account: String,
    /// Who checked the sheet.
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// How many codes are left unticked on the paper.
    #[arg(long, value_name = "N")]
    pub codes_left: Option<u32>,
    /// Where the sheet was found (recorded as its storage location).
    #[arg(long, value_name = "TEXT")]
    pub location: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShreddedArgs {
    /// The set ID printed on the destroyed sheet (e.g. 7K2Q-M9XA).
    #[arg(value_name = "SET-ID")]
    pub set_id: String,
    /// Who destroyed it.
    #[arg(long, value_name = "NAME")]
    pub by: String,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The account's name now.
    pub old: String,
    /// Its new name.
    pub new: String,
    /// Who renames it.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct RetireArgs {
    /// The account, as given to generate or import.
    pub account: String,
    /// Who retires it.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Do not ask (for scripts); without it, a terminal is asked to confirm.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this account's events (under its former names too).
    #[arg(long, value_name = "LABEL")]
    pub account: Option<String>,
    /// Only events on or after this date (YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Csv)]
    pub format: AuditFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Comma-separated, UTF-8 with a byte-order mark (Excel opens it as it is).
    Csv,
    /// A JSON array, times in RFC 3339 with their offset.
    Json,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The verifier file written by `generate --verifier`.
    #[arg(long, value_name = "FILE")]
    pub verifier: PathBuf,
    /// Check only the code with this number (one hash per attempt).
    #[arg(long, value_name = "N")]
    pub number: Option<u32>,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The CSV of accounts (header row; `account` required).
    #[arg(value_name = "ACCOUNTS.csv")]
    pub csv: PathBuf,
    /// Folder for the sheets (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Also write a verifier file per sheet into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub verifier_dir: Option<PathBuf>,
    /// Argon2id memory in KiB for the verifiers (default 19456, the OWASP minimum).
    #[arg(long, value_name = "KIB", requires = "verifier_dir")]
    pub verifier_memory: Option<u32>,
    /// Argon2id passes for the verifiers (default 2).
    #[arg(long, value_name = "N", requires = "verifier_dir")]
    pub verifier_passes: Option<u32>,
    /// Supersede accounts that already have a current set.
    #[arg(long)]
    pub regenerate: bool,
    /// Replace sheet files that exist.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one more than the cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// A JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 and ::1 (default: any free port).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Print the address only; do not open a browser.
    #[arg(long)]
    pub no_open: bool,
    /// Stop after this many minutes without a request (1 to 1440; default 30).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_IDLE_MINUTES)))]
    pub idle_minutes: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print each setting in force and where it came from.
    Show {
        /// As a JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    pub command: LedgerCommand,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Copy every generation, used code, account and event to another ledger.
    #[command(after_help = "\
Examples:
  recovery-sheet ledger copy --from ~/.local/share/recovery-sheet/ledger.db \\
      --to 'postgresql://alice@db.example.org/recovery_sheet?sslmode=verify-full'
  recovery-sheet ledger copy --from 'postgresql://alice@db.example.org/recovery_sheet' \\
      --to offline-copy.db

The destination must be empty (a new file, or a database without a ledger):
a copy never overwrites another history or its audit trail. The copy is one
transaction there, and the counts are compared afterwards. Nothing may be
pending (a sheet being printed) in the source.")]
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The ledger to copy: a file's path or a postgresql:// URL.
    #[arg(long, value_name = "PATH|URL")]
    pub from: PathBuf,
    /// The ledger to write: a file's path or a postgresql:// URL.
    #[arg(long, value_name = "PATH|URL")]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

// Languages and papers are named in `lang.rs` only; clap lists and reads
// them through these impls.
impl ValueEnum for Lang {
    fn value_variants<'a>() -> &'a [Self] {
        Lang::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.own_name()))
    }
}

impl ValueEnum for Paper {
    fn value_variants<'a>() -> &'a [Self] {
        Paper::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.describe()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
