//! `generate`, `import` and `config show`: flags over config over built-in defaults, turned into a spec.

use std::io::{IsTerminal, Read};
use std::num::NonZeroUsize;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::issue::{
    self, CodeSource, Destination, Issued, NextInventory, Place, SheetSpec, Supersede, VerifierSpec,
};
use super::Context;
use crate::labels::{account_label, optional_label};
use crate::limits::{MAX_COPIES, MAX_COUNT, MAX_IMPORT_BYTES};
use crate::cli::{GenerateArgs, ImportArgs, SheetArgs};
use crate::codes::{DEFAULT_PATTERN, Format, RECOMMENDED_BITS};
use crate::config::{Source, pick};
use crate::error::Error;
use crate::import;
use crate::interrupt;
use crate::lang::{Lang, Paper};
use crate::messages::{Localized, Msg};
use crate::output::{self, Overwrite};
use crate::sheet::fonts::Fonts;
use crate::template::Template;
use crate::verifier::{self, VerifierParams};


/// Default months from issue to the next inventory (the domain notes say 6 to 12).
pub const DEFAULT_INVENTORY_MONTHS: u32 = 6;

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
    sheet: Option<&SheetArgs>,
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

/// Turns the sheet flags into a validated spec.
pub fn sheet_spec(args: &SheetArgs, resolved: &Resolved) -> Result<SheetSpec, Error> {
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
        Some(p) if p.as_os_str() == "-" => {
            output::checked_stdout()?;
            Destination::Stdout
        }
        Some(p) => Destination::File(Place::path(p.clone(), "-o")),
        None => Destination::File(Place::default_name_in(PathBuf::new(), "-o")),
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

pub fn generate(ctx: &Context, args: &GenerateArgs) -> Result<(), Error> {
    let resolved = resolve(ctx, Some(&args.sheet), args.format.as_deref(), args.count);
    let spec = sheet_spec(&args.sheet, &resolved)?;
    let count = checked_count(resolved.count.0)?;
    let format = checked_format(ctx, &resolved.format.0)?;
    let verifier = match &args.verifier {
        Some(path) => Some(VerifierSpec {
            place: Place::path(path.clone(), "--verifier"),
            params: verifier_params(args.verifier_memory, args.verifier_passes)?,
            overwrite: spec.overwrite,
            threads: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
        }),
        None => None,
    };
    let source = CodeSource::Generate { format, count };
    run_issue(ctx, &spec, source, verifier.as_ref())
}

pub fn import(ctx: &Context, args: &ImportArgs) -> Result<(), Error> {
    let preset = import::preset(&args.service).ok_or_else(|| {
        let names: Vec<&str> = import::presets().iter().map(|p| p.name).collect();
        Error::InvalidValue(
            Msg::new("unknown_service")
                .with("service", &args.service)
                .with("services", names.join(", ")),
        )
    })?;
    let resolved = resolve(ctx, Some(&args.sheet), None, None);
    let spec = sheet_spec(&args.sheet, &resolved)?;
    let bytes = read_codes(ctx, args.from.as_deref())?;
    let imported = import::parse(preset, &bytes)?;
    for w in &imported.warnings {
        ctx.warn(&w.message(&ctx.messages));
    }
    let source = CodeSource::Import {
        preset,
        set: imported.set,
    };
    run_issue(ctx, &spec, source, None)
}

/// Reads pasted codes from `--from FILE` or stdin (a terminal gets a prompt).
fn read_codes(ctx: &Context, from: Option<&Path>) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    match from {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|source| Error::ImportInput {
                path: Some(path.to_owned()),
                source,
            })?;
            file.take(MAX_IMPORT_BYTES)
                .read_to_end(&mut bytes)
                .map_err(|source| Error::ImportInput {
                    path: Some(path.to_owned()),
                    source,
                })?;
        }
        None => {
            let stdin = std::io::stdin();
            let terminal = stdin.is_terminal();
            if terminal {
                eprintln!("{}", ctx.messages.text("import_prompt"));
            }
            stdin
                .lock()
                .take(MAX_IMPORT_BYTES)
                .read_to_end(&mut bytes)
                .map_err(|source| Error::ImportInput { path: None, source })?;
            if terminal && bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(Error::StdinIsTerminal);
            }
        }
    }
    Ok(bytes)
}

fn run_issue(
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
    let issued = issue::issue(
        &mut ledger,
        spec,
        &source,
        verifier,
        &fonts,
        &mut rng,
        &super::now,
        &mut issue::write_stdout,
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

/// `config show`: each setting, its value and where it came from.
pub fn show_config(ctx: &Context, json: bool) -> Result<(), Error> {
    let r = resolve(ctx, None, None, None);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows: Vec<(&str, String, &Source)> = vec![
        ("lang", r.lang.0.name().to_owned(), &r.lang.1),
        ("paper", r.paper.0.name().to_owned(), &r.paper.1),
        ("organisation", opt(&r.organisation.0), &r.organisation.1),
        ("location", opt(&r.location.0), &r.location.1),
        ("custodian", opt(&r.custodian.0), &r.custodian.1),
        ("copies", r.copies.0.to_string(), &r.copies.1),
        ("format", r.format.0.clone(), &r.format.1),
        ("count", r.count.0.to_string(), &r.count.1),
        (
            "inventory_months",
            r.inventory_months.0.to_string(),
            &r.inventory_months.1,
        ),
    ];
    let config_path = ctx
        .config_location
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let ledger_path = ctx
        .ledger_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if json {
        let mut settings = serde_json::Map::new();
        for (name, value, source) in &rows {
            settings.insert(
                (*name).to_owned(),
                serde_json::json!({ "value": value, "source": source.to_string() }),
            );
        }
        let doc = serde_json::json!({
            "config_file": config_path,
            "config_file_found": ctx.config.path.is_some(),
            "ledger": ledger_path,
            "settings": settings,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(());
    }
    let found = if ctx.config.path.is_some() {
        ""
    } else {
        " (not found; built-in defaults)"
    };
    println!("config file: {config_path}{found}");
    println!("ledger: {ledger_path}");
    for (name, value, source) in rows {
        let value = match (value.is_empty(), name) {
            (true, "organisation") => "(not printed)".to_owned(),
            (true, _) => "(blank lines on the sheet)".to_owned(),
            (false, _) => value,
        };
        println!("{name} = {value}    # {source}");
    }
    Ok(())
}
