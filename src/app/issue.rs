//! Issuing a sheet (generate, import, batch): ledger lineage -> code set -> PDF -> file and ledger entry, committed together.
//!
//! The expensive part (codes, PDF, Argon2id hashes, temporary files) is done
//! without holding the ledger's writer lock, on the lineage as last read.
//! Under the lock the lineage is read again; if another writer changed it
//! meanwhile, the sheet is made anew under the lock, so what a sheet says it
//! replaces is always what the ledger records.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Months, NaiveDate};
use rand::CryptoRng;

use super::Context;
use crate::codes::{CodeSet, Format, SetId, generate_set};
use crate::error::Error;
use crate::import::{self, Preset};
use crate::interrupt;
use crate::ledger::{GenerationRecord, Ledger, Lineage, NewGeneration, WriteTxn};
use crate::messages::Msg;
use crate::output::{self, Overwrite, Placed, Prepared};
use crate::sheet::fonts::Fonts;
use crate::sheet::{self, Paper, ReplacedSet, SheetContent, UseOrder};
use crate::template::{Key, Template};
use crate::verifier::{self, SetMeta, VerifierParams};

/// Where a file goes, and the option that said so (for advice in errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub target: Target,
    /// `-o`, `--verifier`, `--out-dir`, `--verifier-dir`.
    pub flag: &'static str,
}

/// The file itself, or a folder to give it its default name in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// This exact path.
    Path(PathBuf),
    /// The default name (account, generation, set ID) in this folder.
    DefaultNameIn(PathBuf),
}

impl Place {
    pub fn path(path: PathBuf, flag: &'static str) -> Place {
        Place {
            target: Target::Path(path),
            flag,
        }
    }

    pub fn default_name_in(dir: PathBuf, flag: &'static str) -> Place {
        Place {
            target: Target::DefaultNameIn(dir),
            flag,
        }
    }

    /// Fails before any work when the file could not be written.
    fn precheck(&self, overwrite: Overwrite) -> Result<(), Error> {
        match &self.target {
            Target::Path(path) => output::precheck(path, overwrite, self.flag)?,
            Target::DefaultNameIn(dir) => output::precheck_folder(dir, self.flag)?,
        }
        Ok(())
    }

    fn resolve(&self, default_name: impl FnOnce() -> String) -> PathBuf {
        match &self.target {
            Target::Path(path) => path.clone(),
            Target::DefaultNameIn(dir) => dir.join(default_name()),
        }
    }

    /// Writes `bytes` to a private temporary file beside the destination.
    fn prepare(&self, path: &Path, bytes: &[u8], overwrite: Overwrite) -> Result<Prepared, Error> {
        Ok(output::prepare(path, bytes, overwrite, self.flag)?)
    }
}

/// Where the PDF goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    File(Place),
    Stdout,
}

/// Whether an account that has a current set may get a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Supersede {
    #[default]
    Refuse,
    Allow,
}

/// When the next inventory is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextInventory {
    On(NaiveDate),
    MonthsAfterIssue(u32),
}

/// Everything about a sheet except its codes, validated.
#[derive(Debug, Clone)]
pub struct SheetSpec {
    pub account: String,
    pub template: Template,
    pub paper: Paper,
    pub organisation: Option<String>,
    pub location: Option<String>,
    pub custodian: Option<String>,
    pub copies: u32,
    pub next_inventory: NextInventory,
    pub destination: Destination,
    pub overwrite: Overwrite,
    pub supersede: Supersede,
}

/// Where the codes come from.
pub enum CodeSource {
    /// Fresh codes from the RNG, drawn anew each time the sheet is made.
    Generate { format: Format, count: usize },
    /// Codes a service issued.
    Import {
        preset: &'static Preset,
        set: CodeSet,
    },
}

/// An Argon2id verifier to write beside the sheet.
#[derive(Debug, Clone)]
pub struct VerifierSpec {
    pub place: Place,
    pub params: VerifierParams,
    pub overwrite: Overwrite,
    /// Hashing threads: all cores for one sheet; one per sheet in a batch,
    /// whose sheets already use every core (and each hash takes `m_kib`).
    pub threads: NonZeroUsize,
}

/// What the ledger says the new set replaces, decided before any code exists.
#[derive(Debug, Clone)]
pub struct Plan {
    pub generation: u32,
    /// The sheet to destroy: the current set, or (after a revoke) the latest one.
    pub replaced: Option<GenerationRecord>,
    /// How many sets before `replaced` the ledger knows.
    pub older_sets: usize,
}

impl Plan {
    /// Refuses an account with a current set unless superseding is allowed.
    pub fn new(account: &str, lineage: Lineage, supersede: Supersede) -> Result<Plan, Error> {
        if let (Some(current), Supersede::Refuse) = (&lineage.current, supersede) {
            return Err(Error::CurrentSetExists {
                account: account.to_owned(),
                generation: current.generation,
                set_id: current.set_id.to_string(),
                issued: current.issued_at.format("%Y-%m-%d %H:%M %:z").to_string(),
            });
        }
        let mut earlier = lineage.earlier.into_iter();
        let replaced = lineage.current.or_else(|| earlier.next());
        Ok(Plan {
            generation: lineage.next_generation,
            replaced,
            older_sets: earlier.len(),
        })
    }

    /// Whether a sheet made on `self` says the same as one made on `other`.
    fn prints_like(&self, other: &Plan) -> bool {
        self.generation == other.generation
            && self.older_sets == other.older_sets
            && self.replaced.as_ref().map(|r| (&r.set_id, r.generation))
                == other.replaced.as_ref().map(|r| (&r.set_id, r.generation))
    }
}

/// What was issued, for the report (no codes).
#[derive(Debug)]
pub struct Issued {
    /// `None` when the PDF went to stdout.
    pub path: Option<PathBuf>,
    pub account: String,
    pub generation: u32,
    pub set_id: SetId,
    pub count: usize,
    pub bits: f64,
    pub replaced: Option<GenerationRecord>,
    pub verifier: Option<PathBuf>,
}

/// A made sheet waiting to be placed and recorded: the PDF (in a private
/// temporary file beside its destination, or in memory for stdout), the
/// verifier file, and the ledger row.
struct Rendered {
    plan: Plan,
    record: NewGeneration,
    pdf: Pdf,
    verifier: Option<Prepared>,
    issued: Issued,
}

enum Pdf {
    File(Prepared),
    Stdout(Vec<u8>),
}

/// Issues one sheet: makes it on the lineage as read, then records it under
/// the ledger's writer lock, making it anew first if the lineage changed.
/// Any failure (or Ctrl-C) before the commit leaves no file and no ledger change.
#[allow(clippy::too_many_arguments)]
pub fn issue<R: CryptoRng + ?Sized>(
    ledger: &mut dyn Ledger,
    spec: &SheetSpec,
    source: &CodeSource,
    verifier_spec: Option<&VerifierSpec>,
    fonts: &Fonts,
    rng: &mut R,
    clock: &dyn Fn() -> DateTime<FixedOffset>,
    stdout: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> Result<Issued, Error> {
    // Refuse before any work when the output cannot be written.
    if let Destination::File(place) = &spec.destination {
        place.precheck(spec.overwrite)?;
    }
    if let Some(v) = verifier_spec {
        v.place.precheck(v.overwrite)?;
        v.params.validate()?;
    }

    let plan = Plan::new(
        &spec.account,
        ledger.lineage(&spec.account)?,
        spec.supersede,
    )?;
    let made = render(spec, source, plan, verifier_spec, fonts, rng, clock())?;

    // A wait for the lock cut short by Ctrl-C is the stop it asked for.
    let mut txn = ledger.begin_write().map_err(|e| {
        if interrupt::requested() {
            Error::Interrupted
        } else {
            e.into()
        }
    })?;
    let plan = Plan::new(&spec.account, txn.lineage(&spec.account)?, spec.supersede)?;
    let made = if made.plan.prints_like(&plan) {
        made
    } else {
        // Another writer got there first: this sheet would name the wrong set
        // to destroy. Its temporary files go with it.
        drop(made);
        render(spec, source, plan, verifier_spec, fonts, rng, clock())?
    };
    commit(txn, made, stdout)
}

/// Makes the code set, the PDF and the verifier, and writes them to private
/// temporary files. Nothing is visible at the destinations yet.
fn render<R: CryptoRng + ?Sized>(
    spec: &SheetSpec,
    source: &CodeSource,
    plan: Plan,
    verifier_spec: Option<&VerifierSpec>,
    fonts: &Fonts,
    rng: &mut R,
    now: DateTime<FixedOffset>,
) -> Result<Rendered, Error> {
    let generation = plan.generation;
    let set_id = SetId::generate(rng);
    let generated;
    let (set, advice, order, service, source_name) = match source {
        CodeSource::Generate { format, count } => {
            generated = generate_set(rng, format, *count)?;
            (
                &generated,
                Key::AdviceGenerated,
                UseOrder::AnyOrder,
                None,
                "generated".to_owned(),
            )
        }
        CodeSource::Import { preset, set } => (
            set,
            Key::from_name(preset.advice_key).unwrap_or(Key::AdviceGeneric),
            match preset.order {
                import::UseOrder::InOrder => UseOrder::InOrder,
                import::UseOrder::AnyOrder => UseOrder::AnyOrder,
            },
            (preset.name != import::GENERIC).then_some(preset.display_name),
            format!("import:{}", preset.name),
        ),
    };
    let next_inventory = match spec.next_inventory {
        NextInventory::On(date) => date,
        NextInventory::MonthsAfterIssue(m) => now
            .date_naive()
            .checked_add_months(Months::new(m))
            .unwrap_or(now.date_naive()),
    };
    let content = SheetContent {
        template: &spec.template,
        paper: spec.paper,
        account: &spec.account,
        service,
        organisation: spec.organisation.as_deref(),
        issued_at: now,
        generation,
        set_id: &set_id,
        codes: set,
        replaces: plan.replaced.as_ref().map(|r| ReplacedSet {
            set_id: r.set_id.clone(),
            generation: r.generation,
            issued_at: r.issued_at,
        }),
        older_sets: plan.older_sets,
        location: spec.location.as_deref(),
        custodian: spec.custodian.as_deref(),
        next_inventory: Some(next_inventory),
        order,
        advice,
        copies: spec.copies,
    };
    let pdf = sheet::render(&content, fonts)?;

    let verifier_path = verifier_spec.map(|v| {
        v.place.resolve(|| {
            output::default_verifier_name(&spec.account, generation, &set_id.to_string())
        })
    });
    let (pdf, sheet_path) = match &spec.destination {
        Destination::File(place) => {
            let path = place.resolve(|| {
                output::default_sheet_name(&spec.account, generation, &set_id.to_string())
            });
            // With --force the verifier would replace the sheet just placed.
            if verifier_path
                .as_deref()
                .is_some_and(|v| output::same_file(v, &path))
            {
                return Err(Error::InvalidValue(
                    Msg::new("same_sheet_and_verifier").with("path", path.display()),
                ));
            }
            (
                Pdf::File(place.prepare(&path, &pdf, spec.overwrite)?),
                Some(path),
            )
        }
        Destination::Stdout => (Pdf::Stdout(pdf), None),
    };

    let verifier = match (verifier_spec, &verifier_path) {
        (Some(v), Some(path)) => {
            let meta = SetMeta {
                account: spec.account.clone(),
                set_id: set_id.clone(),
                generation,
                issued_at: now,
            };
            let json =
                verifier::export_with_threads(&meta, set, &v.params, rng, v.threads)?.to_json()?;
            Some(v.place.prepare(path, json.as_bytes(), v.overwrite)?)
        }
        _ => None,
    };

    let record = NewGeneration {
        account: spec.account.clone(),
        set_id: set_id.clone(),
        issued_at: now,
        count: u32::try_from(set.len()).unwrap_or(u32::MAX),
        format: set.format().pattern(),
        source: source_name,
        copies: spec.copies,
        location: spec.location.clone(),
        custodian: spec.custodian.clone(),
        next_inventory: Some(next_inventory),
    };
    let issued = Issued {
        path: sheet_path,
        account: spec.account.clone(),
        generation,
        set_id,
        count: set.len(),
        bits: set.format().bits(),
        replaced: plan.replaced.clone(),
        verifier: verifier_path,
    };
    Ok(Rendered {
        plan,
        record,
        pdf,
        verifier,
        issued,
    })
}

/// Records the generation, places the files, and commits; if any step fails
/// (or a stop was asked for before the files were placed), the placed files
/// are taken back and the transaction rolls back when dropped.
///
/// A PDF for stdout is written before the commit, like a file is placed
/// before it: if writing fails nothing is recorded. What cannot be taken
/// back is a PDF already read by the other end of a pipe when the commit
/// then fails; the error says the ledger failed, and the sheet should not
/// be kept. (Committing first would instead record a sheet no one received.)
fn commit(
    mut txn: Box<dyn WriteTxn + '_>,
    made: Rendered,
    stdout: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> Result<Issued, Error> {
    let recorded = txn.record_generation(&made.record)?;
    debug_assert_eq!(recorded, made.plan.generation);
    if interrupt::requested() {
        return Err(Error::Interrupted);
    }
    let mut placed: Vec<Placed> = Vec::new();
    let result = (|| -> Result<(), Error> {
        match made.pdf {
            Pdf::File(prepared) => placed.push(prepared.place()?),
            Pdf::Stdout(bytes) => stdout(&bytes).map_err(|source| Error::Io {
                path: PathBuf::from("<stdout>"),
                source,
            })?,
        }
        if let Some(prepared) = made.verifier {
            placed.push(prepared.place()?);
        }
        Ok(())
    })();
    if let Err(e) = result.and_then(|()| txn.commit().map_err(Error::from)) {
        for p in placed {
            p.undo();
        }
        return Err(e);
    }
    for p in placed {
        p.keep();
    }
    Ok(made.issued)
}

/// Writes to the process's stdout (the caller has refused a terminal).
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Issues one sheet for a command: fonts, ledger, the OS random generator,
/// Ctrl-C handling, then [`issue`], and tells the user what was made.
pub fn run(
    ctx: &Context,
    spec: &SheetSpec,
    source: CodeSource,
    verifier: Option<&VerifierSpec>,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let fonts = Fonts::load();
    ctx.detail(&ctx.messages.fill(
        "detail_fonts_loaded",
        &[("elapsed", &format!("{:.1?}", started.elapsed()))],
    ));
    let mut ledger = ctx.issuing_ledger()?;
    let mut rng = rand::rand_core::UnwrapErr(rand::rngs::SysRng);
    // Any input is read by now: from here a Ctrl-C waits for the sheet to be
    // recorded or discarded whole.
    interrupt::install().map_err(|source| Error::Io {
        path: PathBuf::from("<signal handler>"),
        source,
    })?;
    let issued = issue(
        &mut ledger,
        spec,
        &source,
        verifier,
        &fonts,
        &mut rng,
        &super::now,
        &mut write_stdout,
    )?;
    report(ctx, &issued);
    ctx.detail(&ctx.messages.fill(
        "detail_done",
        &[
            ("ledger", &ledger.path().display().to_string()),
            ("elapsed", &format!("{:.1?}", started.elapsed())),
        ],
    ));
    Ok(())
}

/// Tells where the sheet went and what it is (never a code).
pub fn report(ctx: &Context, issued: &Issued) {
    for line in report_lines(ctx, issued) {
        ctx.say(&line);
    }
}

/// The lines of [`report`].
pub fn report_lines(ctx: &Context, issued: &Issued) -> Vec<String> {
    let m = &ctx.messages;
    let mut lines = Vec::new();
    let generation = issued.generation.to_string();
    let set_id = issued.set_id.to_string();
    let count = issued.count.to_string();
    let bits = format!("{:.0}", issued.bits.floor());
    let codes_key = if issued.count == 1 {
        "codes_one"
    } else {
        "codes_many"
    };
    let codes = m.fill(codes_key, &[("count", &count), ("bits", &bits)]);
    let values = [
        ("account", issued.account.as_str()),
        ("generation", generation.as_str()),
        ("set_id", set_id.as_str()),
        ("codes", codes.as_str()),
    ];
    match &issued.path {
        Some(path) => {
            let path = path.display().to_string();
            let mut v = values.to_vec();
            v.push(("path", &path));
            lines.push(m.fill("sheet_written", &v));
        }
        None => lines.push(m.fill("sheet_to_stdout", &values)),
    }
    if let Some(old) = &issued.replaced {
        let old_gen = old.generation.to_string();
        let old_set = old.set_id.to_string();
        let issued_at = old.issued_at.format("%Y-%m-%d %H:%M").to_string();
        lines.push(m.fill(
            "destroy_old",
            &[
                ("generation", &old_gen),
                ("set_id", &old_set),
                ("issued", &issued_at),
            ],
        ));
    }
    if let Some(v) = &issued.verifier {
        lines.push(m.fill("verifier_written", &[("path", &v.display().to_string())]));
    }
    lines
}

#[cfg(test)]
mod tests {
    //! A sheet and its ledger entry exist together or not at all: each step
    //! after the sheet is made is made to fail, and the folder and the ledger
    //! are checked afterwards.

    use std::cell::Cell;
    use std::fs;
    use std::path::Path;

    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use tempfile::TempDir;

    use super::*;
    use crate::codes::DEFAULT_PATTERN;
    use crate::ledger::{LedgerError, SqliteLedger};

    /// Which step of recording fails.
    #[derive(Clone, Copy, PartialEq)]
    enum Fault {
        None,
        /// The ledger refuses the new row.
        Record,
        /// The transaction cannot be committed (disk full, I/O error).
        Commit,
        /// While the generation is being recorded, something else takes the
        /// sheet's file name, so placing the PDF fails.
        TakeSheetName,
    }

    /// The real ledger with one step made to fail.
    struct Faulty<'a> {
        inner: SqliteLedger,
        fault: Fault,
        sheet: &'a Path,
    }

    struct FaultyTxn<'t> {
        inner: Box<dyn WriteTxn + 't>,
        fault: Fault,
        sheet: &'t Path,
    }

    fn injected(path: &Path) -> LedgerError {
        LedgerError::Io(path.to_owned(), io::Error::other("injected fault"))
    }

    impl Ledger for Faulty<'_> {
        fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
            Ok(Box::new(FaultyTxn {
                inner: self.inner.begin_write()?,
                fault: self.fault,
                sheet: self.sheet,
            }))
        }
        fn accounts(&self) -> Result<Vec<GenerationRecord>, LedgerError> {
            self.inner.accounts()
        }
        fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError> {
            self.inner.history(account)
        }
        fn find_set(
            &self,
            set_id: &SetId,
        ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError> {
            self.inner.find_set(set_id)
        }
    }

    impl WriteTxn for FaultyTxn<'_> {
        fn lineage(&mut self, account: &str) -> Result<Lineage, LedgerError> {
            self.inner.lineage(account)
        }
        fn record_generation(&mut self, new: &NewGeneration) -> Result<u32, LedgerError> {
            match self.fault {
                Fault::Record => return Err(injected(self.sheet)),
                Fault::TakeSheetName => fs::create_dir(self.sheet).unwrap(),
                Fault::None | Fault::Commit => {}
            }
            self.inner.record_generation(new)
        }
        fn mark_used(
            &mut self,
            account: &str,
            number: u32,
            at: DateTime<FixedOffset>,
            by: Option<&str>,
        ) -> Result<GenerationRecord, LedgerError> {
            self.inner.mark_used(account, number, at, by)
        }
        fn revoke(
            &mut self,
            account: &str,
            at: DateTime<FixedOffset>,
        ) -> Result<GenerationRecord, LedgerError> {
            self.inner.revoke(account, at)
        }
        fn commit(self: Box<Self>) -> Result<(), LedgerError> {
            if self.fault == Fault::Commit {
                // Dropping the inner transaction rolls it back.
                return Err(injected(self.sheet));
            }
            self.inner.commit()
        }
    }

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-24T10:00:00+09:00").unwrap()
    }

    fn spec(sheet: &Path, supersede: Supersede) -> SheetSpec {
        SheetSpec {
            account: "shop@example.com".into(),
            template: Template::embedded(crate::lang::Lang::En),
            paper: Paper::A4,
            organisation: None,
            location: None,
            custodian: None,
            copies: 1,
            next_inventory: NextInventory::MonthsAfterIssue(6),
            destination: Destination::File(Place::path(sheet.to_owned(), "-o")),
            overwrite: Overwrite::Refuse,
            supersede,
        }
    }

    fn source() -> CodeSource {
        CodeSource::Generate {
            format: Format::parse_for_generation(DEFAULT_PATTERN).unwrap(),
            count: 10,
        }
    }

    struct Setup {
        dir: TempDir,
        fonts: Fonts,
        /// A new seed per sheet, so set IDs differ.
        seed: Cell<u64>,
    }

    impl Setup {
        fn new() -> Setup {
            let dir = TempDir::new().unwrap();
            fs::create_dir(dir.path().join("out")).unwrap();
            Setup {
                dir,
                fonts: Fonts::load(),
                seed: Cell::new(100),
            }
        }

        fn ledger_path(&self) -> PathBuf {
            self.dir.path().join("ledger.db")
        }

        fn out(&self) -> PathBuf {
            self.dir.path().join("out")
        }

        /// Issues a sheet at `name` in `out/`, with `fault` injected.
        fn issue(
            &self,
            name: &str,
            supersede: Supersede,
            verifier: Option<&VerifierSpec>,
            fault: Fault,
            stdout: &mut dyn FnMut(&[u8]) -> io::Result<()>,
        ) -> Result<Issued, Error> {
            let sheet = self.out().join(name);
            let mut ledger = Faulty {
                inner: SqliteLedger::open(&self.ledger_path()).unwrap(),
                fault,
                sheet: &sheet,
            };
            let mut spec = spec(&sheet, supersede);
            if name == "-" {
                spec.destination = Destination::Stdout;
            }
            self.seed.set(self.seed.get() + 1);
            issue(
                &mut ledger,
                &spec,
                &source(),
                verifier,
                &self.fonts,
                &mut StdRng::seed_from_u64(self.seed.get()),
                &now,
                stdout,
            )
        }

        fn history(&self) -> Vec<GenerationRecord> {
            SqliteLedger::open(&self.ledger_path())
                .unwrap()
                .history("shop@example.com")
                .unwrap_or_default()
        }

        fn files(&self) -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(self.out())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    fn no_stdout(_: &[u8]) -> io::Result<()> {
        panic!("nothing should go to stdout")
    }

    #[test]
    fn a_clean_issue_leaves_one_sheet_and_one_generation() {
        let s = Setup::new();
        let issued = s
            .issue(
                "a.pdf",
                Supersede::Refuse,
                None,
                Fault::None,
                &mut no_stdout,
            )
            .unwrap();
        assert_eq!(issued.generation, 1);
        assert_eq!(s.files(), ["a.pdf"]);
        assert_eq!(s.history().len(), 1);
    }

    #[test]
    fn when_the_ledger_refuses_the_row_no_file_is_left() {
        let s = Setup::new();
        let err = s
            .issue(
                "a.pdf",
                Supersede::Refuse,
                None,
                Fault::Record,
                &mut no_stdout,
            )
            .unwrap_err();
        assert!(err.to_string().contains("injected fault"), "{err}");
        assert_eq!(s.files(), Vec::<String>::new());
        assert!(s.history().is_empty());
    }

    #[test]
    fn when_the_ledger_cannot_commit_the_placed_sheet_is_taken_back() {
        let s = Setup::new();
        s.issue(
            "old.pdf",
            Supersede::Refuse,
            None,
            Fault::None,
            &mut no_stdout,
        )
        .unwrap();
        let before = s.history();
        let err = s
            .issue(
                "new.pdf",
                Supersede::Allow,
                None,
                Fault::Commit,
                &mut no_stdout,
            )
            .unwrap_err();
        assert!(err.to_string().contains("injected fault"), "{err}");
        assert_eq!(s.files(), ["old.pdf"]);
        assert_eq!(s.history(), before, "the ledger changed");
    }

    #[test]
    fn when_a_replaced_sheet_cannot_be_committed_the_old_file_comes_back() {
        let s = Setup::new();
        s.issue(
            "a.pdf",
            Supersede::Refuse,
            None,
            Fault::None,
            &mut no_stdout,
        )
        .unwrap();
        let old = fs::read(s.out().join("a.pdf")).unwrap();
        let sheet = s.out().join("a.pdf");
        let mut spec = spec(&sheet, Supersede::Allow);
        spec.overwrite = Overwrite::Replace;
        let mut ledger = Faulty {
            inner: SqliteLedger::open(&s.ledger_path()).unwrap(),
            fault: Fault::Commit,
            sheet: &sheet,
        };
        issue(
            &mut ledger,
            &spec,
            &source(),
            None,
            &s.fonts,
            &mut StdRng::seed_from_u64(2),
            &now,
            &mut no_stdout,
        )
        .unwrap_err();
        assert_eq!(fs::read(&sheet).unwrap(), old, "the old sheet was lost");
        assert_eq!(s.files(), ["a.pdf"]);
        assert_eq!(s.history().len(), 1);
    }

    #[test]
    fn when_the_sheet_cannot_be_placed_the_ledger_is_unchanged() {
        let s = Setup::new();
        let err = s
            .issue(
                "a.pdf",
                Supersede::Refuse,
                None,
                Fault::TakeSheetName,
                &mut no_stdout,
            )
            .unwrap_err();
        assert!(matches!(err, Error::Output(_)), "{err}");
        // Only the folder that took the name; no PDF, no temporary file.
        assert_eq!(s.files(), ["a.pdf"]);
        assert!(s.out().join("a.pdf").is_dir());
        assert!(s.history().is_empty());
    }

    #[test]
    fn when_the_verifier_cannot_be_placed_the_sheet_is_taken_back() {
        let s = Setup::new();
        let verifier_path = s.out().join("a.verifier.json");
        let verifier = VerifierSpec {
            place: Place::path(verifier_path.clone(), "--verifier"),
            params: VerifierParams::default(),
            overwrite: Overwrite::Refuse,
            threads: NonZeroUsize::MIN,
        };
        // Taken while the generation is recorded, after every check passed.
        let mut ledger = Faulty {
            inner: SqliteLedger::open(&s.ledger_path()).unwrap(),
            fault: Fault::TakeSheetName,
            sheet: &verifier_path,
        };
        let err = issue(
            &mut ledger,
            &spec(&s.out().join("a.pdf"), Supersede::Refuse),
            &source(),
            Some(&verifier),
            &s.fonts,
            &mut StdRng::seed_from_u64(3),
            &now,
            &mut no_stdout,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Output(_)), "{err}");
        assert_eq!(s.files(), ["a.verifier.json"]);
        assert!(verifier_path.is_dir());
        assert!(s.history().is_empty());
    }

    #[test]
    fn when_stdout_fails_the_ledger_is_unchanged() {
        let s = Setup::new();
        let err = s
            .issue("-", Supersede::Refuse, None, Fault::None, &mut |_| {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            })
            .unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(s.history().is_empty());
    }

    #[test]
    fn a_sheet_made_before_another_writer_recorded_is_made_again() {
        // The lineage changes between the unlocked read and the commit: the
        // first attempt sees no set, the commit sees generation 1.
        let s = Setup::new();
        let sheet = s.out().join("a.pdf");
        let reads = Cell::new(0);
        struct Racing<'a> {
            inner: SqliteLedger,
            other_writer: &'a Path,
            reads: &'a Cell<u32>,
        }
        impl Ledger for Racing<'_> {
            fn begin_write(&mut self) -> Result<Box<dyn WriteTxn + '_>, LedgerError> {
                if self.reads.get() == 1 {
                    // Another process records generation 1 right now.
                    let mut other = SqliteLedger::open(self.other_writer)?;
                    let mut txn = other.begin_write()?;
                    txn.record_generation(&NewGeneration {
                        account: "shop@example.com".into(),
                        set_id: SetId::parse("AAAA-AAAA").unwrap(),
                        issued_at: now(),
                        count: 10,
                        format: DEFAULT_PATTERN.into(),
                        source: "generated".into(),
                        copies: 1,
                        location: None,
                        custodian: None,
                        next_inventory: None,
                    })?;
                    txn.commit()?;
                }
                self.inner.begin_write()
            }
            fn accounts(&self) -> Result<Vec<GenerationRecord>, LedgerError> {
                self.inner.accounts()
            }
            fn history(&self, account: &str) -> Result<Vec<GenerationRecord>, LedgerError> {
                self.reads.set(self.reads.get() + 1);
                self.inner.history(account)
            }
            fn find_set(
                &self,
                set_id: &SetId,
            ) -> Result<Option<(GenerationRecord, Option<GenerationRecord>)>, LedgerError>
            {
                self.inner.find_set(set_id)
            }
        }
        let path = s.ledger_path();
        let mut ledger = Racing {
            inner: SqliteLedger::open(&path).unwrap(),
            other_writer: &path,
            reads: &reads,
        };
        let issued = issue(
            &mut ledger,
            &spec(&sheet, Supersede::Allow),
            &source(),
            None,
            &s.fonts,
            &mut StdRng::seed_from_u64(4),
            &now,
            &mut no_stdout,
        )
        .unwrap();
        assert_eq!(issued.generation, 2);
        assert_eq!(
            issued.replaced.map(|r| r.set_id.to_string()).as_deref(),
            Some("AAAA-AAAA")
        );
        assert_eq!(s.files(), ["a.pdf"], "the first attempt's file was left");
        let history = s.history();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].set_id, issued.set_id);
    }
}
