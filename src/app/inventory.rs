//! `inventory`: the current sheet was seen in its place; the next inventory moves on, and a count of codes left that differs from the ledger is a warning, both recorded.

use chrono::{Months, NaiveDate};

use super::Context;
use super::spec::DEFAULT_INVENTORY_MONTHS;
use crate::cli::InventoryArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, GenerationRecord, NewEvent};
use crate::messages::Messages;

/// A checked inventory: who saw the sheet, and what they found.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub account: String,
    pub by: Option<String>,
    /// Codes left unticked on the paper, when counted.
    pub codes_left: Option<u32>,
    /// Where the sheet was found, when given (recorded as its location).
    pub location: Option<String>,
}

impl Inventory {
    pub fn new(
        account: &str,
        by: &str,
        codes_left: Option<u32>,
        location: Option<&str>,
    ) -> Result<Self, Error> {
        Ok(Inventory {
            account: account_label(account)?,
            by: optional_label("field_name", Some(by))?,
            codes_left,
            location: optional_label("field_location", location)?,
        })
    }
}

/// What [`inventory`] recorded.
#[derive(Debug, Clone)]
pub struct Inventoried {
    pub record: GenerationRecord,
    pub next: NaiveDate,
    /// The count on paper, when it differs from the ledger's.
    pub mismatch: Option<u32>,
}

impl Inventoried {
    /// The line that says what was recorded.
    pub fn message(&self, m: &Messages) -> String {
        m.fill(
            "inventory_done",
            &[
                ("account", &self.record.account),
                ("set_id", &self.record.set_id.to_string()),
                ("next", &self.next.format("%Y-%m-%d").to_string()),
            ],
        )
    }

    /// The warning when the paper and the ledger disagree on the codes left.
    pub fn warning(&self, m: &Messages) -> Option<String> {
        self.mismatch.map(|paper| {
            m.fill(
                "inventory_mismatch",
                &[
                    ("paper", &paper.to_string()),
                    ("ledger", &self.record.remaining().to_string()),
                    ("account", &self.record.account),
                ],
            )
        })
    }
}

/// Records the inventory: the next one moves on by the config's months.
pub fn inventory(ctx: &Context, req: &Inventory) -> Result<Inventoried, Error> {
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
    let mut ledger = ctx.existing_ledger(&req.account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let record = txn.set_inventory(&req.account, next, req.location.as_deref())?;
    let ledger_left = record.remaining();
    let mismatch = req.codes_left.filter(|&paper| paper != ledger_left);
    let mut detail = Vec::new();
    if let Some(place) = &req.location {
        detail.push(format!("seen at {place}"));
    }
    if let Some(paper) = req.codes_left {
        detail.push(format!(
            "codes left on paper {paper}, in the ledger {ledger_left}"
        ));
    }
    txn.record_event(
        &NewEvent::about(
            &record,
            EventKind::Inventory,
            now,
            ctx.actor(req.by.clone()),
        )
        .detail((!detail.is_empty()).then(|| detail.join("; "))),
    )?;
    txn.commit()?;
    Ok(Inventoried {
        record,
        next,
        mismatch,
    })
}

pub fn command(ctx: &Context, args: &InventoryArgs) -> Result<(), Error> {
    let req = Inventory::new(
        &args.account,
        &args.by,
        args.codes_left,
        args.location.as_deref(),
    )?;
    let done = inventory(ctx, &req)?;
    ctx.say(&done.message(&ctx.messages));
    if let Some(warning) = done.warning(&ctx.messages) {
        ctx.warn(&warning);
    }
    Ok(())
}
