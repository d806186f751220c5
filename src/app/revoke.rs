//! `revoke`: the account's current set is void (its codes were exposed or lost); asks first on a terminal, and is recorded.

use super::Context;
use crate::cli::RevokeArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, Ledger, LedgerError, NewEvent};

pub fn command(ctx: &Context, args: &RevokeArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let by = optional_label("field_name", args.by.as_deref())?;
    let mut ledger = ctx.existing_ledger(&account)?;
    // Name what would be revoked before asking (read without the lock; the
    // change itself checks again under it).
    let lineage = ledger.lineage(&account)?;
    let Some(current) = lineage.current else {
        return Err(if lineage.next_generation > 1 {
            LedgerError::NoCurrentSet(account).into()
        } else {
            LedgerError::UnknownAccount(account).into()
        });
    };
    ctx.confirm(
        args.yes,
        "confirm_revoke",
        &[
            ("account", &current.account),
            ("generation", &current.generation.to_string()),
            ("set_id", &current.set_id.to_string()),
        ],
    )?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let record = txn.revoke(&account, now)?;
    txn.record_event(&NewEvent {
        at: now,
        kind: EventKind::Revoked,
        account: record.account.clone(),
        set_id: Some(record.set_id.clone()),
        generation: Some(record.generation),
        number: None,
        actor: ctx.actor(by),
        detail: None,
    })?;
    txn.commit()?;
    ctx.say(&ctx.messages.fill(
        "revoke_done",
        &[
            ("account", &record.account),
            ("generation", &record.generation.to_string()),
            ("set_id", &record.set_id.to_string()),
        ],
    ));
    Ok(())
}
