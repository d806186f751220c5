//! `inventory`: the current sheet was seen in its place; the next inventory moves on, and a count of codes left that differs from the ledger is a warning, both recorded.

use chrono::Months;

use super::Context;
use super::spec::DEFAULT_INVENTORY_MONTHS;
use crate::cli::InventoryArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, NewEvent};

pub fn command(ctx: &Context, args: &InventoryArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let by = optional_label("field_name", Some(&args.by))?;
    let location = optional_label("field_location", args.location.as_deref())?;
    let months = ctx
        .config
        .file
        .inventory_months
        .unwrap_or(DEFAULT_INVENTORY_MONTHS);
    let now = super::now();
    let today = now.date_naive();
    let next = today
        .checked_add_months(Months::new(months))
        .unwrap_or(today);
    let mut ledger = ctx.existing_ledger(&account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let record = txn.set_inventory(&account, next, location.as_deref())?;
    let ledger_left = record.remaining();
    let mismatch = args.codes_left.filter(|&paper| paper != ledger_left);
    let m = &ctx.messages;
    let mut detail = Vec::new();
    if let Some(place) = &location {
        detail.push(format!("seen at {place}"));
    }
    if let Some(paper) = args.codes_left {
        detail.push(format!(
            "codes left on paper {paper}, in the ledger {ledger_left}"
        ));
    }
    txn.record_event(&NewEvent {
        at: now,
        kind: EventKind::Inventory,
        account: record.account.clone(),
        set_id: Some(record.set_id.clone()),
        generation: Some(record.generation),
        number: None,
        actor: ctx.actor(by),
        detail: (!detail.is_empty()).then(|| detail.join("; ")),
    })?;
    txn.commit()?;
    ctx.say(&m.fill(
        "inventory_done",
        &[
            ("account", &record.account),
            ("set_id", &record.set_id.to_string()),
            ("next", &next.format("%Y-%m-%d").to_string()),
        ],
    ));
    if let Some(paper) = mismatch {
        ctx.warn(&m.fill(
            "inventory_mismatch",
            &[
                ("paper", &paper.to_string()),
                ("ledger", &ledger_left.to_string()),
                ("account", &record.account),
            ],
        ));
    }
    Ok(())
}
