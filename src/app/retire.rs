//! `retire`: two-factor was removed at the service; the current set is revoked, nothing is due any more, the history stays. Asks first on a terminal.

use super::Context;
use crate::cli::RetireArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, GenerationRecord, Ledger, NewEvent};
use crate::messages::Messages;

/// A checked request to retire an account.
#[derive(Debug, Clone)]
pub struct Retire {
    pub account: String,
    pub by: Option<String>,
}

impl Retire {
    pub fn new(account: &str, by: Option<&str>) -> Result<Self, Error> {
        Ok(Retire {
            account: account_label(account)?,
            by: optional_label("field_name", by)?,
        })
    }
}

/// What [`retire`] did.
#[derive(Debug, Clone)]
pub struct Retired {
    /// The account as the ledger spells it.
    pub account: String,
    /// Its current set, revoked by the retirement.
    pub revoked: Option<GenerationRecord>,
}

impl Retired {
    /// The lines that say what was recorded.
    pub fn messages(&self, m: &Messages) -> Vec<String> {
        let mut lines = vec![m.fill("retired", &[("account", &self.account)])];
        if let Some(r) = &self.revoked {
            lines.push(super::revoke::done_message(m, r));
        }
        lines
    }
}

/// The account as the ledger spells it (to name it before asking).
pub fn recorded_name(ctx: &Context, req: &Retire) -> Result<String, Error> {
    let ledger = ctx.existing_ledger(&req.account)?;
    Ok(ledger
        .history(&req.account)?
        .last()
        .map(|r| r.account.clone())
        .unwrap_or_else(|| req.account.clone()))
}

/// Retires the account (revoking its current set, if any) and records it.
pub fn retire(ctx: &Context, req: &Retire) -> Result<Retired, Error> {
    let account = recorded_name(ctx, req)?;
    let mut ledger = ctx.existing_ledger(&account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let actor = ctx.actor(req.by.clone());
    let revoked = txn.retire_account(&account, now)?;
    if let Some(r) = &revoked {
        txn.record_event(
            &NewEvent::about(r, EventKind::Revoked, now, actor.clone())
                .detail(Some("retired".into())),
        )?;
    }
    txn.record_event(&NewEvent::account(&account, EventKind::Retired, now, actor))?;
    txn.commit()?;
    Ok(Retired { account, revoked })
}

pub fn command(ctx: &Context, args: &RetireArgs) -> Result<(), Error> {
    let req = Retire::new(&args.account, args.by.as_deref())?;
    let account = recorded_name(ctx, &req)?;
    ctx.confirm(args.yes, "confirm_retire", &[("account", &account)])?;
    let retired = retire(ctx, &req)?;
    for line in retired.messages(&ctx.messages) {
        ctx.say(&line);
    }
    Ok(())
}
