//! `retire`: two-factor was removed at the service; the current set is revoked, nothing is due any more, the history stays. Asks first on a terminal.

use super::Context;
use crate::cli::RetireArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, Ledger, NewEvent};

pub fn command(ctx: &Context, args: &RetireArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let by = optional_label("field_name", args.by.as_deref())?;
    let mut ledger = ctx.existing_ledger(&account)?;
    let account = ledger
        .history(&account)?
        .last()
        .map(|r| r.account.clone())
        .unwrap_or(account);
    ctx.confirm(args.yes, "confirm_retire", &[("account", &account)])?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let actor = ctx.actor(by);
    let revoked = txn.retire_account(&account, now)?;
    if let Some(r) = &revoked {
        txn.record_event(&NewEvent {
            at: now,
            kind: EventKind::Revoked,
            account: r.account.clone(),
            set_id: Some(r.set_id.clone()),
            generation: Some(r.generation),
            number: None,
            actor: actor.clone(),
            detail: Some("retired".into()),
        })?;
    }
    txn.record_event(&NewEvent {
        at: now,
        kind: EventKind::Retired,
        account: account.clone(),
        set_id: None,
        generation: None,
        number: None,
        actor,
        detail: None,
    })?;
    txn.commit()?;
    let m = &ctx.messages;
    ctx.say(&m.fill("retired", &[("account", &account)]));
    if let Some(r) = revoked {
        ctx.say(&m.fill(
            "revoke_done",
            &[
                ("account", &r.account),
                ("generation", &r.generation.to_string()),
                ("set_id", &r.set_id.to_string()),
            ],
        ));
    }
    Ok(())
}
