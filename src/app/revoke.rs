//! `revoke`: the account's current set is void (two-factor was turned off at the service).

use super::Context;
use crate::cli::RevokeArgs;
use crate::error::Error;
use crate::labels::account_label;

pub fn command(ctx: &Context, args: &RevokeArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let mut ledger = ctx.existing_ledger(&account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let record = txn.revoke(&account, super::now())?;
    txn.commit()?;
    ctx.say(&ctx.messages.fill(
        "revoke_done",
        &[
            ("account", &account),
            ("generation", &record.generation.to_string()),
            ("set_id", &record.set_id.to_string()),
        ],
    ));
    Ok(())
}
