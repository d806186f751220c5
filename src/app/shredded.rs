//! `shredded`: the sheet of a superseded, revoked or never-printed set was destroyed; `check` and `list` then say so, and it is recorded.

use super::Context;
use crate::cli::ShreddedArgs;
use crate::codes::SetId;
use crate::error::Error;
use crate::labels::optional_label;
use crate::ledger::{EventKind, LedgerError, NewEvent};

pub fn command(ctx: &Context, args: &ShreddedArgs) -> Result<(), Error> {
    let set_id = SetId::parse(&args.set_id)?;
    let by = optional_label("field_name", Some(&args.by))?;
    let mut ledger = ctx
        .read_ledger()?
        .ok_or_else(|| LedgerError::UnknownSet(set_id.clone()))?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let record = txn.mark_shredded(&set_id, now, by.as_deref())?;
    txn.record_event(&NewEvent {
        at: now,
        kind: EventKind::Shredded,
        account: record.account.clone(),
        set_id: Some(record.set_id.clone()),
        generation: Some(record.generation),
        number: None,
        actor: ctx.actor(by),
        detail: None,
    })?;
    txn.commit()?;
    ctx.say(&ctx.messages.fill(
        "shredded_done",
        &[
            ("account", &record.account),
            ("generation", &record.generation.to_string()),
            ("set_id", &record.set_id.to_string()),
        ],
    ));
    Ok(())
}
