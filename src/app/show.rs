//! `show`: the whole history of one account.

use super::Context;
use super::display::{date, status_key};
use crate::cli::ShowArgs;
use crate::error::Error;
use crate::labels::account_label;
use crate::ledger::{GenerationRecord, Ledger, LedgerError, Status, UsedCode};
use crate::messages::Messages;
use crate::text::terminal_safe;

/// Every generation of the account (as checked by `account_label`), oldest first.
pub fn history(ctx: &Context, account: &str) -> Result<Vec<GenerationRecord>, Error> {
    let history = match ctx.read_ledger()? {
        Some(ledger) => ledger.history(account)?,
        None => Vec::new(),
    };
    if history.is_empty() {
        return Err(LedgerError::UnknownAccount(account.to_owned()).into());
    }
    Ok(history)
}

/// A generation's status as people read it: what superseded it and when,
/// when it was revoked, or its status's name.
pub fn status_text(m: &Messages, r: &GenerationRecord) -> String {
    match (&r.status, &r.superseded_by, &r.status_changed_at) {
        (Status::Superseded, Some(by), Some(at)) => m.fill(
            "show_superseded",
            &[("set_id", &by.to_string()), ("date", &date(at))],
        ),
        (Status::Revoked, _, Some(at)) => m.fill("show_revoked", &[("date", &date(at))]),
        (s, _, _) => m.text(status_key(*s)).to_owned(),
    }
}

/// The line of a used code: its number, when and by whom.
pub fn used_text(m: &Messages, used: &UsedCode) -> String {
    m.fill(
        "show_used",
        &[
            ("number", &used.number.to_string()),
            ("date", &date(&used.used_at)),
            ("by", used.by.as_deref().unwrap_or("-")),
        ],
    )
}

pub fn command(ctx: &Context, args: &ShowArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let history = history(ctx, &account)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&history).unwrap_or_default()
        );
        return Ok(());
    }
    let m = &ctx.messages;
    println!("{}", terminal_safe(&account));
    for r in &history {
        let status = status_text(m, r);
        println!(
            "  {}",
            m.fill(
                "show_generation",
                &[
                    ("generation", &r.generation.to_string()),
                    ("set_id", &r.set_id.to_string()),
                    ("issued", &date(&r.issued_at)),
                    ("count", &r.count.to_string()),
                    ("format", &r.format),
                    ("source", &r.source),
                    ("status", &status),
                ],
            )
        );
        for place in [&r.location, &r.custodian].into_iter().flatten() {
            println!("      {}", terminal_safe(place));
        }
        for used in &r.used {
            println!("      {}", used_text(m, used));
        }
    }
    Ok(())
}
