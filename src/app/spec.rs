//! Settings for a sheet: a request (from flags, a batch row or a form) over the config over built-in defaults, turned into a validated spec.

use std::ops::RangeInclusive;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::Context;
use super::issue::{Destination, NextInventory, Place, SheetSpec, Supersede};
use crate::cli::SheetArgs;
use crate::codes::{DEFAULT_PATTERN, Format, RECOMMENDED_BITS};
use crate::config::{Source, pick};
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::lang::{Lang, Paper};
use crate::limits::{MAX_COPIES, MAX_COUNT};
use crate::messages::Msg;
use crate::output::{self, Overwrite};
use crate::template::Template;
use crate::verifier::{self, VerifierParams};

/// Default months from issue to the next inventory (the domain notes say 6 to 12).
pub const DEFAULT_INVENTORY_MONTHS: u32 = 6;

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
        overwrite: if args.force {
            Overwrite::Replace
        } else {
            Overwrite::Refuse
        },
        supersede: if args.regenerate {
            Supersede::Allow
        } else {
            Supersede::Refuse
        },
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
pub fn resolve(
    ctx: &Context,
    sheet: Option<&SheetRequest>,
    format: Option<&str>,
    count: Option<u32>,
) -> Resolved {
    let file = &ctx.config.file;
    let path = ctx.config.path.as_deref();
    let flag_lang = sheet.and_then(|s| s.lang);
    let flag_paper = sheet.and_then(|s| s.paper);
    let some = |v: Option<String>| v.map(Some);
    Resolved {
        lang: pick(
            flag_lang,
            file.lang.as_deref().and_then(Lang::from_name),
            path,
            locale_lang(),
        ),
        paper: pick(
            flag_paper,
            file.paper.as_deref().and_then(Paper::from_name),
            path,
            (Paper::A4, Source::BuiltIn),
        ),
        organisation: pick(
            None,
            some(file.organisation.clone()),
            path,
            (None, Source::BuiltIn),
        ),
        location: pick(
            some(sheet.and_then(|s| s.location.clone())),
            some(file.location.clone()),
            path,
            (None, Source::BuiltIn),
        ),
        custodian: pick(
            some(sheet.and_then(|s| s.custodian.clone())),
            some(file.custodian.clone()),
            path,
            (None, Source::BuiltIn),
        ),
        copies: pick(
            sheet.and_then(|s| s.copies),
            file.copies,
            path,
            (1, Source::BuiltIn),
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
        Some(raw) => NextInventory::On(NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(
            |_| Error::InvalidValue(Msg::new("next_inventory_not_a_date").with("value", raw)),
        )?),
        None => NextInventory::MonthsAfterIssue(resolved.inventory_months.0),
    };
    let destination = match &args.output {
        Output::Stdout => {
            output::checked_stdout()?;
            Destination::Stdout
        }
        Output::File(p) => Destination::File(Place::path(p.clone(), "-o")),
        Output::DefaultNameIn(dir, flag) => {
            Destination::File(Place::default_name_in(dir.clone(), flag))
        }
    };
    Ok(SheetSpec {
        account,
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

/// Parses a generation format and warns when it is under the recommended strength.
pub fn checked_format(ctx: &Context, pattern: &str) -> Result<Format, Error> {
    let format = Format::parse_for_generation(pattern)?;
    if let Some(warning) = weak_format_warning(ctx, &format) {
        ctx.warn(&warning);
    }
    Ok(format)
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
