//! Issuing a sheet (generate, import, batch): ledger lineage -> code set -> PDF -> file and ledger entry, committed together.
//!
//! The expensive part (codes, PDF, Argon2id hashes, temporary files) is done
//! without holding the ledger's writer lock, on the lineage as last read.
//! Under the lock the lineage is read again; if another writer changed it
//! meanwhile, the sheet is made anew under the lock, so what a sheet says it
//! replaces is always what the ledger records.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Months, NaiveDate};
use rand::CryptoRng;

use crate::codes::{CodeSet, Format, SetId, generate_set};
use crate::error::Error;
use crate::import::{self, Preset};
use crate::interrupt;
use crate::ledger::{GenerationRecord, Ledger, Lineage, NewGeneration, WriteTxn};
use crate::output::{self, Overwrite, Placed, Prepared};
use crate::sheet::fonts::Fonts;
use crate::sheet::{self, Paper, ReplacedSet, SheetContent, UseOrder};
use crate::template::{Key, Template};
use crate::verifier::{self, SetMeta, VerifierParams};

/// Where a file goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// This exact path.
    At(PathBuf),
    /// The default name (account, generation, set ID) in this folder.
    DefaultNameIn(PathBuf),
}

impl Place {
    /// Fails before any work when the file could not be written.
    fn precheck(&self, overwrite: Overwrite) -> Result<(), Error> {
        match self {
            Place::At(path) => output::precheck(path, overwrite)?,
            Place::DefaultNameIn(dir) => output::precheck_folder(dir)?,
        }
        Ok(())
    }

    fn path(&self, default_name: impl FnOnce() -> String) -> PathBuf {
        match self {
            Place::At(path) => path.clone(),
            Place::DefaultNameIn(dir) => dir.join(default_name()),
        }
    }
}

/// Where the PDF goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    File(Place),
    Stdout,
}

/// Whether an account that has a current set may get a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supersede {
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
    pub pdf_bytes: usize,
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

    let mut txn = ledger.begin_write()?;
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
            generated = generate_set(rng, format, *count)
                .map_err(|e| Error::InvalidValue(e.to_string()))?;
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
    let pdf_bytes = pdf.len();

    let sheet_path =
        match &spec.destination {
            Destination::File(place) => Some(place.path(|| {
                output::default_sheet_name(&spec.account, generation, &set_id.to_string())
            })),
            Destination::Stdout => None,
        };
    let pdf = match &sheet_path {
        Some(path) => Pdf::File(output::prepare(path, &pdf, spec.overwrite)?),
        None => Pdf::Stdout(pdf),
    };

    let (verifier, verifier_path) = match verifier_spec {
        Some(v) => {
            let meta = SetMeta {
                account: spec.account.clone(),
                set_id: set_id.clone(),
                generation,
                issued_at: now,
            };
            let json =
                verifier::export_with_threads(&meta, set, &v.params, rng, v.threads)?.to_json()?;
            let path = v.place.path(|| {
                output::default_verifier_name(&spec.account, generation, &set_id.to_string())
            });
            (
                Some(output::prepare(&path, json.as_bytes(), v.overwrite)?),
                Some(path),
            )
        }
        None => (None, None),
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
        pdf_bytes,
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
