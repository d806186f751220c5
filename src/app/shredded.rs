//! `shredded`: the sheet of a superseded, revoked or never-printed set was destroyed; `check` and `list` then say so, and it is recorded.

use super::Context;
use crate::cli::ShreddedArgs;
use crate::codes::SetId;
use crate::error::Error;
use crate::labels::optional_label;
use crate::ledger::{EventKind, GenerationRecord, LedgerError, NewEvent};
use crate::messages::Messages;

/// A checked record of a destroyed sheet.
#[derive(Debug, Clone)]
pub struct Shredded {
    pub set_id: SetId,
    pub by: Option<String>,
}

impl Shredded {
    pub fn new(set_id: &str, by: &str) -> Result<Self, Error> {
        Ok(Shredded {
            set_id: SetId::parse(set_id)?,
            by: optional_label("field_name", Some(by))?,
        })
    }
}

/// Records the set's sheet as destroyed; returns its updated record.
pub fn shredded(ctx: &Context, req: &Shredded) -> Result<GenerationRecord, Error> {
    let mut ledger = ctx
        .read_ledger()?
        .ok_or_else(|| LedgerError::UnknownSet(req.set_id.clone()))?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let record = txn.mark_shredded(&req.set_id, now, req.by.as_deref())?;
    txn.record_event(&NewEvent::about(
        &record,
        EventKind::Shredded,
        now,
        ctx.actor(req.by.clone()),
    ))?;
    txn.commit()?;
    Ok(record)
}

/// The line that says a sheet was recorded as shredded.
pub fn done_message(m: &Messages, record: &GenerationRecord) -> String {
    m.fill(
        "shredded_done",
        &[
            ("account", &record.account),
            ("generation", &record.generation.to_string()),
            ("set_id", &record.set_id.to_string()),
        ],
    )
}

pub fn command(ctx: &Context, args: &ShreddedArgs) -> Result<(), Error> {
    let req = Shredded::new(&args.set_id, &args.by)?;
    let record = shredded(ctx, &req)?;
    ctx.say(&done_message(&ctx.messages, &record));
    Ok(())
}
