//! `config show`: each setting in force and where it came from.

use super::Context;
use super::spec::resolve;
use crate::config::Source;
use crate::error::Error;
use crate::text::terminal_safe;

/// `config show`: each setting, its value and where it came from.
pub fn command(ctx: &Context, json: bool) -> Result<(), Error> {
    let r = resolve(ctx, None, None, None, None);
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
    // A URL is shown without its password.
    let ledger_path = ctx
        .ledger_location()
        .map(|l| l.to_string())
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
    println!("config file: {}{found}", terminal_safe(&config_path));
    println!("ledger: {}", terminal_safe(&ledger_path));
    for (name, value, source) in rows {
        let value = match (value.is_empty(), name) {
            (true, "organisation") => "(not printed)".to_owned(),
            (true, _) => "(blank lines on the sheet)".to_owned(),
            (false, _) => value,
        };
        println!(
            "{name} = {}    # {}",
            terminal_safe(&value),
            terminal_safe(&source.to_string())
        );
    }
    Ok(())
}
