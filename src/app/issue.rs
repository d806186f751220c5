//! The issuing protocol: the one way a sheet comes into being (generate, import, batch, the web page).
//!
//! What holds at every instant, a `kill -9` included, once the next run of
//! the tool has opened the ledger for writing:
//! - a file holding codes exists only as a placed sheet (or verifier file)
//!   of a generation the ledger records as printed;
//! - every placed sheet has its generation in the ledger, and a generation
//!   whose sheet was never placed says so (`unprinted`, "never printed");
//! - with `--force`, the destination holds the old sheet or the new one, and
//!   the ledger agrees with it.
//!
//! The steps ([`issue`]):
//! 1. Read the account's lineage (no lock), refuse early, and make the
//!    codes, the PDF and the verifier in memory; stage them as files with
//!    no name in their destination folders (they vanish if the process dies).
//! 2. Take the ledger's writer lock and finish or undo whatever a writer
//!    that died left pending ([`recover`], in the transaction of step 3;
//!    it also forgets old files kept aside that are gone). Read the lineage again; if
//!    another writer changed it meanwhile, make the sheet again, so a sheet
//!    always names the right set to destroy.
//! 3. Record the generation as `pending`, with where each file goes, the
//!    staged file's identity and, when a file is replaced, the hidden name
//!    the old one will be kept under. Commit: this is the intent.
//! 4. Place the verifier, then the sheet: link the staged file into place
//!    (never over an existing file), or swap it with the file it replaces.
//!    For stdout, write every byte and flush. The sheet in place is the point
//!    of no return.
//! 5. The pending generation becomes current, the previous one superseded.
//!    Commit. Remove the old files kept aside (the next writer's recovery
//!    forgets them in the ledger). Release the lock.
//!
//! A batch runs step 1 for many sheets at once and steps 2 to 5 for a group
//! of them ([`issue_group`]): one commit for all their intents, one for all
//! their finishes.
//!
//! A failure (or Ctrl-C) before step 5 undoes what was placed and removes
//! the pending generation. A crash leaves the pending generation, and the
//! next writer's [`recover`] looks at the files: the sheet at its
//! destination with the recorded identity means step 4 ended and the
//! generation is finished; otherwise whatever was placed is undone and the
//! generation is marked never printed. A ledger on a server that goes away
//! during step 5 is treated as a crash: the sheet stays, and the next run
//! finishes the generation (the server may have committed it already).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Months};
use rand::CryptoRng;
use zeroize::Zeroizing;

use super::Context;
use super::spec::{CodeSource, Destination, NextInventory, SheetSpec, Supersede, VerifierSpec};
use crate::codes::{SetId, generate_set};
use crate::error::Error;
use crate::files::{self, FileId, Overwrite, Staged, Swapped};
use crate::import;
use crate::interrupt;
use crate::ledger::{
    Actor, EventKind, GenerationRecord, Ledger, LedgerError, Lineage, NewEvent, NewGeneration,
    Pending, Placement, Role, WriteTxn, Writer,
};
use crate::messages::{Localized, Messages, Msg};
use crate::output::{self, OutputError};
use crate::sheet::fonts::Fonts;
use crate::sheet::{self, ReplacedSet, SheetContent, UseOrder};
use crate::template::Key;
use crate::verifier::{self, SetMeta};

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
    /// A current set issued by this same `run` means the account came twice
    /// (a batch file that names it on two rows).
    pub fn new(
        account: &str,
        lineage: Lineage,
        supersede: Supersede,
        run: &str,
    ) -> Result<Plan, Error> {
        if let Some(pending) = &lineage.pending {
            return Err(Error::PendingElsewhere {
                account: account.to_owned(),
                generation: pending.generation,
                set_id: pending.set_id.to_string(),
            });
        }
        if let Some(current) = &lineage.current
            && current.run.as_deref() == Some(run)
        {
            return Err(Error::AccountTwice {
                account: account.to_owned(),
                generation: current.generation,
                set_id: current.set_id.to_string(),
            });
        }
        if let (Some(current), Supersede::Refuse) = (&lineage.current, supersede) {
            return Err(Error::CurrentSetExists {
                account: account.to_owned(),
                generation: current.generation,
                set_id: current.set_id.to_string(),
                issued: current.issued_at.format("%Y-%m-%d %H:%M %:z").to_string(),
            });
        }
        let (replaced, older_sets) = match lineage.current {
            Some(current) => (
                Some(current),
                lineage.older + usize::from(lineage.latest_earlier.is_some()),
            ),
            None => (lineage.latest_earlier, lineage.older),
        };
        Ok(Plan {
            generation: lineage.next_generation,
            replaced,
            older_sets,
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

/// What a new sheet for `account` would replace as the ledger stands now,
/// for a page to say before the sheet is made (the sheet itself is planned
/// again, under the lock, when it is made).
pub fn would_replace(ctx: &Context, account: &str) -> Result<Option<GenerationRecord>, Error> {
    let Some(ledger) = ctx.read_ledger()? else {
        return Ok(None);
    };
    let lineage = ledger.lineage(account)?;
    Ok(Plan::new(account, lineage, Supersede::Allow, "")?.replaced)
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

/// What issuing needs besides the spec: the fonts, the random generator,
/// the clock, where stdout goes, and when to stop.
pub struct Tools<'a, R: CryptoRng + ?Sized> {
    pub fonts: &'a Fonts,
    pub rng: &'a mut R,
    pub clock: &'a dyn Fn() -> DateTime<FixedOffset>,
    /// Receives the whole PDF for `-o -`; an error means it did not arrive.
    pub stdout: &'a mut dyn FnMut(&[u8]) -> io::Result<()>,
    /// Files no output may be (the ledger's, the config, the inputs).
    pub protected: &'a [PathBuf],
    /// Whether Ctrl-C (or SIGTERM) asked to stop.
    pub stop: &'a dyn Fn() -> bool,
    /// The machine the files are placed on, as placements record it.
    pub host: &'a str,
    /// This run of the tool (see [`new_run_id`]), recorded with each generation.
    pub run: &'a str,
    /// Who is issuing, for the audit trail.
    pub actor: &'a Actor,
    /// Called at each step (tests make a step fail here; see [`Step`]).
    pub checkpoint: &'a dyn Fn(Step) -> io::Result<()>,
}

/// The points of the protocol a test can make fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The intent is about to be committed.
    RecordPending,
    /// The verifier is about to be placed.
    PlaceVerifier,
    /// The sheet is about to be placed.
    PlaceSheet,
    /// The generation is about to be finished.
    Finish,
}

/// A checkpoint that lets every step happen.
pub fn every_step(_: Step) -> io::Result<()> {
    Ok(())
}

/// A sheet made in memory and staged, waiting to be recorded and placed.
struct Made {
    plan: Plan,
    record: NewGeneration,
    sheet: Output,
    verifier: Option<Output>,
    issued: Issued,
}

/// One file to place: staged at `path`, or the PDF for stdout.
enum Output {
    File {
        path: PathBuf,
        staged: Staged,
        overwrite: Overwrite,
        flag: &'static str,
    },
    /// Wiped when dropped: whoever receives it has its own copy.
    Stdout(Zeroizing<Vec<u8>>),
}

impl Output {
    fn placement(&self, role: Role, host: &str) -> Placement {
        match self {
            Output::File {
                path,
                staged,
                overwrite,
                ..
            } => {
                let FileId { dev, ino } = staged.id();
                let replaces = *overwrite == Overwrite::Replace
                    && files::identity(path).ok().flatten().is_some();
                Placement {
                    role,
                    host: host.to_owned(),
                    path: path.display().to_string(),
                    file: Some((dev, ino)),
                    aside: replaces.then(|| staged.aside_name().display().to_string()),
                }
            }
            Output::Stdout(_) => Placement {
                role,
                host: host.to_owned(),
                path: "-".to_owned(),
                file: None,
                aside: None,
            },
        }
    }
}

/// Issues one sheet (see the module's notes for the protocol).
pub fn issue<R: CryptoRng + ?Sized>(
    ledger: &mut dyn Ledger,
    spec: &SheetSpec,
    source: &CodeSource,
    verifier_spec: Option<&VerifierSpec>,
    tools: &mut Tools<'_, R>,
) -> Result<Issued, Error> {
    let prepared = prepare(ledger, spec, source, verifier_spec, tools)?;
    let sheet = Sheet {
        spec,
        source,
        verifier: verifier_spec,
        prepared,
    };
    issue_group(ledger, vec![sheet], tools)?
        .pop()
        .unwrap_or(Err(Error::Interrupted))
}

/// A sheet made in memory and staged (step 1 of the protocol), waiting for
/// the writer lock. Dropped, it leaves nothing behind.
pub struct Prepared(Made);

/// One sheet of a group for [`issue_group`]: what it was made from (it is
/// made again if the ledger changed meanwhile) and what was made.
pub struct Sheet<'a> {
    pub spec: &'a SheetSpec,
    pub source: &'a CodeSource,
    pub verifier: Option<&'a VerifierSpec>,
    pub prepared: Prepared,
}

/// Step 1 without the lock: refuses early what the ledger or the file system
/// already refuses, then makes the codes, the PDF and the verifier, and
/// stages them. Many sheets can be prepared at once (a batch's workers).
pub fn prepare<R: CryptoRng + ?Sized>(
    ledger: &mut dyn Ledger,
    spec: &SheetSpec,
    source: &CodeSource,
    verifier_spec: Option<&VerifierSpec>,
    tools: &mut Tools<'_, R>,
) -> Result<Prepared, Error> {
    precheck(spec, verifier_spec, tools.protected)?;
    // Without the lock, a pending generation may be another writer's at
    // work right now (on a shared ledger, for longer than a file's commit):
    // only under the lock is one known to be left behind.
    let stop = tools.stop;
    // A ledger given up on because a stop was asked for is an interruption
    // (the row was not reached), not a busy ledger.
    let mut lineage = ledger.lineage(&spec.account).map_err(|e| match e {
        LedgerError::Busy(_) if stop() => Error::Interrupted,
        e => e.into(),
    })?;
    lineage.pending = None;
    let plan = Plan::new(&spec.account, lineage, spec.supersede, tools.run)?;
    make(spec, source, plan, verifier_spec, tools).map(Prepared)
}

/// Steps 2 to 5 for prepared sheets, all under one hold of the writer lock:
/// one commit records every intent, each sheet is placed, one commit
/// finishes every sheet placed. A batch pays the ledger's syncs once for
/// many sheets; each sheet's own file is synced as before.
///
/// `Err` is the group's: none of its sheets is placed (or, for a ledger
/// whose server went away while finishing, the next run finishes the
/// sheets in place). `Ok` holds each sheet's own outcome, in order.
pub fn issue_group<R: CryptoRng + ?Sized>(
    ledger: &mut dyn Ledger,
    group: Vec<Sheet<'_>>,
    tools: &mut Tools<'_, R>,
) -> Result<Vec<Result<Issued, Error>>, Error> {
    let stop = tools.stop;
    let mut writer = ledger
        .writer(stop)
        .map_err(|e| if stop() { Error::Interrupted } else { e.into() })?;
    let mut outcomes: Vec<Option<Result<Issued, Error>>> = group.iter().map(|_| None).collect();
    // Step 3: what writers that died left, then every intent, in one commit.
    let mut txn = writer.begin()?;
    recover_in(txn.as_mut(), tools.host, (tools.clock)(), tools.actor)?;
    let mut recorded = Vec::new();
    for (i, sheet) in group.into_iter().enumerate() {
        let spec = sheet.spec;
        let plan = Plan::new(
            &spec.account,
            txn.lineage(&spec.account)?,
            spec.supersede,
            tools.run,
        );
        let made = plan.and_then(|plan| {
            let Prepared(made) = sheet.prepared;
            if made.plan.prints_like(&plan) {
                Ok(made)
            } else {
                // Another writer got there first: this sheet would name the
                // wrong set to destroy. Its staged files go with it.
                drop(made);
                make(spec, sheet.source, plan, sheet.verifier, tools)
            }
        });
        let made = match made.and_then(|made| {
            (tools.checkpoint)(Step::RecordPending)
                .map_err(ledger_io)
                .map(|()| made)
        }) {
            Ok(made) => made,
            Err(e) => {
                outcomes[i] = Some(Err(e));
                continue;
            }
        };
        let mut placements = vec![made.sheet.placement(Role::Sheet, tools.host)];
        if let Some(v) = &made.verifier {
            placements.push(v.placement(Role::Verifier, tools.host));
        }
        // A ledger error ends the transaction: the whole group fails, and
        // its staged files go with it.
        txn.record_pending(&made.record, &placements)?;
        recorded.push((i, made, placements));
    }
    txn.commit()?;

    // Step 4: the files. A failure takes back what that sheet placed.
    let mut placed_sheets = Vec::new();
    let mut abandoned = Vec::new();
    for (i, made, placements) in recorded {
        let set_id = made.record.set_id.clone();
        match place(made.sheet, made.verifier, &placements, tools) {
            Ok(placed) => placed_sheets.push((i, made.record, made.plan, made.issued, placed)),
            Err((e, placed)) => {
                undo(placed);
                abandoned.push(set_id);
                outcomes[i] = Some(Err(e));
            }
        }
    }
    abandon(writer.as_mut(), &abandoned);

    // Step 5: every sheet placed becomes current, in one commit.
    if !placed_sheets.is_empty() {
        let finished = (tools.checkpoint)(Step::Finish)
            .map_err(ledger_io)
            .and_then(|()| {
                let mut txn = writer.begin()?;
                for (_, record, plan, _, _) in &placed_sheets {
                    finish(
                        txn.as_mut(),
                        &record.account,
                        &record.set_id,
                        plan.generation,
                        record.issued_at,
                        tools.actor,
                    )?;
                }
                txn.commit()?;
                Ok(())
            });
        if let Err(e) = finished {
            if matches!(&e, Error::Ledger(l) if l.connection_lost()) {
                // The ledger's server went away: whether it committed the
                // finish is unknown. The sheets stay where they are, and so
                // do their generations (pending or already current): the
                // next run on this machine finds them in place and finishes
                // them. Taking a sheet back could leave a current
                // generation with no sheet.
                return Err(e);
            }
            // Placed but not recorded as current: put things back as they
            // were, so the next run finds nothing placed and marks the
            // generations never printed (or, if undoing fails, finds a
            // sheet and finishes its generation).
            let set_ids: Vec<SetId> = placed_sheets
                .into_iter()
                .map(|(_, record, _, _, placed)| {
                    undo(placed);
                    record.set_id
                })
                .collect();
            abandon(writer.as_mut(), &set_ids);
            return Err(e);
        }
    }
    // The old files kept aside go now. The ledger forgets them at the next
    // writer's recovery, in a commit it makes anyway (a third commit here
    // would cost each replaced sheet four more syncs); one that cannot be
    // removed now is removed then.
    for (i, _, _, issued, placed) in placed_sheets {
        for aside in placed.into_iter().filter_map(|p| p.aside) {
            let _ = files::remove_if_present(&aside);
        }
        outcomes[i] = Some(Ok(issued));
    }
    // Every sheet has its outcome by now.
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Err(Error::Interrupted)))
        .collect())
}

fn ledger_io(e: io::Error) -> Error {
    Error::Io {
        path: PathBuf::from("<ledger>"),
        source: e,
    }
}

/// Refuses, before any work, outputs that cannot be written or must not be:
/// an existing file without `--force`, a missing folder, and any file the
/// tool must never replace (the ledger and its journal and lock, the config,
/// the inputs) or the same file named twice.
fn precheck(
    spec: &SheetSpec,
    verifier: Option<&VerifierSpec>,
    protected: &[PathBuf],
) -> Result<(), Error> {
    let mut outputs: Vec<(&Path, &'static str)> = Vec::new();
    if let Destination::File(place) = &spec.destination {
        place.precheck(spec.overwrite)?;
        if let crate::app::spec::Target::Path(path) = &place.target {
            outputs.push((path, place.flag));
        }
    }
    if let Some(v) = verifier {
        v.place.precheck(v.overwrite)?;
        v.params.validate()?;
        if let crate::app::spec::Target::Path(path) = &v.place.target {
            outputs.push((path, v.place.flag));
        }
    }
    for (path, flag) in &outputs {
        refuse_protected(path, flag, protected)?;
    }
    if let [(a, _), (b, _)] = outputs.as_slice()
        && files::same_file(a, b)
    {
        return Err(Error::InvalidValue(
            Msg::new("same_sheet_and_verifier").with("path", a.display()),
        ));
    }
    Ok(())
}

/// Refuses `path` when it is one of the `protected` files, however spelt.
fn refuse_protected(path: &Path, flag: &'static str, protected: &[PathBuf]) -> Result<(), Error> {
    match protected.iter().find(|p| files::same_file(path, p)) {
        Some(file) => Err(OutputError::Protected {
            path: path.to_owned(),
            file: file.clone(),
            flag,
        }
        .into()),
        None => Ok(()),
    }
}

/// Makes the code set, the PDF and the verifier, and stages them beside their
/// destinations. Nothing is visible there yet.
fn make<R: CryptoRng + ?Sized>(
    spec: &SheetSpec,
    source: &CodeSource,
    plan: Plan,
    verifier_spec: Option<&VerifierSpec>,
    tools: &mut Tools<'_, R>,
) -> Result<Made, Error> {
    let now = (tools.clock)();
    let generation = plan.generation;
    let set_id = SetId::generate(tools.rng);
    let generated;
    let (set, advice, order, service, source_name) = match source {
        CodeSource::Generate { format, count } => {
            generated = generate_set(tools.rng, format, *count)?;
            (
                &generated,
                Key::AdviceGenerated,
                UseOrder::AnyOrder,
                None,
                import::Source::Generated.recorded(),
            )
        }
        CodeSource::Import { preset, set } => (
            set,
            Key::from_name(preset.advice_key).unwrap_or(Key::AdviceGeneric),
            preset.order,
            (preset.name != import::GENERIC).then_some(preset.display_name),
            import::Source::Imported(preset).recorded(),
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
    let pdf = Zeroizing::new(sheet::render(&content, tools.fonts)?);

    let verifier_path = verifier_spec.map(|v| {
        v.place.resolve(|| {
            output::default_verifier_name(&spec.account, generation, &set_id.to_string())
        })
    });
    let (sheet, sheet_path) = match &spec.destination {
        Destination::File(place) => {
            let path = place.resolve(|| {
                output::default_sheet_name(&spec.account, generation, &set_id.to_string())
            });
            // A default name is known only now: check it as a given one was.
            refuse_protected(&path, place.flag, tools.protected)?;
            if verifier_path
                .as_deref()
                .is_some_and(|v| files::same_file(v, &path))
            {
                return Err(Error::InvalidValue(
                    Msg::new("same_sheet_and_verifier").with("path", path.display()),
                ));
            }
            let staged = stage(&path, &pdf, spec.overwrite, place.flag)?;
            (
                Output::File {
                    path: path.clone(),
                    staged,
                    overwrite: spec.overwrite,
                    flag: place.flag,
                },
                Some(path),
            )
        }
        Destination::Stdout => (Output::Stdout(pdf), None),
    };

    let verifier = match (verifier_spec, &verifier_path) {
        (Some(v), Some(path)) => {
            refuse_protected(path, v.place.flag, tools.protected)?;
            let meta = SetMeta {
                account: spec.account.clone(),
                set_id: set_id.clone(),
                generation,
                issued_at: now,
            };
            let json = verifier::export_with_threads(&meta, set, &v.params, tools.rng, v.threads)?
                .to_json()?;
            Some(Output::File {
                path: path.clone(),
                staged: stage(path, json.as_bytes(), v.overwrite, v.place.flag)?,
                overwrite: v.overwrite,
                flag: v.place.flag,
            })
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
        lang: Some(spec.lang.name().to_owned()),
        paper: Some(spec.paper.name().to_owned()),
        organisation: spec.organisation.clone(),
        run: Some(tools.run.to_owned()),
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
    Ok(Made {
        plan,
        record,
        sheet,
        verifier,
        issued,
    })
}

/// Stages `bytes` for `path`, refusing an existing file unless it may be replaced.
fn stage(
    path: &Path,
    bytes: &[u8],
    overwrite: Overwrite,
    flag: &'static str,
) -> Result<Staged, Error> {
    output::precheck(path, overwrite, flag)?;
    let dir = files::parent_dir(path);
    files::stage(&dir, bytes).map_err(|source| {
        Error::Output(OutputError::NotWritable {
            dir: dir.clone(),
            flag,
            source,
        })
    })
}

/// A file placed by this run, which can still be taken back.
#[derive(Debug)]
struct Placed {
    path: PathBuf,
    /// Where the file it replaced is kept (when it was swapped, not replaced).
    aside: Option<PathBuf>,
}

/// Places the verifier, then the sheet (or writes the PDF to stdout). On
/// failure, returns what was placed so far for [`undo`].
fn place<R: CryptoRng + ?Sized>(
    sheet: Output,
    verifier: Option<Output>,
    placements: &[Placement],
    tools: &mut Tools<'_, R>,
) -> Result<Vec<Placed>, (Error, Vec<Placed>)> {
    let mut placed = Vec::new();
    let aside_of = |role: Role| {
        placements
            .iter()
            .find(|p| p.role == role)
            .and_then(|p| p.aside.as_ref())
            .map(PathBuf::from)
    };
    let stopped = |placed: Vec<Placed>| Err((Error::Interrupted, placed));
    if (tools.stop)() {
        return stopped(placed);
    }
    if let Some(verifier) = verifier {
        if let Err(e) = (tools.checkpoint)(Step::PlaceVerifier) {
            return Err((ledger_io(e), placed));
        }
        match place_one(verifier, aside_of(Role::Verifier), Role::Verifier, tools) {
            Ok(p) => placed.push(p),
            Err(e) => return Err((e, placed)),
        }
    }
    if (tools.stop)() {
        return stopped(placed);
    }
    if let Err(e) = (tools.checkpoint)(Step::PlaceSheet) {
        return Err((ledger_io(e), placed));
    }
    match place_one(sheet, aside_of(Role::Sheet), Role::Sheet, tools) {
        Ok(p) => placed.push(p),
        Err(e) => return Err((e, placed)),
    }
    Ok(placed)
}

fn place_one<R: CryptoRng + ?Sized>(
    output: Output,
    aside: Option<PathBuf>,
    role: Role,
    tools: &mut Tools<'_, R>,
) -> Result<Placed, Error> {
    let (path, staged, flag) = match output {
        Output::Stdout(bytes) => {
            (tools.stdout)(&bytes).map_err(|source| Error::Io {
                path: PathBuf::from("<stdout>"),
                source,
            })?;
            return Ok(Placed {
                path: PathBuf::from("-"),
                aside: None,
            });
        }
        Output::File {
            path, staged, flag, ..
        } => (path, staged, flag),
    };
    let write_err = |source| {
        Error::Output(OutputError::Write {
            path: path.clone(),
            source,
        })
    };
    match aside {
        None => {
            staged.link_new(&path).map_err(|source| {
                if source.kind() == io::ErrorKind::AlreadyExists {
                    Error::Output(OutputError::Exists {
                        path: path.clone(),
                        flag,
                    })
                } else {
                    write_err(source)
                }
            })?;
            Ok(Placed { path, aside: None })
        }
        Some(aside) => {
            // A verifier being checked right now (`verify`) holds its lock:
            // replace it only between two checks, so no use is lost.
            // A stop while waiting for it ends the run like any stop. A file
            // that cannot be locked (gone, or with other hard links, which
            // `verify` refuses anyway) has no check to wait for.
            let _lock = match role {
                Role::Verifier => match files::lock_replacing(&path, tools.stop) {
                    Ok(lock) => Some(lock),
                    Err(files::LockReplacingError::Stopped) => return Err(Error::Interrupted),
                    Err(_) => None,
                },
                Role::Sheet => None,
            };
            staged.link_aside(&aside).map_err(write_err)?;
            match files::swap(&aside, &path) {
                Ok(Swapped::Exchanged) => Ok(Placed {
                    path,
                    aside: Some(aside),
                }),
                Ok(Swapped::Replaced) => Ok(Placed { path, aside: None }),
                Err(source) => {
                    let _ = files::remove_if_present(&aside);
                    Err(write_err(source))
                }
            }
        }
    }
}

/// Takes placed files back: a swapped file is swapped back and the new one
/// removed; a linked one is removed. Best effort: what cannot be undone here
/// is found by the next [`recover`].
fn undo(placed: Vec<Placed>) {
    for p in placed.into_iter().rev() {
        if p.path.as_os_str() == "-" {
            continue;
        }
        match p.aside {
            Some(aside) => {
                if files::swap(&aside, &p.path).is_ok() {
                    let _ = files::remove_if_present(&aside);
                }
            }
            None => {
                let _ = files::remove_if_present(&p.path);
            }
        }
    }
}

/// Removes the pending generations of a writer that is still alive and
/// placed nothing of them (or took it all back). If the ledger fails here,
/// they stay pending and the next [`recover`] marks them never printed.
fn abandon(writer: &mut dyn Writer, set_ids: &[SetId]) {
    if set_ids.is_empty() {
        return;
    }
    let _ = writer.begin().and_then(|mut txn| {
        for set_id in set_ids {
            txn.abandon(set_id)?;
        }
        txn.commit()
    });
}

/// Finishes or undoes what writers that died left pending (the caller holds
/// the writer lock, so no writer is at work). For each pending generation
/// placed on this machine: its sheet at its destination with the recorded
/// identity means it was placed, so the generation is finished and the old
/// files kept aside are removed; otherwise what it placed is undone (a
/// verifier swapped back or removed, a staged file under an aside name
/// removed) and the generation is marked never printed. Generations of
/// other machines are left for them. Returns what was done, for `-v`.
pub fn recover(
    writer: &mut dyn Writer,
    host: &str,
    now: DateTime<FixedOffset>,
    actor: &Actor,
) -> Result<Vec<Recovered>, Error> {
    let mut txn = writer.begin()?;
    let done = recover_in(txn.as_mut(), host, now, actor)?;
    txn.commit()?;
    Ok(done)
}

/// [`recover`] in the caller's transaction. What it does to files can be
/// done again: if the transaction is rolled back, the next recovery finds
/// the files as this one left them and records the same outcome.
fn recover_in(
    txn: &mut dyn WriteTxn,
    host: &str,
    now: DateTime<FixedOffset>,
    actor: &Actor,
) -> Result<Vec<Recovered>, Error> {
    let mut done = Vec::new();
    for Pending { record, placements } in txn.pending()? {
        if placements.iter().any(|p| p.host != host) {
            continue;
        }
        let placement = |role: Role| placements.iter().find(|p| p.role == role);
        let is_there = |p: &Placement| match p.file {
            Some((dev, ino)) => {
                files::identity(Path::new(&p.path)).ok().flatten() == Some(FileId { dev, ino })
            }
            None => false,
        };
        if record.status != crate::ledger::Status::Pending {
            // Finished, but an old file kept aside may still be there.
            for p in &placements {
                if let Some(aside) = &p.aside {
                    files::remove_if_present(Path::new(aside)).map_err(|source| Error::Io {
                        path: PathBuf::from(aside),
                        source,
                    })?;
                    txn.forget_aside(&record.set_id, p.role)?;
                }
            }
            continue;
        }
        let sheet_placed = placement(Role::Sheet).is_some_and(is_there);
        if sheet_placed {
            for p in &placements {
                if let Some(aside) = &p.aside {
                    files::remove_if_present(Path::new(aside)).map_err(|source| Error::Io {
                        path: PathBuf::from(aside),
                        source,
                    })?;
                }
            }
            finish(
                txn,
                &record.account,
                &record.set_id,
                record.generation,
                record.issued_at,
                actor,
            )?;
            for p in placements.iter().filter(|p| p.aside.is_some()) {
                txn.forget_aside(&record.set_id, p.role)?;
            }
            done.push(Recovered::Finished(record));
            continue;
        }
        for p in &placements {
            let path = Path::new(&p.path);
            let aside = p.aside.as_deref().map(Path::new);
            match (is_there(p), aside) {
                // Swapped in: swap the old file back, then drop the new one.
                (true, Some(aside)) if aside.exists() => {
                    files::swap(aside, path).map_err(|source| Error::Io {
                        path: path.to_owned(),
                        source,
                    })?;
                    files::remove_if_present(aside).map_err(|source| Error::Io {
                        path: aside.to_owned(),
                        source,
                    })?;
                }
                // Linked in, or replaced with no way back: drop the new one.
                (true, _) => files::remove_if_present(path).map_err(|source| Error::Io {
                    path: path.to_owned(),
                    source,
                })?,
                // Not in place: at most the staged file under its aside name.
                (false, Some(aside)) => {
                    let staged_there = p.file.is_some_and(|(dev, ino)| {
                        files::identity(aside).ok().flatten() == Some(FileId { dev, ino })
                    });
                    if staged_there {
                        files::remove_if_present(aside).map_err(|source| Error::Io {
                            path: aside.to_owned(),
                            source,
                        })?;
                    }
                }
                (false, None) => {}
            }
        }
        txn.mark_unprinted(&record.set_id, now)?;
        txn.record_event(
            &NewEvent::about(&record, EventKind::NeverPrinted, now, actor.clone()).detail(Some(
                "the run that made it stopped before its sheet was placed".into(),
            )),
        )?;
        done.push(Recovered::NeverPrinted(record));
    }
    Ok(done)
}

/// The pending generation becomes current and the one it replaces
/// superseded, each recorded in the audit trail, in the caller's transaction.
fn finish(
    txn: &mut dyn WriteTxn,
    account: &str,
    set_id: &SetId,
    generation: u32,
    at: DateTime<FixedOffset>,
    actor: &Actor,
) -> Result<(), Error> {
    let superseded = txn.finish(set_id)?;
    let event = |kind, set_id: &SetId, generation| NewEvent {
        at,
        kind,
        account: account.to_owned(),
        set_id: Some(set_id.clone()),
        generation: Some(generation),
        number: None,
        actor: actor.clone(),
        detail: None,
    };
    txn.record_event(&event(EventKind::Issued, set_id, generation))?;
    if let Some(old) = superseded {
        let mut e = event(EventKind::Superseded, &old.set_id, old.generation);
        e.detail = Some(format!("by set {set_id}"));
        txn.record_event(&e)?;
    }
    Ok(())
}

/// What [`recover`] did with a generation a writer left pending.
#[derive(Debug)]
pub enum Recovered {
    /// Its sheet was in place: it is now the current generation.
    Finished(GenerationRecord),
    /// Its sheet was never placed: it is recorded as never printed.
    NeverPrinted(GenerationRecord),
}

impl Localized for Recovered {
    fn msg(&self) -> Msg {
        let (key, r) = match self {
            Recovered::Finished(r) => ("recovered_finished", r),
            Recovered::NeverPrinted(r) => ("recovered_never_printed", r),
        };
        Msg::new(key)
            .with("account", &r.account)
            .with("generation", r.generation)
            .with("set_id", &r.set_id)
    }
}

/// A new random ID for this run of the tool: 64 bits, as 16 hex digits.
pub fn new_run_id() -> String {
    let n = rand::Rng::next_u64(&mut rand::rand_core::UnwrapErr(rand::rngs::SysRng));
    format!("{n:016x}")
}

/// The name of this machine, as placements record it.
pub fn host_name() -> String {
    #[cfg(unix)]
    {
        rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned()
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").unwrap_or_default()
    }
}

/// Writes to the process's stdout (the caller has refused a terminal and a
/// closed stdout).
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Issues one sheet for a command: fonts, ledger, the OS random generator,
/// Ctrl-C handling, then [`issue`], and tells the user what was made.
/// `inputs` are the files the command read (no output may be one of them).
pub fn run(
    ctx: &Context,
    ledger: &mut super::OnDemand,
    spec: &SheetSpec,
    source: CodeSource,
    verifier: Option<&VerifierSpec>,
    inputs: &[&Path],
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let fonts = Fonts::load();
    ctx.detail(&ctx.messages.fill(
        "detail_fonts_loaded",
        &[("elapsed", &format!("{:.1?}", started.elapsed()))],
    ));
    let mut stdout = write_stdout;
    let issued = issue_one(
        ctx,
        ledger,
        &Request {
            spec,
            source: &source,
            verifier,
            inputs,
        },
        &fonts,
        &mut stdout,
    )?;
    report(ctx, &issued);
    ctx.detail(&ctx.messages.fill(
        "detail_done",
        &[
            ("ledger", &ledger.location().to_string()),
            ("elapsed", &format!("{:.1?}", started.elapsed())),
        ],
    ));
    Ok(())
}

/// One sheet to issue: its spec, where its codes come from, a verifier to
/// write beside it, and the files the caller read (no output may be one).
pub struct Request<'a> {
    pub spec: &'a SheetSpec,
    pub source: &'a CodeSource,
    pub verifier: Option<&'a VerifierSpec>,
    pub inputs: &'a [&'a Path],
}

/// Issues one sheet with this process's tools: the OS random generator, the
/// clock, Ctrl-C handling (installed here: any input is read by now, and
/// from here a Ctrl-C waits for the sheet to be recorded or discarded
/// whole), this machine's name and a new run ID. A sheet for
/// [`Destination::Stdout`] is handed whole to `stdout`; it is recorded as
/// printed only once `stdout` took it. The command line writes it to the
/// process's stdout, the web page into its response.
pub fn issue_one(
    ctx: &Context,
    ledger: &mut super::OnDemand,
    req: &Request<'_>,
    fonts: &Fonts,
    stdout: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> Result<Issued, Error> {
    let mut rng = rand::rand_core::UnwrapErr(rand::rngs::SysRng);
    interrupt::install().map_err(|source| Error::Io {
        path: PathBuf::from("<signal handler>"),
        source,
    })?;
    let protected = ctx.protected_files(req.inputs)?;
    let host = host_name();
    let run = new_run_id();
    let mut tools = Tools {
        fonts,
        rng: &mut rng,
        clock: &super::now,
        stdout,
        protected: &protected,
        stop: &interrupt::requested,
        host: &host,
        run: &run,
        actor: &ctx.actor(None),
        checkpoint: &every_step,
    };
    issue(ledger, req.spec, req.source, req.verifier, &mut tools)
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
    let codes = codes_text(m, issued);
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
    lines.extend(destroy_text(m, issued));
    if let Some(v) = &issued.verifier {
        lines.push(m.fill("verifier_written", &[("path", &v.display().to_string())]));
    }
    lines
}

/// "10 codes of 80 bits each".
pub fn codes_text(m: &Messages, issued: &Issued) -> String {
    let count = issued.count.to_string();
    let bits = format!("{:.0}", issued.bits.floor());
    let key = if issued.count == 1 {
        "codes_one"
    } else {
        "codes_many"
    };
    m.fill(key, &[("count", &count), ("bits", &bits)])
}

/// The sheet the new set replaces, to be shredded; `None` for a first set.
pub fn destroy_text(m: &Messages, issued: &Issued) -> Option<String> {
    issued.replaced.as_ref().map(|old| {
        m.fill(
            "destroy_old",
            &[
                ("generation", &old.generation.to_string()),
                ("set_id", &old.set_id.to_string()),
                ("issued", &super::display::date(&old.issued_at)),
            ],
        )
    })
}

#[cfg(test)]
mod tests {
    //! The protocol's promises, step by step: each step is made to fail and
    //! the folder and the ledger are checked afterwards; and each state a
    //! crash can leave is built and handed to `recover`. (The end-to-end
    //! test `crash` kills real processes at random instants.)

    use std::cell::Cell;
    use std::fs;
    use std::num::NonZeroUsize;

    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use tempfile::TempDir;

    use super::*;
    use crate::app::spec::Place;
    use crate::codes::{DEFAULT_PATTERN, Format};
    use crate::lang::{Lang, Paper};
    use crate::ledger::{SqliteLedger, Status};
    use crate::template::Template;
    use crate::verifier::VerifierParams;

    const ACCOUNT: &str = "shop@example.com";
    const HOST: &str = "this-host";

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-24T10:00:00+09:00").unwrap()
    }

    fn spec(sheet: &Path, supersede: Supersede, overwrite: Overwrite) -> SheetSpec {
        SheetSpec {
            account: ACCOUNT.into(),
            lang: Lang::En,
            template: Template::embedded(Lang::En),
            paper: Paper::A4,
            organisation: None,
            location: None,
            custodian: None,
            copies: 1,
            next_inventory: NextInventory::MonthsAfterIssue(6),
            destination: Destination::File(Place::path(sheet.to_owned(), "-o")),
            overwrite,
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

        fn ledger(&self) -> SqliteLedger {
            SqliteLedger::open(&self.ledger_path()).unwrap()
        }

        fn out(&self) -> PathBuf {
            self.dir.path().join("out")
        }

        /// Issues a sheet at `name` in `out/` (`-` for stdout), failing at `fail`.
        fn issue(
            &self,
            name: &str,
            supersede: Supersede,
            overwrite: Overwrite,
            verifier: Option<&VerifierSpec>,
            fail: Option<Step>,
            stdout: &mut dyn FnMut(&[u8]) -> io::Result<()>,
        ) -> Result<Issued, Error> {
            let mut spec = spec(&self.out().join(name), supersede, overwrite);
            if name == "-" {
                spec.destination = Destination::Stdout;
            }
            self.seed.set(self.seed.get() + 1);
            let mut rng = StdRng::seed_from_u64(self.seed.get());
            let protected = crate::ledger::own_files(&self.ledger_path());
            let run = format!("run-{}", self.seed.get());
            let checkpoint = failing_at(fail);
            let mut tools = Tools {
                fonts: &self.fonts,
                rng: &mut rng,
                clock: &now,
                stdout,
                protected: &protected,
                stop: &|| false,
                host: HOST,
                run: &run,
                actor: &test_actor(),
                checkpoint: &checkpoint,
            };
            issue(&mut self.ledger(), &spec, &source(), verifier, &mut tools)
        }

        fn history(&self) -> Vec<GenerationRecord> {
            self.ledger().history(ACCOUNT).unwrap_or_default()
        }

        fn files(&self) -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(self.out())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }

        fn verifier(&self, name: &str, overwrite: Overwrite) -> VerifierSpec {
            VerifierSpec {
                place: Place::path(self.out().join(name), "--verifier"),
                params: VerifierParams::default(),
                overwrite,
                threads: NonZeroUsize::MIN,
            }
        }

        fn pending(&self) -> Vec<Pending> {
            let mut ledger = self.ledger();
            let mut writer = ledger.writer(&|| false).unwrap();
            let mut txn = writer.begin().unwrap();
            txn.pending().unwrap()
        }
    }

    /// A checkpoint that makes step `fail` fail (and lets every other happen).
    fn failing_at(fail: Option<Step>) -> impl Fn(Step) -> io::Result<()> {
        move |step: Step| {
            if Some(step) == fail {
                Err(io::Error::other(format!("injected fault at {step:?}")))
            } else {
                Ok(())
            }
        }
    }

    fn test_actor() -> Actor {
        Actor {
            by: None,
            os_user: "tester".into(),
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
                Overwrite::Refuse,
                None,
                None,
                &mut no_stdout,
            )
            .unwrap();
        assert_eq!(issued.generation, 1);
        assert_eq!(s.files(), ["a.pdf"]);
        let history = s.history();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].status, Status::Current);
        assert!(s.pending().is_empty());
    }

    /// Each step of a regeneration fails in turn, with a verifier and with
    /// `--force` over the old files: the old sheet and verifier are back
    /// as they were, the ledger is as it was, nothing else is in the folder.
    #[test]
    fn a_failure_at_any_step_leaves_everything_as_it_was() {
        for fail in [
            Step::RecordPending,
            Step::PlaceVerifier,
            Step::PlaceSheet,
            Step::Finish,
        ] {
            for overwrite in [Overwrite::Refuse, Overwrite::Replace] {
                let s = Setup::new();
                let first = s.verifier("v.json", Overwrite::Refuse);
                s.issue(
                    "a.pdf",
                    Supersede::Refuse,
                    Overwrite::Refuse,
                    Some(&first),
                    None,
                    &mut no_stdout,
                )
                .unwrap();
                let old_sheet = fs::read(s.out().join("a.pdf")).unwrap();
                let old_verifier = fs::read(s.out().join("v.json")).unwrap();
                let before = s.history();
                let (name, vname) = match overwrite {
                    Overwrite::Replace => ("a.pdf", "v.json"),
                    Overwrite::Refuse => ("b.pdf", "w.json"),
                };
                let verifier = s.verifier(vname, overwrite);
                let err = s
                    .issue(
                        name,
                        Supersede::Allow,
                        overwrite,
                        Some(&verifier),
                        Some(fail),
                        &mut no_stdout,
                    )
                    .unwrap_err();
                let case = format!("{fail:?} {overwrite:?}");
                assert!(err.to_string().contains("injected fault"), "{case}: {err}");
                assert_eq!(s.files(), ["a.pdf", "v.json"], "{case}");
                assert_eq!(
                    fs::read(s.out().join("a.pdf")).unwrap(),
                    old_sheet,
                    "{case}"
                );
                assert_eq!(
                    fs::read(s.out().join("v.json")).unwrap(),
                    old_verifier,
                    "{case}"
                );
                assert_eq!(s.history(), before, "{case}: the ledger changed");
                assert!(s.pending().is_empty(), "{case}");
            }
        }
    }

    /// Issues a group, as a batch's recorder does: one sheet per
    /// `(account, file name)`, prepared first, then (after `between`)
    /// recorded together, failing at `fail`.
    fn issue_as_group(
        s: &Setup,
        sheets: &[(&str, &str)],
        fail: Option<Step>,
        between: &dyn Fn(),
    ) -> Result<Vec<Result<Issued, Error>>, Error> {
        let specs: Vec<SheetSpec> = sheets
            .iter()
            .map(|(account, name)| {
                let mut spec = spec(&s.out().join(name), Supersede::Allow, Overwrite::Refuse);
                spec.account = (*account).into();
                spec
            })
            .collect();
        let source = source();
        s.seed.set(s.seed.get() + 1);
        let mut rng = StdRng::seed_from_u64(s.seed.get());
        // A new run each time: a run that printed an account refuses it again.
        let run = format!("group-run-{}", s.seed.get());
        let protected = crate::ledger::own_files(&s.ledger_path());
        let checkpoint = failing_at(fail);
        let mut stdout = no_stdout;
        let mut tools = Tools {
            fonts: &s.fonts,
            rng: &mut rng,
            clock: &now,
            stdout: &mut stdout,
            protected: &protected,
            stop: &|| false,
            host: HOST,
            run: &run,
            actor: &test_actor(),
            checkpoint: &checkpoint,
        };
        let mut ledger = s.ledger();
        let group = specs
            .iter()
            .map(|spec| {
                let prepared = prepare(&mut ledger, spec, &source, None, &mut tools)?;
                Ok(Sheet {
                    spec,
                    source: &source,
                    verifier: None,
                    prepared,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        between();
        issue_group(&mut ledger, group, &mut tools)
    }

    /// With `--force`, the old sheet kept aside is removed as soon as the new
    /// one is current; the ledger forgets it at the next writer's recovery,
    /// in the commit that writer makes anyway.
    #[test]
    fn a_replaced_sheet_goes_at_once_and_the_next_writer_forgets_it() {
        let s = Setup::new();
        let issue = |name, supersede, overwrite| {
            s.issue(name, supersede, overwrite, None, None, &mut no_stdout)
                .unwrap()
        };
        issue("a.pdf", Supersede::Refuse, Overwrite::Refuse);
        let first = fs::read(s.out().join("a.pdf")).unwrap();
        issue("a.pdf", Supersede::Allow, Overwrite::Replace);
        assert_eq!(s.files(), ["a.pdf"], "the old sheet is gone");
        assert_ne!(fs::read(s.out().join("a.pdf")).unwrap(), first);
        let recorded: Vec<String> = s
            .pending()
            .into_iter()
            .flat_map(|p| p.placements)
            .filter_map(|p| p.aside)
            .collect();
        assert_eq!(recorded.len(), 1, "still recorded until the next writer");
        issue("b.pdf", Supersede::Allow, Overwrite::Refuse);
        assert!(s.pending().is_empty());
        assert_eq!(s.files(), ["a.pdf", "b.pdf"]);
    }

    /// A sheet of a group whose name was taken after it was prepared fails
    /// alone: the others are placed and current, and nothing is pending.
    #[test]
    fn a_group_records_each_sheet_and_one_failure_stays_its_own() {
        let s = Setup::new();
        let sheets = [("a@example.com", "a.pdf"), ("b@example.com", "b.pdf")];
        let outcomes = issue_as_group(&s, &sheets, None, &|| ()).unwrap();
        assert!(outcomes.iter().all(Result::is_ok));
        assert_eq!(s.files(), ["a.pdf", "b.pdf"]);
        // The second group regenerates a and b and makes c, whose name
        // someone takes between making the sheets and placing them.
        let sheets = [
            ("a@example.com", "a2.pdf"),
            ("c@example.com", "c.pdf"),
            ("b@example.com", "b2.pdf"),
        ];
        let outcomes = issue_as_group(&s, &sheets, None, &|| {
            fs::write(s.out().join("c.pdf"), b"not a sheet").unwrap();
        })
        .unwrap();
        assert!(outcomes[0].is_ok() && outcomes[2].is_ok());
        let err = outcomes[1].as_ref().unwrap_err();
        assert!(
            matches!(err, Error::Output(OutputError::Exists { .. })),
            "{err}"
        );
        assert_eq!(s.files(), ["a.pdf", "a2.pdf", "b.pdf", "b2.pdf", "c.pdf"]);
        assert_eq!(fs::read(s.out().join("c.pdf")).unwrap(), b"not a sheet");
        let ledger = s.ledger();
        for (account, generations) in [("a@example.com", 2), ("b@example.com", 2)] {
            let history = ledger.history(account).unwrap();
            assert_eq!(history.len(), generations, "{account}");
            assert_eq!(history[0].status, Status::Superseded, "{account}");
            assert_eq!(history[1].status, Status::Current, "{account}");
        }
        // c's generation was never placed: not in the ledger at all.
        assert!(
            ledger
                .history("c@example.com")
                .unwrap_or_default()
                .is_empty()
        );
        assert!(s.pending().is_empty());
    }

    /// A group that fails at its finish takes every sheet back: no file, no
    /// generation, nothing pending.
    #[test]
    fn a_group_that_cannot_finish_takes_every_sheet_back() {
        for fail in [Step::RecordPending, Step::PlaceSheet, Step::Finish] {
            let s = Setup::new();
            let sheets = [("a@example.com", "a.pdf"), ("b@example.com", "b.pdf")];
            let case = format!("{fail:?}");
            match issue_as_group(&s, &sheets, Some(fail), &|| ()) {
                // The finish is the group's: its failure is the group's.
                Err(e) => {
                    assert_eq!(fail, Step::Finish, "{case}");
                    assert!(e.to_string().contains("injected fault"), "{case}: {e}");
                }
                // Recording and placing fail each sheet on its own.
                Ok(outcomes) => {
                    assert_ne!(fail, Step::Finish, "{case}");
                    assert_eq!(outcomes.len(), 2, "{case}");
                    for outcome in outcomes {
                        let e = outcome.unwrap_err();
                        assert!(e.to_string().contains("injected fault"), "{case}: {e}");
                    }
                }
            }
            assert!(s.files().is_empty(), "{case}: {:?}", s.files());
            let ledger = s.ledger();
            for (account, _) in sheets {
                assert!(
                    ledger.history(account).unwrap_or_default().is_empty(),
                    "{case}"
                );
            }
            assert!(s.pending().is_empty(), "{case}");
        }
    }

    #[test]
    fn when_the_name_is_taken_meanwhile_nothing_is_recorded() {
        let s = Setup::new();
        let taken = s.out().join("a.pdf");
        // Taken after the checks and the staging, just before placing.
        let err = {
            let mut spec = spec(&taken, Supersede::Refuse, Overwrite::Refuse);
            spec.copies = 1;
            let mut rng = StdRng::seed_from_u64(3);
            let checkpoint = |step: Step| {
                if step == Step::PlaceSheet {
                    fs::create_dir(&taken).unwrap();
                }
                Ok(())
            };
            let mut out = no_stdout;
            let mut tools = Tools {
                fonts: &s.fonts,
                rng: &mut rng,
                clock: &now,
                stdout: &mut out,
                protected: &[],
                stop: &|| false,
                host: HOST,
                run: "test-run",
                actor: &test_actor(),
                checkpoint: &checkpoint,
            };
            issue(&mut s.ledger(), &spec, &source(), None, &mut tools).unwrap_err()
        };
        assert!(matches!(err, Error::Output(_)), "{err}");
        assert_eq!(s.files(), ["a.pdf"]);
        assert!(taken.is_dir());
        assert!(s.history().is_empty());
        assert!(s.pending().is_empty());
    }

    #[test]
    fn when_stdout_fails_nothing_is_recorded() {
        let s = Setup::new();
        let err = s
            .issue(
                "-",
                Supersede::Refuse,
                Overwrite::Refuse,
                None,
                None,
                &mut |_| Err(io::Error::from(io::ErrorKind::BrokenPipe)),
            )
            .unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(s.history().is_empty());
        assert!(s.pending().is_empty());
    }

    #[test]
    fn a_stop_before_placing_leaves_nothing() {
        let s = Setup::new();
        let mut spec = spec(&s.out().join("a.pdf"), Supersede::Refuse, Overwrite::Refuse);
        spec.copies = 1;
        let mut rng = StdRng::seed_from_u64(5);
        let mut out = no_stdout;
        let mut tools = Tools {
            fonts: &s.fonts,
            rng: &mut rng,
            clock: &now,
            stdout: &mut out,
            protected: &[],
            stop: &|| true,
            host: HOST,
            run: "test-run",
            actor: &test_actor(),
            checkpoint: &every_step,
        };
        let err = issue(&mut s.ledger(), &spec, &source(), None, &mut tools).unwrap_err();
        assert!(matches!(err, Error::Interrupted), "{err}");
        assert_eq!(s.files(), Vec::<String>::new());
        assert!(s.history().is_empty());
    }

    #[test]
    fn an_output_that_is_the_ledger_is_refused_before_any_work() {
        let s = Setup::new();
        s.issue(
            "a.pdf",
            Supersede::Refuse,
            Overwrite::Refuse,
            None,
            None,
            &mut no_stdout,
        )
        .unwrap();
        let ledger_before = fs::read(s.ledger_path()).unwrap();
        // Through `..` from the output folder, with --force.
        let sneaky = s.out().join("..").join("ledger.db");
        let mut spec = spec(&sneaky, Supersede::Allow, Overwrite::Replace);
        spec.copies = 1;
        let mut rng = StdRng::seed_from_u64(9);
        let protected = crate::ledger::own_files(&s.ledger_path());
        let mut out = no_stdout;
        let mut tools = Tools {
            fonts: &s.fonts,
            rng: &mut rng,
            clock: &now,
            stdout: &mut out,
            protected: &protected,
            stop: &|| false,
            host: HOST,
            run: "test-run",
            actor: &test_actor(),
            checkpoint: &every_step,
        };
        let err = issue(&mut s.ledger(), &spec, &source(), None, &mut tools).unwrap_err();
        assert!(
            matches!(err, Error::Output(OutputError::Protected { .. })),
            "{err}"
        );
        assert_eq!(fs::read(s.ledger_path()).unwrap(), ledger_before);
    }

    /// A sheet made on a lineage that changed before the lock is made again.
    #[test]
    fn a_sheet_made_before_another_writer_recorded_is_made_again() {
        let s = Setup::new();
        let mut spec = spec(&s.out().join("b.pdf"), Supersede::Allow, Overwrite::Refuse);
        spec.copies = 1;
        let mut rng = StdRng::seed_from_u64(4);
        let mut ledger = s.ledger();
        // The unlocked read sees no set; then another process records one.
        let plan = Plan::new(
            ACCOUNT,
            ledger.lineage(ACCOUNT).unwrap(),
            Supersede::Allow,
            "r",
        )
        .unwrap();
        assert!(plan.replaced.is_none());
        s.issue(
            "a.pdf",
            Supersede::Refuse,
            Overwrite::Refuse,
            None,
            None,
            &mut no_stdout,
        )
        .unwrap();
        let mut out = no_stdout;
        let mut tools = Tools {
            fonts: &s.fonts,
            rng: &mut rng,
            clock: &now,
            stdout: &mut out,
            protected: &[],
            stop: &|| false,
            host: HOST,
            run: "test-run-2",
            actor: &test_actor(),
            checkpoint: &every_step,
        };
        let issued = issue(&mut ledger, &spec, &source(), None, &mut tools).unwrap();
        assert_eq!(issued.generation, 2);
        assert_eq!(issued.replaced.map(|r| r.generation), Some(1));
    }

    // What a crash can leave, built by hand, and what `recover` makes of it.

    struct Crashed {
        s: Setup,
        set_id: SetId,
        old_sheet: Vec<u8>,
    }

    /// Generation 1 is current (`a.pdf`, `v.json`); generation 2 is pending
    /// with placements for `sheet` and `verifier` as `build` leaves them.
    fn crashed(
        sheet: &str,
        verifier: &str,
        build: impl FnOnce(&Setup, &mut Vec<Placement>),
    ) -> Crashed {
        let s = Setup::new();
        let first = s.verifier("v.json", Overwrite::Refuse);
        s.issue(
            "a.pdf",
            Supersede::Refuse,
            Overwrite::Refuse,
            Some(&first),
            None,
            &mut no_stdout,
        )
        .unwrap();
        let old_sheet = fs::read(s.out().join("a.pdf")).unwrap();
        let set_id = SetId::parse("ZZZZ-2222").unwrap();
        let mut placements = vec![
            Placement {
                role: Role::Sheet,
                host: HOST.into(),
                path: s.out().join(sheet).display().to_string(),
                file: None,
                aside: None,
            },
            Placement {
                role: Role::Verifier,
                host: HOST.into(),
                path: s.out().join(verifier).display().to_string(),
                file: None,
                aside: None,
            },
        ];
        build(&s, &mut placements);
        let mut ledger = s.ledger();
        let mut txn = ledger.begin_write().unwrap();
        txn.record_pending(
            &NewGeneration {
                account: ACCOUNT.into(),
                set_id: set_id.clone(),
                issued_at: now(),
                count: 10,
                format: DEFAULT_PATTERN.into(),
                source: "generated".into(),
                copies: 1,
                location: None,
                custodian: None,
                next_inventory: None,
                lang: None,
                paper: None,
                organisation: None,
                run: None,
            },
            &placements,
        )
        .unwrap();
        txn.commit().unwrap();
        Crashed {
            s,
            set_id,
            old_sheet,
        }
    }

    /// Stages `bytes` in `out/` and records it in the placement; returns it.
    fn staged(s: &Setup, p: &mut Placement, bytes: &[u8]) -> Staged {
        let staged = files::stage(&s.out(), bytes).unwrap();
        let FileId { dev, ino } = staged.id();
        p.file = Some((dev, ino));
        staged
    }

    fn recovered(c: &Crashed) -> Vec<Recovered> {
        let mut ledger = c.s.ledger();
        let mut writer = ledger.writer(&|| false).unwrap();
        recover(writer.as_mut(), HOST, now(), &test_actor()).unwrap()
    }

    fn status_of(c: &Crashed) -> Status {
        let (record, _) = c.s.ledger().find_set(&c.set_id).unwrap().unwrap();
        record.status
    }

    #[test]
    fn a_crash_before_anything_was_placed_is_never_printed() {
        let c = crashed("b.pdf", "w.json", |s, p| {
            // Staged, but no name given: the file went with the process.
            drop(staged(s, &mut p[0], b"new sheet"));
            drop(staged(s, &mut p[1], b"new verifier"));
        });
        assert!(matches!(recovered(&c)[..], [Recovered::NeverPrinted(_)]));
        assert_eq!(status_of(&c), Status::Unprinted);
        assert_eq!(c.s.files(), ["a.pdf", "v.json"]);
        assert_eq!(c.s.history()[0].status, Status::Current);
        assert!(c.s.pending().is_empty());
    }

    #[test]
    fn a_crash_after_the_verifier_was_placed_takes_it_back() {
        let c = crashed("b.pdf", "w.json", |s, p| {
            drop(staged(s, &mut p[0], b"new sheet"));
            staged(s, &mut p[1], b"new verifier")
                .link_new(&s.out().join("w.json"))
                .unwrap();
        });
        assert!(matches!(recovered(&c)[..], [Recovered::NeverPrinted(_)]));
        assert_eq!(c.s.files(), ["a.pdf", "v.json"]);
        assert_eq!(status_of(&c), Status::Unprinted);
    }

    #[test]
    fn a_crash_after_the_sheet_was_placed_finishes_the_generation() {
        let c = crashed("b.pdf", "w.json", |s, p| {
            staged(s, &mut p[1], b"new verifier")
                .link_new(&s.out().join("w.json"))
                .unwrap();
            staged(s, &mut p[0], b"new sheet")
                .link_new(&s.out().join("b.pdf"))
                .unwrap();
        });
        assert!(matches!(recovered(&c)[..], [Recovered::Finished(_)]));
        assert_eq!(status_of(&c), Status::Current);
        let history = c.s.history();
        assert_eq!(history[0].status, Status::Superseded);
        assert_eq!(history[0].superseded_by.as_ref(), Some(&c.set_id));
        assert_eq!(c.s.files(), ["a.pdf", "b.pdf", "v.json", "w.json"]);
    }

    #[test]
    fn a_crash_with_force_before_the_swap_keeps_the_old_sheet() {
        let c = crashed("a.pdf", "v.json", |s, p| {
            let sheet = staged(s, &mut p[0], b"new sheet");
            let aside = sheet.aside_name();
            sheet.link_aside(&aside).unwrap();
            p[0].aside = Some(aside.display().to_string());
            drop(staged(s, &mut p[1], b"new verifier"));
            p[1].aside = Some(
                s.out()
                    .join(".recovery-sheet-x.aside")
                    .display()
                    .to_string(),
            );
        });
        assert!(matches!(recovered(&c)[..], [Recovered::NeverPrinted(_)]));
        assert_eq!(fs::read(c.s.out().join("a.pdf")).unwrap(), c.old_sheet);
        assert_eq!(c.s.files(), ["a.pdf", "v.json"]);
        assert_eq!(c.s.history()[0].status, Status::Current);
    }

    #[test]
    fn a_crash_with_force_after_the_verifier_swap_swaps_it_back() {
        let mut old_verifier = Vec::new();
        let c = crashed("a.pdf", "v.json", |s, p| {
            old_verifier = fs::read(s.out().join("v.json")).unwrap();
            drop(staged(s, &mut p[0], b"new sheet"));
            let v = staged(s, &mut p[1], b"new verifier");
            let aside = v.aside_name();
            v.link_aside(&aside).unwrap();
            files::swap(&aside, &s.out().join("v.json")).unwrap();
            p[1].aside = Some(aside.display().to_string());
        });
        assert!(matches!(recovered(&c)[..], [Recovered::NeverPrinted(_)]));
        assert_eq!(fs::read(c.s.out().join("v.json")).unwrap(), old_verifier);
        assert_eq!(fs::read(c.s.out().join("a.pdf")).unwrap(), c.old_sheet);
        assert_eq!(c.s.files(), ["a.pdf", "v.json"]);
    }

    #[test]
    fn a_crash_with_force_after_the_sheet_swap_finishes_and_shreds_the_old_file() {
        let c = crashed("a.pdf", "v.json", |s, p| {
            let v = staged(s, &mut p[1], b"new verifier");
            let aside = v.aside_name();
            v.link_aside(&aside).unwrap();
            files::swap(&aside, &s.out().join("v.json")).unwrap();
            p[1].aside = Some(aside.display().to_string());
            let sheet = staged(s, &mut p[0], b"new sheet");
            let aside = sheet.aside_name();
            sheet.link_aside(&aside).unwrap();
            files::swap(&aside, &s.out().join("a.pdf")).unwrap();
            p[0].aside = Some(aside.display().to_string());
        });
        assert!(matches!(recovered(&c)[..], [Recovered::Finished(_)]));
        assert_eq!(fs::read(c.s.out().join("a.pdf")).unwrap(), b"new sheet");
        assert_eq!(fs::read(c.s.out().join("v.json")).unwrap(), b"new verifier");
        // The old sheet, which held the old codes, is gone.
        assert_eq!(c.s.files(), ["a.pdf", "v.json"]);
        assert!(c.s.pending().is_empty());
    }

    #[test]
    fn a_crash_while_writing_to_stdout_is_never_printed() {
        let c = crashed("-", "w.json", |_, p| {
            p[0].path = "-".into();
            p.truncate(1);
        });
        assert!(matches!(recovered(&c)[..], [Recovered::NeverPrinted(_)]));
        assert_eq!(status_of(&c), Status::Unprinted);
    }

    #[test]
    fn another_machines_pending_generation_is_left_for_it() {
        let c = crashed("b.pdf", "w.json", |_, p| {
            for placement in p.iter_mut() {
                placement.host = "other-host".into();
            }
        });
        assert!(recovered(&c).is_empty());
        assert_eq!(status_of(&c), Status::Pending);
        // And a new sheet for that account is refused until it is resolved.
        let err =
            c.s.issue(
                "c.pdf",
                Supersede::Allow,
                Overwrite::Refuse,
                None,
                None,
                &mut no_stdout,
            )
            .unwrap_err();
        assert!(matches!(err, Error::PendingElsewhere { .. }), "{err}");
    }

    #[test]
    fn the_next_regeneration_supersedes_a_never_printed_one() {
        let c = crashed("b.pdf", "w.json", |_, _| {});
        recovered(&c);
        let issued =
            c.s.issue(
                "c.pdf",
                Supersede::Allow,
                Overwrite::Refuse,
                None,
                None,
                &mut no_stdout,
            )
            .unwrap();
        assert_eq!(issued.generation, 3);
        // It replaces the printed generation 1, not the never-printed 2.
        assert_eq!(issued.replaced.map(|r| r.generation), Some(1));
        let (unprinted, _) = c.s.ledger().find_set(&c.set_id).unwrap().unwrap();
        assert_eq!(unprinted.status, Status::Unprinted);
        assert_eq!(unprinted.superseded_by, Some(issued.set_id));
    }
}
