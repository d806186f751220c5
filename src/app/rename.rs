//! `rename`: an account gets a new name; its history moves with it, and the old name stays in the audit trail.

use super::Context;
use crate::cli::RenameArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, Ledger, NewEvent};

pub fn command(ctx: &Context, args: &RenameArgs) -> Result<(), Error> {
    let old = account_label(&args.old)?;
    let new = account_label(&args.new)?;
    let by = optional_label("field_name", args.by.as_deref())?;
    let mut ledger = ctx.existing_ledger(&old)?;
    // The old name as the ledger spells it.
    let old = ledger
        .history(&old)?
        .last()
        .map(|r| r.account.clone())
        .unwrap_or(old);
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    txn.rename_account(&old, &new)?;
    txn.record_event(&NewEvent {
        at: super::now(),
        kind: EventKind::Renamed,
        account: new.clone(),
        set_id: None,
        generation: None,
        number: None,
        actor: ctx.actor(by),
        detail: Some(old.clone()),
    })?;
    txn.commit()?;
    ctx.say(
        &ctx.messages
            .fill("renamed", &[("old", &old), ("new", &new)]),
    );
    Ok(())
}
