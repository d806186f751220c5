//! `batch`: one sheet per CSV row, made on all cores, each recorded with its file.
//!
//! Rows are read one at a time by whichever worker is free, so memory does
//! not grow with the file; the fonts are parsed once and shared. Each worker
//! has its own ledger connection and makes its sheet without the writer lock;
//! only recording takes the lock (see [`issue::issue`]).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::io::{self, BufRead, BufReader, IsTerminal};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::issue::report_lines;
use super::issue::{self, Issued};
use super::spec::{self, Output, SheetRequest, weak_format_warning};
use super::spec::{CodeSource, Place, SheetSpec, Supersede, VerifierSpec};
use super::{Context, Verbosity};
use crate::cli::BatchArgs;
use crate::codes::Format;
use crate::error::Error;
use crate::files::Overwrite;
use crate::interrupt;
use crate::labels::account_label;
use crate::lang::{Lang, Paper};
use crate::ledger::{Actor, LedgerError};
use crate::limits::{MAX_CSV_RECORD_BYTES, MAX_JOBS, bytes_for_people};
use crate::messages::{Localized, Msg};
use crate::sheet::fonts::Fonts;

/// The columns a batch file may have, in the order the help shows them.
const COLUMNS: [&str; 8] = [
    "account",
    "format",
    "count",
    "lang",
    "paper",
    "location",
    "custodian",
    "copies",
];

/// Where each known column is in the file, and how many cells the header has
/// (a row may have fewer: missing cells are empty).
struct Columns {
    index: [Option<usize>; COLUMNS.len()],
    width: usize,
}

impl Columns {
    /// Maps the header row; refuses unknown, repeated and missing required columns.
    fn from_header(header: &csv::StringRecord, path: &Path) -> Result<Columns, Error> {
        let mut found = [None; COLUMNS.len()];
        for (position, name) in header.iter().enumerate() {
            let name = name.trim().to_ascii_lowercase();
            let Some(known) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(Error::Csv(
                    Msg::new("batch_unknown_column")
                        .with("path", path.display())
                        .with("column", name)
                        .with("columns", COLUMNS.join(", ")),
                ));
            };
            if found[known].replace(position).is_some() {
                return Err(Error::Csv(
                    Msg::new("batch_column_twice")
                        .with("path", path.display())
                        .with("column", name),
                ));
            }
        }
        if found[0].is_none() {
            return Err(Error::Csv(
                Msg::new("batch_no_account_column").with("path", path.display()),
            ));
        }
        Ok(Columns {
            index: found,
            width: header.len(),
        })
    }

    /// The trimmed cell of `column`; `None` when the column is absent or the cell blank.
    fn cell<'r>(&self, record: &'r csv::StringRecord, column: &str) -> Option<&'r str> {
        let known = COLUMNS.iter().position(|c| *c == column)?;
        let cell = record.get(self.index[known]?)?.trim();
        (!cell.is_empty()).then_some(cell)
    }
}

/// One row of the file, as flags of `generate` would give it.
struct Row {
    /// The row number a spreadsheet shows (the header is row 1).
    number: u64,
    sheet: SheetRequest,
    format: Option<String>,
    count: Option<u32>,
}

fn parse_number(column: &str, cell: Option<&str>) -> Result<Option<u32>, Error> {
    cell.map(|c| {
        c.parse().map_err(|_| {
            Error::InvalidValue(
                Msg::new("batch_not_a_number")
                    .with("column", column)
                    .with("value", c),
            )
        })
    })
    .transpose()
}

fn parse_choice<T>(
    column: &str,
    cell: Option<&str>,
    from_name: fn(&str) -> Option<T>,
    names: fn() -> String,
) -> Result<Option<T>, Error> {
    cell.map(|c| {
        from_name(c).ok_or_else(|| {
            Error::InvalidValue(
                Msg::new("batch_not_a_choice")
                    .with("column", column)
                    .with("value", c)
                    .with("choices", names()),
            )
        })
    })
    .transpose()
}

impl Row {
    /// The row's values, and its account label as `generate` would take it.
    fn parse(
        number: u64,
        columns: &Columns,
        record: &csv::StringRecord,
        args: &BatchArgs,
    ) -> Result<(Row, String), Error> {
        let cell = |name| columns.cell(record, name);
        // A line break typed inside a spreadsheet cell reads as a space.
        let text = |name| cell(name).map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "));
        let account = text("account").unwrap_or_default();
        let label = account_label(&account)?;
        let row = Row {
            number,
            sheet: SheetRequest {
                account,
                lang: parse_choice("lang", cell("lang"), Lang::from_name, Lang::names)?,
                paper: parse_choice("paper", cell("paper"), Paper::from_name, Paper::names)?,
                location: text("location"),
                custodian: text("custodian"),
                copies: parse_number("copies", cell("copies"))?,
                next_inventory: None,
                template: None,
                output: Output::DefaultNameIn(args.out_dir.clone(), "--out-dir"),
                overwrite: Overwrite::when_forced(args.force),
                supersede: Supersede::when_asked(args.regenerate),
            },
            format: cell("format").map(str::to_owned),
            count: parse_number("count", cell("count"))?,
        };
        Ok((row, label))
    }
}

/// Splits a CSV file into records, one at a time, each with the row number
/// a spreadsheet shows for it: a blank line is a row of its own, a line
/// break inside a quoted cell is not. (The csv crate skips blank lines too,
/// but then counts the record from the first blank line.)
struct Records<R> {
    input: R,
    /// Rows so far: records and blank lines.
    rows: u64,
    /// Whether anything was read yet (for the byte-order mark).
    started: bool,
    path: PathBuf,
}

/// Where a record stands after some of its bytes, read as the csv crate
/// reads them: a quote opens a quoted cell only at the start of a cell (a
/// quote inside a cell, as in `Safe 5" shelf`, is a character); inside one,
/// a doubled quote is a quote and a single one closes it.
#[derive(Default)]
struct Quotes {
    in_quotes: bool,
    just_closed: bool,
    mid_cell: bool,
}

enum Scanned {
    /// The line ends the record.
    Complete,
    /// A quoted cell goes on past the line.
    Open,
    /// A carriage return that does not end a line: the file has old Mac line
    /// ends, which would make the whole file one line.
    BareCarriageReturn,
}

impl Quotes {
    fn scan(&mut self, line: &[u8]) -> Scanned {
        for (i, &b) in line.iter().enumerate() {
            if self.in_quotes {
                if b == b'"' {
                    self.in_quotes = false;
                    self.just_closed = true;
                }
                continue;
            }
            if std::mem::take(&mut self.just_closed) && b == b'"' {
                self.in_quotes = true;
                continue;
            }
            match b {
                b'"' if !self.mid_cell => {
                    self.in_quotes = true;
                    self.mid_cell = true;
                }
                b',' => self.mid_cell = false,
                b'\r' if i + 1 < line.len() && line[i + 1] != b'\n' => {
                    return Scanned::BareCarriageReturn;
                }
                b'\r' | b'\n' => {}
                _ => self.mid_cell = true,
            }
        }
        if self.in_quotes {
            Scanned::Open
        } else {
            Scanned::Complete
        }
    }
}

impl<R: BufRead> Records<R> {
    /// The next record's row number and bytes, or `None` at the end of the file.
    fn next(&mut self) -> Result<Option<(u64, Vec<u8>)>, Error> {
        let mut record = Vec::new();
        let mut quotes = Quotes::default();
        loop {
            let start = record.len();
            // One byte past the limit tells a record that is too long (the
            // line end, CRLF included, is not part of it); the rest of a
            // 50 MB line is never read into memory.
            let room = (MAX_CSV_RECORD_BYTES + 2).saturating_sub(start) as u64;
            let read = (&mut self.input)
                .take(room)
                .read_until(b'\n', &mut record)
                .map_err(|source| Error::Io {
                    path: self.path.clone(),
                    source,
                })?;
            let content = record
                .strip_suffix(b"\r\n")
                .or_else(|| record.strip_suffix(b"\n"))
                .unwrap_or(&record);
            if content.len() > MAX_CSV_RECORD_BYTES {
                // The row the record starts on (not counted yet on its first line).
                let row = self.rows + u64::from(start == 0);
                let key = match quotes.scan(&record[start..]) {
                    Scanned::Open => "batch_quote_not_closed",
                    _ => "batch_record_too_long",
                };
                return Err(self.too_long(key, row));
            }
            if read == 0 {
                // The end of the file (ending an unclosed quote, if any: the
                // CSV parser then takes the rest as the last cell).
                return Ok((!record.is_empty()).then_some((self.rows, record)));
            }
            if !std::mem::replace(&mut self.started, true) {
                // Spreadsheets save "CSV UTF-8" with a byte-order mark.
                if let Some(rest) = record.strip_prefix(b"\xEF\xBB\xBF") {
                    record = rest.to_vec();
                }
            }
            if start == 0 {
                self.rows += 1;
                if record.iter().all(u8::is_ascii_whitespace) {
                    record.clear();
                    continue;
                }
            }
            match quotes.scan(&record[start..]) {
                Scanned::Complete => return Ok(Some((self.rows, record))),
                Scanned::BareCarriageReturn => {
                    return Err(Error::Csv(
                        Msg::new("batch_cr_line_ends").with("path", self.path.display()),
                    ));
                }
                Scanned::Open if record.len() > MAX_CSV_RECORD_BYTES => {
                    return Err(self.too_long("batch_quote_not_closed", self.rows));
                }
                Scanned::Open => {}
            }
        }
    }

    /// A record that starts on `row` goes past the limit: `key` says whether
    /// a quoted cell is still open there.
    fn too_long(&self, key: &'static str, row: u64) -> Error {
        Error::Csv(
            Msg::new(key)
                .with("path", self.path.display())
                .with("row", row)
                .with("limit", bytes_for_people(MAX_CSV_RECORD_BYTES as u64)),
        )
    }
}

/// A cell as a failure line shows it: a label is at most 200 characters, so
/// a longer cell is cut, with the cut shown.
fn shortened(cell: &str) -> String {
    const SHOWN: usize = 60;
    match cell.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &cell[..end]),
        None => cell.to_owned(),
    }
}

/// The cells of one record, or why they cannot be read.
fn cells(record: &[u8]) -> Result<csv::StringRecord, Msg> {
    // The csv crate drops a byte-order mark at the start of what it reads,
    // here every record; only the file's own mark is one ([`Records::next`]
    // drops it). An empty line first, which the parser skips, keeps a
    // U+FEFF that starts a record's first cell.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader((&b"\n"[..]).chain(record));
    let mut cells = csv::StringRecord::new();
    match reader.read_record(&mut cells) {
        Ok(_) => Ok(cells),
        Err(e) => Err(match e.kind() {
            csv::ErrorKind::Utf8 { .. } => Msg::new("batch_row_not_utf8"),
            _ => Msg::new("batch_row_not_csv").with("detail", e),
        }),
    }
}

/// The file being read and the accounts seen so far, shared by the workers.
struct Input {
    records: Records<BufReader<File>>,
    columns: Columns,
    /// The file could not be read on: every worker stops taking rows.
    broken: bool,
    /// Accounts of the rows being made right now, and their row numbers.
    in_flight: HashMap<String, u64>,
}

/// What a worker takes from the input.
enum Next {
    /// A row to make, and its account label.
    Row(Box<Row>, String),
    /// A row that cannot be made into a sheet.
    Bad {
        number: u64,
        account: String,
        error: Error,
    },
    End,
}

impl Input {
    /// Opens the file and reads its header.
    fn open(path: &Path) -> Result<Input, Error> {
        let file = File::open(path).map_err(|source| Error::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        let mut records = Records {
            input: BufReader::new(file),
            rows: 0,
            started: false,
            path: path.to_owned(),
        };
        let header = match records.next()? {
            Some((_, bytes)) => cells(&bytes).map_err(|e| {
                Error::Csv(
                    Msg::new("batch_header_row")
                        .with("path", path.display())
                        .with_msg("error", e),
                )
            })?,
            None => {
                return Err(Error::Csv(
                    Msg::new("batch_empty_file").with("path", path.display()),
                ));
            }
        };
        let columns = Columns::from_header(&header, path)?;
        Ok(Input {
            records,
            columns,
            broken: false,
            in_flight: HashMap::new(),
        })
    }

    fn next(&mut self, args: &BatchArgs) -> Result<Next, Error> {
        if self.broken {
            return Ok(Next::End);
        }
        let record = self.records.next();
        self.broken = record.is_err();
        let Some((number, bytes)) = record? else {
            return Ok(Next::End);
        };
        let bad = |account: &str, error| {
            Ok(Next::Bad {
                number,
                account: shortened(account),
                error,
            })
        };
        let record = match cells(&bytes) {
            Ok(record) => record,
            Err(error) => return bad("", Error::InvalidValue(error)),
        };
        let account = self.columns.cell(&record, "account").unwrap_or_default();
        if record.len() > self.columns.width {
            let error = Error::InvalidValue(
                Msg::new("batch_row_too_wide")
                    .with("cells", record.len())
                    .with("header", self.columns.width),
            );
            return bad(account, error);
        }
        let (row, label) = match Row::parse(number, &self.columns, &record, args) {
            Ok(parsed) => parsed,
            Err(error) => return bad(account, error),
        };
        // An account on two rows: the later row is refused. While the
        // earlier one is still being made, this list of rows in progress
        // (one per worker) says so; once it is recorded, the ledger does
        // (this run printed it: see `issue::Plan::new`). No list of every
        // account grows with the file.
        if let Some(first) = self.in_flight.get(&label) {
            let error = Error::InvalidValue(
                Msg::new("batch_duplicate_account")
                    .with("account", &label)
                    .with("first", first),
            );
            return bad(&label, error);
        }
        self.in_flight.insert(label.clone(), number);
        Ok(Next::Row(Box::new(row), label))
    }
}

/// How progress is shown: a bar on a terminal, a line per row otherwise.
enum Progress {
    Bar(ProgressBar),
    Lines(Verbosity),
}

impl Progress {
    fn new(ctx: &Context, path: &Path) -> Progress {
        if ctx.verbosity == Verbosity::Quiet || !io::stderr().is_terminal() {
            return Progress::Lines(ctx.verbosity);
        }
        // Counting the rows first is one quick pass over the file; only a bar needs it.
        let total = File::open(path).map_or(0, |file| {
            let mut records = Records {
                input: BufReader::new(file),
                rows: 0,
                started: false,
                path: path.to_owned(),
            };
            let mut n = 0u64;
            while let Ok(Some(_)) = records.next() {
                n += 1;
            }
            n.saturating_sub(1)
        });
        // No colour in the template, so NO_COLOR has nothing to turn off.
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed}, {eta}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_message(ctx.messages.text("batch_sheets").to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress::Bar(bar)
    }

    /// A row's sheet was printed: a line of its own without a bar (logs),
    /// nothing with one (the bar counts it).
    fn done(&self, line: &str) {
        if let Progress::Lines(v) = self
            && *v >= Verbosity::Normal
        {
            eprintln!("{line}");
        }
    }

    /// A warning: printed above the bar, or as a line; not with --quiet.
    fn warn(&self, line: &str) {
        match self {
            Progress::Bar(bar) => bar.println(line),
            Progress::Lines(v) if *v >= Verbosity::Normal => eprintln!("{line}"),
            Progress::Lines(_) => {}
        }
    }

    /// A failure: shown even with --quiet.
    fn fail(&self, line: &str) {
        match self {
            Progress::Bar(bar) => bar.println(line),
            Progress::Lines(_) => eprintln!("{line}"),
        }
    }

    fn row_finished(&self) {
        if let Progress::Bar(bar) = self {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// A row that failed, for the JSON summary.
struct Failure {
    row: u64,
    account: String,
    /// In English.
    error: String,
    exit_code: u8,
}

/// How many failed rows the JSON summary lists; the count covers them all,
/// so memory stays flat however many rows fail.
const LISTED_FAILURES: usize = 1000;

#[derive(Default)]
struct Tally {
    printed: usize,
    failed: usize,
    /// The first [`LISTED_FAILURES`] failures, for `--json`.
    listed: Vec<Failure>,
}

impl Tally {
    fn fail(&mut self, failure: Failure) {
        self.failed += 1;
        if self.listed.len() < LISTED_FAILURES {
            self.listed.push(failure);
        }
    }
}

pub fn command(ctx: &Context, args: &BatchArgs) -> Result<(), Error> {
    let jobs = match args.jobs {
        Some(n) if !(1..=MAX_JOBS).contains(&n) => {
            return Err(Error::InvalidValue(
                Msg::new("batch_jobs_out_of_range")
                    .with("jobs", n)
                    .with("max", MAX_JOBS),
            ));
        }
        Some(n) => n,
        // One more worker than cores: each worker waits for its staged
        // file's sync now and then, and another one keeps the core busy.
        None => {
            (std::thread::available_parallelism().map_or(1, NonZeroUsize::get) + 1).min(MAX_JOBS)
        }
    };
    let input = Input::open(&args.csv)?;
    let verifier_params = match &args.verifier_dir {
        Some(_) => Some(spec::verifier_params(
            args.verifier_memory,
            args.verifier_passes,
        )?),
        None => None,
    };
    create_private_dir(&args.out_dir, "--out-dir")?;
    if let Some(dir) = &args.verifier_dir {
        create_private_dir(dir, "--verifier-dir")?;
    }
    // A bad or read-only ledger is refused before any row is read.
    drop(ctx.issuing_ledger()?);
    let fonts = Fonts::load();
    interrupt::install().map_err(|source| Error::Io {
        path: PathBuf::from("<signal handler>"),
        source,
    })?;

    let input = Mutex::new(input);
    let tally = Mutex::new(Tally::default());
    let fatal: Mutex<Option<Error>> = Mutex::new(None);
    let progress = Progress::new(ctx, &args.csv);
    let verifier = verifier_params.map(|params| VerifierSpec {
        place: Place::default_name_in(
            args.verifier_dir.clone().unwrap_or_default(),
            "--verifier-dir",
        ),
        params,
        overwrite: Overwrite::when_forced(args.force),
        threads: NonZeroUsize::MIN,
    });
    let protected = ctx.protected_files(&[&args.csv])?;
    let host = issue::host_name();
    let run = issue::new_run_id();
    let actor = ctx.actor(None);
    let worker = Worker {
        ctx,
        args,
        fonts: &fonts,
        protected: &protected,
        host: &host,
        run: &run,
        actor: &actor,
        verifier: verifier.as_ref(),
        progress: &progress,
        weak_formats_warned: Mutex::new(HashSet::new()),
    };

    let stop_batch = |e: Error| {
        // The others stop at their next row.
        input.lock().unwrap_or_else(|p| p.into_inner()).broken = true;
        fatal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(e);
    };
    std::thread::scope(|scope| {
        let (to_recorder, made) = mpsc::sync_channel(MAX_WAITING);
        for _ in 0..jobs {
            let to_recorder = to_recorder.clone();
            let (worker, input, tally, stop_batch) = (&worker, &input, &tally, &stop_batch);
            scope.spawn(move || {
                if let Err(e) = worker.work(input, tally, &to_recorder) {
                    stop_batch(e);
                }
            });
        }
        drop(to_recorder);
        if let Err(e) = worker.record(&input, &tally, &made) {
            stop_batch(e);
        }
        // Sheets made but not recorded (the batch stopped) vanish with
        // their staged files; the workers find no recorder and stop.
        drop(made);
    });
    progress.finish();

    let tally = tally.into_inner().unwrap_or_else(|p| p.into_inner());
    summarise(ctx, args, &tally);
    if let Some(e) = fatal.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    if interrupt::requested() {
        return Err(Error::Interrupted);
    }
    if tally.failed > 0 {
        return Err(Error::RowsFailed {
            failed: tally.failed,
            total: tally.failed + tally.printed,
        });
    }
    Ok(())
}

/// What every worker shares.
struct Worker<'a> {
    ctx: &'a Context,
    args: &'a BatchArgs,
    fonts: &'a Fonts,
    /// Files no sheet may be (the ledger's, the config, the CSV file).
    protected: &'a [PathBuf],
    host: &'a str,
    /// This run: the ledger tells which accounts it printed already.
    run: &'a str,
    actor: &'a Actor,
    verifier: Option<&'a VerifierSpec>,
    progress: &'a Progress,
    /// Formats already warned about as weak.
    weak_formats_warned: Mutex<HashSet<String>>,
}

impl Worker<'_> {
    /// Takes rows until the input ends, a stop is asked for or the recorder
    /// is gone, and makes each row's sheet (step 1 of the issuing protocol)
    /// for the recorder. An error here (the file cannot be read, the ledger
    /// cannot be opened) ends the batch.
    fn work(
        &self,
        input: &Mutex<Input>,
        tally: &Mutex<Tally>,
        to_recorder: &SyncSender<MadeRow>,
    ) -> Result<(), Error> {
        let mut ledger = self.ctx.issuing_ledger()?;
        let mut rng = rand::rand_core::UnwrapErr(rand::rngs::SysRng);
        loop {
            if interrupt::requested() {
                return Ok(());
            }
            let next = input
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .next(self.args)?;
            let (number, account, error) = match next {
                Next::End => return Ok(()),
                Next::Bad {
                    number,
                    account,
                    error,
                } => (number, account, error),
                Next::Row(row, label) => match self.prepare_row(&row, &mut ledger, &mut rng) {
                    Ok((spec, source, prepared)) => {
                        let made = MadeRow {
                            number: row.number,
                            label,
                            spec,
                            source,
                            prepared,
                        };
                        if to_recorder.send(made).is_err() {
                            // The recorder stopped the batch.
                            return Ok(());
                        }
                        continue;
                    }
                    Err(error) => {
                        release(input, &label);
                        (row.number, row.sheet.account.trim().to_owned(), error)
                    }
                },
            };
            match self.ended(error) {
                RowFailure::Stopped => return Ok(()),
                RowFailure::Fatal(e) => return Err(e),
                RowFailure::Failed(failure) => self.failed(tally, number, account, &failure),
            }
        }
    }

    /// Records the sheets the workers made, many to a commit: whatever is
    /// waiting when the previous group is done (steps 2 to 5 of the issuing
    /// protocol, [`issue::issue_group`]). Its error ends the batch.
    fn record(
        &self,
        input: &Mutex<Input>,
        tally: &Mutex<Tally>,
        made: &Receiver<MadeRow>,
    ) -> Result<(), Error> {
        let mut ledger = self.ctx.issuing_ledger()?;
        let mut rng = rand::rand_core::UnwrapErr(rand::rngs::SysRng);
        let mut no_stdout = no_stdout;
        while let Ok(first) = made.recv() {
            let group: Vec<MadeRow> = std::iter::once(first)
                .chain(made.try_iter().take(MAX_GROUP - 1))
                .collect();
            if interrupt::requested() {
                // Not recorded yet: dropped, they leave nothing behind.
                for row in &group {
                    release(input, &row.label);
                }
                continue;
            }
            let mut rows = Vec::with_capacity(group.len());
            let mut prepared = Vec::with_capacity(group.len());
            for row in group {
                let MadeRow {
                    number,
                    label,
                    spec,
                    source,
                    prepared: p,
                } = row;
                rows.push((number, label, spec, source));
                prepared.push(p);
            }
            let sheets = rows
                .iter()
                .zip(prepared)
                .map(|((_, _, spec, source), prepared)| issue::Sheet {
                    spec,
                    source,
                    verifier: self.verifier,
                    prepared,
                })
                .collect();
            let outcome = issue::issue_group(
                &mut ledger,
                sheets,
                &mut self.tools(&mut rng, &mut no_stdout),
            );
            for (_, label, _, _) in &rows {
                release(input, label);
            }
            let outcomes = match outcome {
                Ok(outcomes) => outcomes,
                Err(error) => match self.ended(error) {
                    RowFailure::Stopped => continue,
                    RowFailure::Fatal(e) => return Err(e),
                    // The group's error is each row's.
                    RowFailure::Failed(failure) => {
                        for (number, _, spec, _) in &rows {
                            self.failed(tally, *number, spec.account.clone(), &failure);
                        }
                        continue;
                    }
                },
            };
            for ((number, _, spec, _), outcome) in rows.iter().zip(outcomes) {
                match outcome {
                    Ok(issued) => self.printed(tally, *number, &issued),
                    Err(error) => match self.ended(error) {
                        RowFailure::Stopped => {}
                        RowFailure::Fatal(e) => return Err(e),
                        RowFailure::Failed(failure) => {
                            self.failed(tally, *number, spec.account.clone(), &failure);
                        }
                    },
                }
            }
        }
        Ok(())
    }

    /// What an error means for the batch.
    fn ended(&self, error: Error) -> RowFailure {
        match error {
            // A row cut short by Ctrl-C left nothing behind and is not a failure of its own.
            Error::Interrupted => RowFailure::Stopped,
            // So is a row whose wait for the ledger was given up because
            // of the stop: it was not reached, the ledger is not at fault.
            Error::Ledger(LedgerError::Busy(_)) if interrupt::requested() => RowFailure::Stopped,
            // The ledger's server went away: every later row would fail
            // the same way, so the batch stops here (what was recorded
            // before is kept; the next run finishes what was in flight).
            Error::Ledger(e) if e.connection_lost() => RowFailure::Fatal(Error::Ledger(e)),
            error => RowFailure::Failed(Rendered {
                message: error.message(&self.ctx.messages),
                text: error.to_string(),
                exit_code: error.exit_code(),
            }),
        }
    }

    fn printed(&self, tally: &Mutex<Tally>, number: u64, issued: &Issued) {
        let text = report_lines(self.ctx, issued).join("; ");
        self.progress.done(&self.ctx.messages.fill(
            "batch_row",
            &[("row", &number.to_string()), ("text", &text)],
        ));
        tally.lock().unwrap_or_else(|p| p.into_inner()).printed += 1;
        self.progress.row_finished();
    }

    fn failed(&self, tally: &Mutex<Tally>, number: u64, account: String, failure: &Rendered) {
        let account = shortened(account.trim());
        let key = if account.is_empty() {
            "batch_row_failed_no_account"
        } else {
            "batch_row_failed"
        };
        self.progress.fail(&self.ctx.messages.fill(
            key,
            &[
                ("row", &number.to_string()),
                ("account", &account),
                ("error", &failure.message),
            ],
        ));
        tally
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fail(Failure {
                row: number,
                account,
                error: failure.text.clone(),
                exit_code: failure.exit_code,
            });
        self.progress.row_finished();
    }

    /// The issuing tools of a batch: files only, never stdout.
    fn tools<'t, R: rand::CryptoRng + ?Sized>(
        &'t self,
        rng: &'t mut R,
        stdout: &'t mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> issue::Tools<'t, R> {
        issue::Tools {
            fonts: self.fonts,
            rng,
            clock: &super::now,
            stdout,
            protected: self.protected,
            stop: &interrupt::requested,
            host: self.host,
            run: self.run,
            actor: self.actor,
            checkpoint: &issue::every_step,
        }
    }

    /// Step 1 of the issuing protocol for a row: its spec, its codes' source,
    /// and the sheet made and staged.
    fn prepare_row(
        &self,
        row: &Row,
        ledger: &mut super::OnDemand,
        rng: &mut rand::rand_core::UnwrapErr<rand::rngs::SysRng>,
    ) -> Result<(SheetSpec, CodeSource, issue::Prepared), Error> {
        let ctx = self.ctx;
        let mut request = row.sheet.clone();
        let row_line = |text: &str| {
            self.progress.warn(&ctx.messages.fill(
                "batch_row",
                &[("row", &row.number.to_string()), ("text", text)],
            ))
        };
        let (spec, resolved) = spec::resolved_spec(
            ctx,
            ledger,
            &mut request,
            row.format.as_deref(),
            row.count,
            &row_line,
        )?;
        let count = spec::checked_count(resolved.count.0)?;
        let format = Format::parse_for_generation(&resolved.format.0)?;
        let first_use = self
            .weak_formats_warned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(format.pattern());
        // Once per format, not once per row of a 10,000-row file.
        if let Some(warning) = weak_format_warning(ctx, &format).filter(|_| first_use) {
            self.progress.warn(&ctx.messages.fill(
                "batch_row",
                &[
                    ("row", &row.number.to_string()),
                    (
                        "text",
                        &format!("{}: {warning}", ctx.messages.text("warning")),
                    ),
                ],
            ));
        }
        let source = CodeSource::Generate { format, count };
        let mut no_stdout = no_stdout;
        let prepared = issue::prepare(
            ledger,
            &spec,
            &source,
            self.verifier,
            &mut self.tools(rng, &mut no_stdout),
        )?;
        Ok((spec, source, prepared))
    }
}

/// A batch writes files only.
fn no_stdout(_: &[u8]) -> io::Result<()> {
    Err(io::Error::other(
        "a batch writes files only: this is a bug in recovery-sheet",
    ))
}

/// A row's account is no longer in progress.
fn release(input: &Mutex<Input>, label: &str) {
    input
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .in_flight
        .remove(label);
}

/// A row's sheet made and staged by a worker, waiting for the recorder.
struct MadeRow {
    number: u64,
    /// The account's label, in progress until the row is recorded.
    label: String,
    spec: SheetSpec,
    source: CodeSource,
    prepared: issue::Prepared,
}

/// How many made sheets may wait for the recorder: the workers wait when it
/// is this far behind (each waiting sheet holds its staged file open).
const MAX_WAITING: usize = 64;
/// The most sheets recorded in one commit.
const MAX_GROUP: usize = 64;

/// How a row that was not printed ends.
enum RowFailure {
    /// Cut short by a stop: not a failure of its own.
    Stopped,
    /// Every later row would fail the same way: the batch ends.
    Fatal(Error),
    Failed(Rendered),
}

/// A row's failure as the progress lines and the JSON summary show it.
struct Rendered {
    /// In the user's language.
    message: String,
    /// In English, for scripts.
    text: String,
    exit_code: u8,
}

/// The closing lines: how many printed and failed, and where the sheets are.
fn summarise(ctx: &Context, args: &BatchArgs, tally: &Tally) {
    let m = &ctx.messages;
    let dir = args.out_dir.display().to_string();
    if args.json {
        let failed: Vec<_> = tally
            .listed
            .iter()
            .map(|f| {
                // In English whatever the locale, as scripts read it.
                json!({
                    "row": f.row,
                    "account": f.account,
                    "error": f.error,
                    "exit_code": f.exit_code,
                })
            })
            .collect();
        let doc = json!({
            "printed": tally.printed,
            "failed": failed,
            "failed_count": tally.failed,
            "failed_listed": tally.listed.len(),
            "interrupted": interrupt::requested(),
            "out_dir": dir,
            "verifier_dir": args.verifier_dir.as_ref().map(|d| d.display().to_string()),
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    let values = [
        ("printed", tally.printed.to_string()),
        ("failed", tally.failed.to_string()),
        ("dir", dir),
    ];
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = if interrupt::requested() {
        "batch_interrupted"
    } else {
        "batch_summary"
    };
    // The summary says what happened to the whole file: shown even with --quiet
    // when something went wrong.
    if ctx.verbosity >= Verbosity::Normal || tally.failed > 0 || interrupt::requested() {
        eprintln!("{}", m.fill(key, &values));
    }
}

/// Creates `dir` and any missing parents, mode 0700 on Unix (it will hold
/// backup codes); an existing folder is left as it is.
fn create_private_dir(dir: &Path, flag: &'static str) -> Result<(), Error> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| {
        Error::Output(crate::output::OutputError::NotWritable {
            dir: dir.to_owned(),
            flag,
            source,
        })
    })
}

/// A record's cells as [`read_records`] gives them, or why they cannot be read.
#[cfg(test)]
pub(crate) type TestCells = Result<Vec<String>, Msg>;

/// A row as [`read_rows`] gives it: its account label, or why it is refused.
#[cfg(test)]
pub(crate) type TestRow = Result<String, Error>;

/// For the property tests (src/properties.rs): `input` split and read as a
/// batch file is, each record with its spreadsheet row number and its cells
/// (or why they cannot be read), and the error that stopped the reading.
#[cfg(test)]
pub(crate) fn read_records(input: &[u8]) -> (Vec<(u64, TestCells)>, Option<Error>) {
    let mut records = Records {
        input,
        rows: 0,
        started: false,
        path: PathBuf::from("accounts.csv"),
    };
    let mut out = Vec::new();
    loop {
        match records.next() {
            Ok(Some((row, bytes))) => {
                out.push((
                    row,
                    cells(&bytes).map(|c| c.iter().map(str::to_owned).collect()),
                ));
            }
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

/// For the property tests: the batch file at `path` read as `batch` reads
/// it, without making a sheet: each row's number and its account label, or
/// why the row is refused.
#[cfg(test)]
pub(crate) fn read_rows(path: &Path) -> Result<Vec<(u64, TestRow)>, Error> {
    let args = BatchArgs {
        csv: path.to_owned(),
        out_dir: PathBuf::from("sheets"),
        verifier_dir: None,
        verifier_memory: None,
        verifier_passes: None,
        regenerate: false,
        force: false,
        jobs: None,
        json: false,
    };
    let mut input = Input::open(path)?;
    let mut out = Vec::new();
    loop {
        match input.next(&args)? {
            Next::End => return Ok(out),
            Next::Row(row, label) => out.push((row.number, Ok(label))),
            Next::Bad { number, error, .. } => out.push((number, Err(error))),
        }
    }
}

/// Each way a batch file or one of its rows is refused, read from files
/// written into `dir`, for the message tests.
#[cfg(test)]
pub(crate) fn sample_errors(dir: &Path) -> Vec<(&'static str, Error)> {
    let args = BatchArgs {
        csv: PathBuf::new(),
        out_dir: PathBuf::new(),
        verifier_dir: None,
        verifier_memory: None,
        verifier_passes: None,
        regenerate: false,
        force: false,
        jobs: None,
        json: false,
    };
    let file = dir.join("accounts.csv");
    let mut out = Vec::new();
    let long_quote = format!(
        "account\n\"{}",
        format!("{}\n", "x".repeat(1000)).repeat(70)
    );
    for (label, content) in [
        ("batch_empty_file", &b""[..]),
        ("batch_unknown_column", b"account,colour\n"),
        ("batch_column_twice", b"account,lang,LANG\n"),
        ("batch_no_account_column", b"lang\n"),
        ("batch_header_not_utf8", b"\xff,account\n"),
    ] {
        std::fs::write(&file, content).unwrap();
        match Input::open(&file) {
            Ok(_) => panic!("{label}: the header was accepted"),
            Err(e) => out.push((label, e)),
        }
    }
    std::fs::write(
        &file,
        b"account,count,lang,copies\n\
          ok,,,\n\
          bad-lang,,fr,\n\
          nan,x,,\n\
          ok,,,\n\
          wide,,,,,\n\
          \xff,,,\n",
    )
    .unwrap();
    let mut input = Input::open(&file).unwrap();
    let mut labels = [
        "batch_not_a_choice",
        "batch_not_a_number",
        "batch_duplicate_account",
        "batch_row_too_wide",
        "batch_row_not_utf8",
    ]
    .into_iter();
    loop {
        match input.next(&args) {
            Ok(Next::End) => break,
            Ok(Next::Row(..)) => {}
            Ok(Next::Bad { error, .. }) => out.push((labels.next().unwrap(), error)),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(labels.next(), None);
    std::fs::write(&file, long_quote).unwrap();
    let mut input = Input::open(&file).unwrap();
    match input.next(&args) {
        Err(e) => out.push(("batch_quote_not_closed", e)),
        Ok(_) => panic!("an unclosed quote was read"),
    }
    std::fs::write(
        &file,
        format!("account\n{}\n", "x".repeat(MAX_CSV_RECORD_BYTES + 10)),
    )
    .unwrap();
    let mut input = Input::open(&file).unwrap();
    match input.next(&args) {
        Err(e) => out.push(("batch_record_too_long", e)),
        Ok(_) => panic!("a record over the limit was read"),
    }
    out.push((
        "batch_account_twice",
        Error::AccountTwice {
            account: "shop@example.com".into(),
            generation: 3,
            set_id: "7K2Q-M9XA".into(),
        },
    ));
    std::fs::write(&file, "account,lang\rok,en\r").unwrap();
    match Input::open(&file) {
        Err(e) => out.push(("batch_cr_line_ends", e)),
        Ok(_) => panic!("a file with CR line ends was read"),
    }
    out.push((
        "batch_jobs_out_of_range",
        Error::InvalidValue(
            Msg::new("batch_jobs_out_of_range")
                .with("jobs", 0)
                .with("max", MAX_JOBS),
        ),
    ));
    out.push((
        "batch_row_not_csv",
        Error::InvalidValue(Msg::new("batch_row_not_csv").with("detail", "oops")),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells_of(input: &[u8]) -> Vec<(u64, Vec<String>)> {
        let (records, error) = read_records(input);
        assert!(error.is_none(), "{error:?}");
        records
            .into_iter()
            .map(|(row, cells)| (row, cells.unwrap_or_else(|e| panic!("{e:?}"))))
            .collect()
    }

    /// Found by the property tests (src/properties.rs): the csv crate took a
    /// U+FEFF starting any record for a file's byte-order mark.
    #[test]
    fn a_record_that_starts_with_u_feff_keeps_it() {
        let read = cells_of("\u{FEFF}account\n\u{FEFF}shop,x\n\u{FEFF}\"a,b\"\n".as_bytes());
        let row = |n, cells: &[&str]| (n, cells.iter().map(|c| c.to_string()).collect());
        assert_eq!(
            read,
            [
                row(1, &["account"]),
                row(2, &["\u{FEFF}shop", "x"]),
                // Not a quoted cell, as a spreadsheet reads it mid-file.
                row(3, &["\u{FEFF}\"a", "b\""]),
            ]
        );
    }

    /// Found by the property tests: a quoted cell past the limit on its
    /// record's first line was called never closed, on the row before, and
    /// the limit went unnamed; a record of exactly the limit was refused
    /// with CRLF line ends and read with LF ones.
    #[test]
    fn a_record_is_refused_past_the_limit_on_its_row_whatever_its_line_ends() {
        let x = "x".repeat(MAX_CSV_RECORD_BYTES);
        for record in [format!("\"{x}\""), format!("{x}y")] {
            let (read, error) = read_records(format!("account\n{record}\nnext\n").as_bytes());
            let text = error.map(|e| e.to_string()).unwrap_or_default();
            assert!(text.contains("row 2") && text.contains("64 KiB"), "{text}");
            assert_eq!(read.len(), 1);
        }
        for end in ["\n", "\r\n"] {
            let read = cells_of(format!("account{end}{x}{end}next{end}").as_bytes());
            assert_eq!(read.len(), 3, "{end:?}");
            assert_eq!(read[1], (2, vec![x.clone()]), "{end:?}");
        }
    }
}
