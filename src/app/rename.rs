//! `rename`: an account gets a new name; its history moves with it, and the old name stays in the audit trail.

use super::Context;
use crate::cli::RenameArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, Ledger, NewEvent};
use crate::messages::Messages;

/// A checked rename.
#[derive(Debug, Clone)]
pub struct Rename {
    pub old: String,
    pub new: String,
    pub by: Option<String>,
}

impl Rename {
    pub fn new(old: &str, new: &str, by: Option<&str>) -> Result<Self, Error> {
        Ok(Rename {
            old: account_label(old)?,
            new: account_label(new)?,
            by: optional_label("field_name", by)?,
        })
    }
}

/// What [`rename`] did: the old name as the ledger spelt it, and the new one.
#[derive(Debug, Clone)]
pub struct Renamed {
    pub old: String,
    pub new: String,
}

impl Renamed {
    pub fn message(&self, m: &Messages) -> String {
        m.fill("renamed", &[("old", &self.old), ("new", &self.new)])
    }
}

/// Gives every generation of the account the new name, and records it.
pub fn rename(ctx: &Context, req: &Rename) -> Result<Renamed, Error> {
    let mut ledger = ctx.existing_ledger(&req.old)?;
    // The old name as the ledger spells it.
    let old = ledger
        .history(&req.old)?
        .last()
        .map(|r| r.account.clone())
        .unwrap_or_else(|| req.old.clone());
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    txn.rename_account(&old, &req.new)?;
    txn.record_event(
        &NewEvent::account(
            &req.new,
            EventKind::Renamed,
            super::now(),
            ctx.actor(req.by.clone()),
        )
        .detail(Some(old.clone())),
    )?;
    txn.commit()?;
    Ok(Renamed {
        old,
        new: req.new.clone(),
    })
}

pub fn command(ctx: &Context, args: &RenameArgs) -> Result<(), Error> {
    let req = Rename::new(&args.old, &args.new, args.by.as_deref())?;
    let renamed = rename(ctx, &req)?;
    ctx.say(&renamed.message(&ctx.messages));
    Ok(())
}
