//! `revoke`: the account's current set is void (its codes were exposed or lost); asks first on a terminal, and is recorded.

use super::Context;
use crate::cli::RevokeArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, GenerationRecord, Ledger, LedgerError, NewEvent};
use crate::messages::Messages;

/// A checked request to revoke an account's current set.
#[derive(Debug, Clone)]
pub struct Revoke {
    pub account: String,
    pub by: Option<String>,
}

impl Revoke {
    pub fn new(account: &str, by: Option<&str>) -> Result<Self, Error> {
        Ok(Revoke {
            account: account_label(account)?,
            by: optional_label("field_name", by)?,
        })
    }
}

/// The set a revoke would void, read without the lock, to name it before
/// asking (the change itself checks again under the lock).
pub fn current_set(ctx: &Context, req: &Revoke) -> Result<GenerationRecord, Error> {
    let ledger = ctx.existing_ledger(&req.account)?;
    let lineage = ledger.lineage(&req.account)?;
    lineage.current.ok_or_else(|| {
        if lineage.next_generation > 1 {
            LedgerError::NoCurrentSet(req.account.clone()).into()
        } else {
            LedgerError::UnknownAccount(req.account.clone()).into()
        }
    })
}

/// Revokes the account's current set and records it; returns the revoked set.
pub fn revoke(ctx: &Context, req: &Revoke) -> Result<GenerationRecord, Error> {
    let mut ledger = ctx.existing_ledger(&req.account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let record = txn.revoke(&req.account, now)?;
    txn.record_event(&NewEvent::about(
        &record,
        EventKind::Revoked,
        now,
        ctx.actor(req.by.clone()),
    ))?;
    txn.commit()?;
    Ok(record)
}

/// The line that says a set was revoked.
pub fn done_message(m: &Messages, record: &GenerationRecord) -> String {
    m.fill(
        "revoke_done",
        &[
            ("account", &record.account),
            ("generation", &record.generation.to_string()),
            ("set_id", &record.set_id.to_string()),
        ],
    )
}

pub fn command(ctx: &Context, args: &RevokeArgs) -> Result<(), Error> {
    let req = Revoke::new(&args.account, args.by.as_deref())?;
    let current = current_set(ctx, &req)?;
    ctx.confirm(
        args.yes,
        "confirm_revoke",
        &[
            ("account", &current.account),
            ("generation", &current.generation.to_string()),
            ("set_id", &current.set_id.to_string()),
        ],
    )?;
    let record = revoke(ctx, &req)?;
    ctx.say(&done_message(&ctx.messages, &record));
    Ok(())
}
