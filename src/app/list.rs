//! `list`: one line per account, or a JSON array.

use serde_json::json;

use super::Context;
use super::display::{date, print_table, status_key};
use crate::cli::ListArgs;
use crate::error::Error;
use crate::ledger::Ledger;

pub fn command(ctx: &Context, args: &ListArgs) -> Result<(), Error> {
    let accounts = match ctx.read_ledger()? {
        Some(ledger) => ledger.accounts()?,
        None => Vec::new(),
    };
    if args.json {
        let rows: Vec<_> = accounts
            .iter()
            .map(|r| {
                json!({
                    "account": r.account,
                    "generation": r.generation,
                    "set_id": r.set_id.to_string(),
                    "issued_at": r.issued_at.to_rfc3339(),
                    "status": r.status.as_str(),
                    "count": r.count,
                    "used": r.used.len(),
                    "next_inventory": r.next_inventory.map(|d| d.to_string()),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
        return Ok(());
    }
    if accounts.is_empty() {
        ctx.say(ctx.messages.text("list_empty"));
        return Ok(());
    }
    let m = &ctx.messages;
    let header = [
        m.text("col_account"),
        m.text("col_generation"),
        m.text("col_set_id"),
        m.text("col_issued"),
        m.text("col_left"),
        m.text("col_next_inventory"),
        m.text("col_status"),
    ];
    let rows: Vec<[String; 7]> = accounts
        .iter()
        .map(|r| {
            [
                r.account.clone(),
                r.generation.to_string(),
                r.set_id.to_string(),
                date(&r.issued_at),
                format!("{}/{}", r.remaining(), r.count),
                r.next_inventory.map(|d| d.to_string()).unwrap_or_default(),
                m.text(status_key(r.status)).to_owned(),
            ]
        })
        .collect();
    print_table(&header, &rows);
    Ok(())
}
