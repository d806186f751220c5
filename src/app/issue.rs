//! Issuing a sheet (generate and import): ledger lineage -> code set -> PDF -> file and ledger entry, committed together.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Months, NaiveDate};
use rand::CryptoRng;

use crate::codes::{CodeSet, Format, SetId, generate_set};
use crate::error::Error;
use crate::import::{self, Preset};
use crate::ledger::{GenerationRecord, Ledger, NewGeneration};
use crate::output::{self, Overwrite, Placed, Prepared};
use crate::sheet::fonts::Fonts;
use crate::sheet::{self, Paper, ReplacedSet, SheetContent, UseOrder};
use crate::template::{Key, Template};
use crate::verifier::{self, SetMeta, VerifierParams};

/// Where the PDF goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// This exact file.
    File(PathBuf),
    /// The default name (`<account>-gen<N>-<set id>.pdf`) in this folder.
    DefaultNameIn(PathBuf),
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
    Generate {
        format: Format,
        count: usize,
    },
    Import {
        preset: &'static Preset,
        set: CodeSet,
    },
}

/// An Argon2id verifier to write beside the sheet.
#[derive(Debug, Clone)]
pub struct VerifierSpec {
    pub path: PathBuf,
    pub params: VerifierParams,
    pub overwrite: Overwrite,
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

/// Issues one sheet: reads the account's lineage under the ledger's write
/// lock, makes the code set, renders it, then places the files and commits
/// the ledger entry. Any failure leaves no file and no ledger change.
#[allow(clippy::too_many_arguments)]
pub fn issue<R: CryptoRng + ?Sized>(
    ledger: &mut dyn Ledger,
    spec: &SheetSpec,
    source: CodeSource,
    verifier_spec: Option<&VerifierSpec>,
    fonts: &Fonts,
    rng: &mut R,
    now: DateTime<FixedOffset>,
    stdout: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<Issued, Error> {
    // Refuse before the lock and before any work when the output cannot be written.
    match &spec.destination {
        Destination::File(p) => output::precheck(p, spec.overwrite)?,
        Destination::DefaultNameIn(dir) => output::precheck(&dir.join("probe"), spec.overwrite)?,
        Destination::Stdout => {}
    }
    if let Some(v) = verifier_spec {
        output::precheck(&v.path, v.overwrite)?;
        v.params.validate()?;
    }

    let mut txn = ledger.begin_write()?;
    let lineage = txn.lineage(&spec.account)?;
    if let (Some(current), Supersede::Refuse) = (&lineage.current, spec.supersede) {
        return Err(Error::CurrentSetExists {
            account: spec.account.clone(),
            generation: current.generation,
            set_id: current.set_id.to_string(),
            issued: current.issued_at.format("%Y-%m-%d %H:%M %:z").to_string(),
        });
    }
    let generation = lineage.next_generation;
    // The sheet to destroy: the current set, or (after a revoke) the latest one.
    let mut earlier = lineage.earlier.iter();
    let replaced: Option<GenerationRecord> =
        lineage.current.clone().or_else(|| earlier.next().cloned());
    let older_sets = earlier.len();

    let set_id = SetId::generate(rng);
    let (set, advice, order, service, source_name) = match source {
        CodeSource::Generate { format, count } => (
            generate_set(rng, &format, count).map_err(|e| Error::InvalidValue(e.to_string()))?,
            Key::AdviceGenerated,
            UseOrder::AnyOrder,
            None,
            "generated".to_owned(),
        ),
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
        codes: &set,
        replaces: replaced.as_ref().map(|r| ReplacedSet {
            set_id: r.set_id.clone(),
            generation: r.generation,
            issued_at: r.issued_at,
        }),
        older_sets,
        location: spec.location.as_deref(),
        custodian: spec.custodian.as_deref(),
        next_inventory: Some(next_inventory),
        order,
        advice,
        copies: spec.copies,
    };
    let pdf = sheet::render(&content, fonts)?;

    let verifier_json = match verifier_spec {
        Some(v) => {
            let meta = SetMeta {
                account: spec.account.clone(),
                set_id: set_id.clone(),
                generation,
                issued_at: now,
            };
            let file = verifier::export(&meta, &set, &v.params, rng)?;
            Some((v, file.to_json()?))
        }
        None => None,
    };

    let sheet_path = match &spec.destination {
        Destination::File(p) => Some(p.clone()),
        Destination::DefaultNameIn(dir) => Some(dir.join(output::default_sheet_name(
            &spec.account,
            generation,
            &set_id.to_string(),
        ))),
        Destination::Stdout => None,
    };
    let prepared_pdf: Option<Prepared> = match &sheet_path {
        Some(p) => Some(output::prepare(p, &pdf, spec.overwrite)?),
        None => None,
    };
    let prepared_verifier = match &verifier_json {
        Some((v, json)) => Some(output::prepare(&v.path, json.as_bytes(), v.overwrite)?),
        None => None,
    };

    let new = NewGeneration {
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
    let recorded = txn.record_generation(&new)?;
    debug_assert_eq!(recorded, generation);

    // From here on, every placed file is taken back if a later step fails;
    // the transaction rolls back when dropped.
    let mut placed: Vec<Placed> = Vec::new();
    let result = (|| -> Result<(), Error> {
        if let Some(p) = prepared_pdf {
            placed.push(p.place()?);
        } else {
            stdout(&pdf).map_err(|source| Error::Io {
                path: PathBuf::from("<stdout>"),
                source,
            })?;
        }
        if let Some(p) = prepared_verifier {
            placed.push(p.place()?);
        }
        Ok(())
    })();
    let committed = result.and_then(|()| txn.commit().map_err(Error::from));
    if let Err(e) = committed {
        for p in placed {
            p.undo();
        }
        return Err(e);
    }
    for p in placed {
        p.keep();
    }
    Ok(Issued {
        path: sheet_path,
        account: spec.account.clone(),
        generation,
        set_id,
        count: set.len(),
        bits: set.format().bits(),
        replaced,
        verifier: verifier_spec.map(|v| v.path.clone()),
        pdf_bytes: pdf.len(),
    })
}

/// Writes to the process's stdout (the caller has refused a terminal).
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// A path for messages: as given.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}
