//! Settings for a sheet: a request (from flags, a batch row or a form) over the config over built-in defaults, turned into a validated spec.

use std::ops::RangeInclusive;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::dates::parse_date;
use crate::ledger::{GenerationRecord, Ledger};

use super::Context;
use std::num::NonZeroUsize;

use crate::cli::SheetArgs;
use crate::codes::CodeSet;
use crate::codes::{DEFAULT_PATTERN, Format, RECOMMENDED_BITS};
use crate::config::{Source, pick};
use crate::error::Error;
use crate::files::Overwrite;
use crate::import::Preset;
use crate::labels::{account_label, optional_label};
use crate::lang::{Lang, Paper};
use crate::limits::{MAX_COPIES, MAX_COUNT};
use crate::messages::Msg;
use crate::output;
use crate::output::OutputError;
use crate::template::Template;
use crate::verifier::{self, VerifierParams};

/// Default months from issue to the next inventory (the domain notes say 6 to 12).
pub const DEFAULT_INVENTORY_MONTHS: u32 = 6;

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
    pub fn precheck(&self, overwrite: Overwrite) -> Result<(), OutputError> {
        match &self.target {
            Target::Path(path) => output::precheck(path, overwrite, self.flag),
            Target::DefaultNameIn(dir) => output::precheck_folder(dir, self.flag),
        }
    }

    /// The file's path, given its default name when the place is a folder.
    pub fn resolve(&self, default_name: impl FnOnce() -> String) -> PathBuf {
        match &self.target {
            Target::Path(path) => path.clone(),
            Target::DefaultNameIn(dir) => dir.join(default_name()),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Supersede {
    #[default]
    Refuse,
    Allow,
}

impl Supersede {
    /// From `--regenerate` at the edge (a flag, a batch option, a form's box).
    pub fn when_asked(regenerate: bool) -> Supersede {
        if regenerate {
            Supersede::Allow
        } else {
            Supersede::Refuse
        }
    }
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
    /// The language of the template (a template of one's own keeps the language asked for).
    pub lang: Lang,
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
    /// whose workers already keep every core busy (and each hash takes `m_kib`).
    pub threads: NonZeroUsize,
}

/// What someone asked for a sheet, before it is checked: the command line's
/// flags, a batch file's row and the web page's form all become one of these.
#[derive(Debug, Clone, Default)]
pub struct SheetRequest {
    pub account: String,
    pub lang: Option<Lang>,
    pub paper: Option<Paper>,
    pub location: Option<String>,
    pub custodian: Option<String>,
    pub copies: Option<u32>,
    /// As typed; checked by [`sheet_spec`].
    pub next_inventory: Option<String>,
    pub template: Option<PathBuf>,
    pub output: Output,
    pub overwrite: Overwrite,
    pub supersede: Supersede,
}

/// Where the PDF should go, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Its default name (account, generation, set ID) in this folder; the
    /// flag named the folder (`--out-dir`), or none did (the current folder).
    DefaultNameIn(PathBuf, &'static str),
    File(PathBuf),
    Stdout,
    /// Back to whoever asked, in memory (the web page's response): the
    /// issuing tools' `stdout` receives it, never a file, and the process's
    /// own stdout has nothing to do with it.
    Response,
}

impl Default for Output {
    fn default() -> Output {
        Output::DefaultNameIn(PathBuf::new(), "-o")
    }
}

/// The sheet flags of `generate` and `import` as a request.
pub fn sheet_request(args: &SheetArgs) -> SheetRequest {
    SheetRequest {
        account: args.account.clone(),
        lang: args.lang,
        paper: args.paper,
        location: args.location.clone(),
        custodian: args.custodian.clone(),
        copies: args.copies,
        next_inventory: args.next_inventory.clone(),
        template: args.template.clone(),
        output: match &args.output {
            Some(p) if p.as_os_str() == "-" => Output::Stdout,
            Some(p) => Output::File(p.clone()),
            None => Output::default(),
        },
        overwrite: Overwrite::when_forced(args.force),
        supersede: Supersede::when_asked(args.regenerate),
    }
}

/// The locale's language when it names one we ship, else English.
fn locale_lang() -> (Lang, Source) {
    match Lang::from_env_locale() {
        Some(lang) => (lang, Source::Locale),
        None => (Lang::En, Source::BuiltIn),
    }
}

/// Every setting with its source, as `config show` prints it.
pub struct Resolved {
    pub lang: (Lang, Source),
    pub paper: (Paper, Source),
    pub organisation: (Option<String>, Source),
    pub location: (Option<String>, Source),
    pub custodian: (Option<String>, Source),
    pub copies: (u32, Source),
    pub format: (String, Source),
    pub count: (u32, Source),
    pub inventory_months: (u32, Source),
}

/// Combines flags (those given), the config file and built-in defaults.
///
/// `previous` is the generation a regeneration replaces: what it was printed
/// with (location, custodian, copies, language, paper, organisation) is
/// carried over where neither a flag nor the config says otherwise, so a
/// reprint needs nothing typed again.
pub fn resolve(
    ctx: &Context,
    sheet: Option<&SheetRequest>,
    format: Option<&str>,
    count: Option<u32>,
    previous: Option<&GenerationRecord>,
) -> Resolved {
    let file = &ctx.config.file;
    let path = ctx.config.path.as_deref();
    let flag_lang = sheet.and_then(|s| s.lang);
    let flag_paper = sheet.and_then(|s| s.paper);
    let some = |v: Option<String>| v.map(Some);
    // The previous generation's value, else the built-in default.
    let carried = |value: Option<String>, default: Option<String>| match (previous, value) {
        (Some(p), Some(v)) => (Some(v), Source::Carried(p.generation)),
        _ => (default, Source::BuiltIn),
    };
    let carried_lang = previous
        .and_then(|p| Some((p.lang.as_deref().and_then(Lang::from_name)?, p.generation)))
        .map_or_else(locale_lang, |(lang, g)| (lang, Source::Carried(g)));
    let carried_paper = previous
        .and_then(|p| Some((p.paper.as_deref().and_then(Paper::from_name)?, p.generation)))
        .map_or((Paper::A4, Source::BuiltIn), |(paper, g)| {
            (paper, Source::Carried(g))
        });
    Resolved {
        lang: pick(
            flag_lang,
            file.lang.as_deref().and_then(Lang::from_name),
            path,
            carried_lang,
        ),
        paper: pick(
            flag_paper,
            file.paper.as_deref().and_then(Paper::from_name),
            path,
            carried_paper,
        ),
        organisation: pick(
            None,
            some(file.organisation.clone()),
            path,
            carried(previous.and_then(|p| p.organisation.clone()), None),
        ),
        location: pick(
            some(sheet.and_then(|s| s.location.clone())),
            some(file.location.clone()),
            path,
            carried(previous.and_then(|p| p.location.clone()), None),
        ),
        custodian: pick(
            some(sheet.and_then(|s| s.custodian.clone())),
            some(file.custodian.clone()),
            path,
            carried(previous.and_then(|p| p.custodian.clone()), None),
        ),
        copies: pick(
            sheet.and_then(|s| s.copies),
            file.copies,
            path,
            match previous {
                Some(p) if p.copies >= 1 => (p.copies, Source::Carried(p.generation)),
                _ => (1, Source::BuiltIn),
            },
        ),
        format: pick(
            format.map(str::to_owned),
            file.format.clone(),
            path,
            (DEFAULT_PATTERN.to_owned(), Source::BuiltIn),
        ),
        count: pick(count, file.count, path, (10, Source::BuiltIn)),
        inventory_months: pick(
            None,
            file.inventory_months,
            path,
            (DEFAULT_INVENTORY_MONTHS, Source::BuiltIn),
        ),
    }
}

/// What the ledger knows of a requested account (see [`known_account`]).
pub struct Known {
    /// For a regeneration, the generation it replaces.
    pub previous: Option<GenerationRecord>,
    /// The line to tell the user when the label was matched to an existing
    /// account spelt differently.
    pub matched: Option<String>,
}

/// Looks the requested account up in the ledger before a sheet is made: a
/// label that differs from a recorded one only in case (an e-mail address),
/// width or Unicode form is that account, and takes its spelling; for a
/// regeneration, the generation it replaces is returned, whose settings are
/// carried over (see [`resolve`]).
pub fn known_account(
    ctx: &Context,
    ledger: &dyn Ledger,
    request: &mut SheetRequest,
) -> Result<Known, Error> {
    let typed = account_label(&request.account)?;
    let lineage = ledger.lineage(&typed)?;
    let recorded = lineage
        .current
        .as_ref()
        .or(lineage.latest_earlier.as_ref())
        .or(lineage.pending.as_ref());
    let mut matched = None;
    if let Some(existing) = recorded.map(|r| r.account.clone())
        && existing != typed
    {
        matched = Some(ctx.messages.fill(
            "account_matched",
            &[("existing", &existing), ("typed", &typed)],
        ));
        request.account = existing;
    }
    let previous = match request.supersede {
        Supersede::Allow => lineage.current.or(lineage.latest_earlier),
        Supersede::Refuse => None,
    };
    Ok(Known { previous, matched })
}

/// What a regeneration carried over from the generation it replaces, as a
/// line for the user; `None` when nothing was.
pub fn carried_line(ctx: &Context, resolved: &Resolved) -> Option<String> {
    let m = &ctx.messages;
    let mut what = Vec::new();
    let mut generation = None;
    let mut note = |source: &Source, key: &str, value: String| {
        if let Source::Carried(g) = source {
            generation = Some(*g);
            what.push(m.fill(key, &[("value", &value)]));
        }
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    note(
        &resolved.location.1,
        "carried_location",
        text(&resolved.location.0),
    );
    note(
        &resolved.custodian.1,
        "carried_custodian",
        text(&resolved.custodian.0),
    );
    note(
        &resolved.organisation.1,
        "carried_organisation",
        text(&resolved.organisation.0),
    );
    note(
        &resolved.copies.1,
        "carried_copies",
        resolved.copies.0.to_string(),
    );
    note(
        &resolved.lang.1,
        "carried_lang",
        resolved.lang.0.name().to_owned(),
    );
    note(
        &resolved.paper.1,
        "carried_paper",
        resolved.paper.0.name().to_owned(),
    );
    generation.map(|generation| {
        m.fill(
            "carried_over",
            &[
                ("generation", &generation.to_string()),
                ("what", &what.join(m.text("list_separator"))),
            ],
        )
    })
}

/// Resolves a sheet request against the ledger, the config and the
/// defaults into a spec, telling the user (through `tell`) when the account
/// was matched to an existing spelling and what was carried over.
pub fn resolved_spec(
    ctx: &Context,
    ledger: &dyn Ledger,
    request: &mut SheetRequest,
    format: Option<&str>,
    count: Option<u32>,
    tell: &dyn Fn(&str),
) -> Result<(SheetSpec, Resolved), Error> {
    let known = known_account(ctx, ledger, request)?;
    if let Some(line) = &known.matched {
        tell(line);
    }
    let resolved = resolve(ctx, Some(request), format, count, known.previous.as_ref());
    let spec = sheet_spec(request, &resolved)?;
    if let Some(line) = carried_line(ctx, &resolved) {
        tell(&line);
    }
    Ok((spec, resolved))
}

/// Turns a sheet request, over the config and defaults, into a validated spec.
pub fn sheet_spec(args: &SheetRequest, resolved: &Resolved) -> Result<SheetSpec, Error> {
    let account = account_label(&args.account)?;
    let copies = resolved.copies.0;
    if !(1..=MAX_COPIES).contains(&copies) {
        return Err(Error::InvalidValue(
            Msg::new("copies_out_of_range")
                .with("copies", copies)
                .with("max", MAX_COPIES),
        ));
    }
    let template = match &args.template {
        Some(path) => Template::load(path)?,
        None => Template::embedded(resolved.lang.0),
    };
    let next_inventory = match &args.next_inventory {
        Some(raw) => {
            let date = parse_date(raw).ok_or_else(|| {
                Error::InvalidValue(Msg::new("next_inventory_not_a_date").with("value", raw))
            })?;
            if date < super::now().date_naive() {
                return Err(Error::InvalidValue(
                    Msg::new("next_inventory_past").with("date", date.format("%Y-%m-%d")),
                ));
            }
            NextInventory::On(date)
        }
        None => NextInventory::MonthsAfterIssue(resolved.inventory_months.0),
    };
    let destination = match &args.output {
        Output::Stdout => {
            output::checked_stdout()?;
            Destination::Stdout
        }
        Output::Response => Destination::Stdout,
        Output::File(p) => Destination::File(Place::path(p.clone(), "-o")),
        Output::DefaultNameIn(dir, flag) => {
            Destination::File(Place::default_name_in(dir.clone(), flag))
        }
    };
    Ok(SheetSpec {
        account,
        lang: resolved.lang.0,
        template,
        paper: resolved.paper.0,
        organisation: optional_label("field_organisation", resolved.organisation.0.as_deref())?,
        location: optional_label("field_location", resolved.location.0.as_deref())?,
        custodian: optional_label("field_custodian", resolved.custodian.0.as_deref())?,
        copies,
        next_inventory,
        destination,
        overwrite: args.overwrite,
        supersede: args.supersede,
    })
}

/// Checks a code count against the sheet's limit.
pub fn checked_count(count: u32) -> Result<usize, Error> {
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(Error::InvalidValue(
            Msg::new("count_out_of_range")
                .with("count", count)
                .with("max", MAX_COUNT),
        ));
    }
    Ok(count as usize)
}

/// Something to tell the user while a sheet is prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A line for people: an account matched to its recorded spelling, what
    /// a regeneration carried over.
    Say(String),
    /// A warning: a weak format, pasted codes worth a look.
    Warn(String),
}

impl Note {
    /// How the command line tells it (stderr, unless --quiet).
    pub fn tell(self, ctx: &Context) {
        match self {
            Note::Say(line) => ctx.say(&line),
            Note::Warn(line) => ctx.warn(&line),
        }
    }
}

/// The warning for a format under the recommended strength, naming its bits.
pub fn weak_format_warning(ctx: &Context, format: &Format) -> Option<String> {
    (format.bits() < RECOMMENDED_BITS).then(|| {
        ctx.messages.fill(
            "weak_format",
            &[
                ("bits", &format!("{:.1}", format.bits())),
                ("recommended", &format!("{RECOMMENDED_BITS:.0}")),
            ],
        )
    })
}

/// Argon2id parameters from the flags, over the defaults (the OWASP minimum).
pub fn verifier_params(
    memory_kib: Option<u32>,
    passes: Option<u32>,
) -> Result<VerifierParams, Error> {
    let defaults = VerifierParams::default();
    let in_range = |key, value: Option<u32>, range: &RangeInclusive<u32>| match value {
        Some(v) if !range.contains(&v) => Err(Error::InvalidValue(
            Msg::new(key)
                .with("value", v)
                .with("min", range.start())
                .with("max", range.end()),
        )),
        _ => Ok(()),
    };
    in_range(
        "verifier_memory_out_of_range",
        memory_kib,
        &verifier::M_KIB_RANGE,
    )?;
    in_range("verifier_passes_out_of_range", passes, &verifier::T_RANGE)?;
    let params = VerifierParams {
        m_kib: memory_kib.unwrap_or(defaults.m_kib),
        t: passes.unwrap_or(defaults.t),
        ..defaults
    };
    params.validate()?;
    Ok(params)
}
