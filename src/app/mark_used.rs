//! `mark-used`: code number N of an account's current set was used (the number, never the code).

use super::Context;
use super::display::LOW_CODES;
use crate::cli::MarkUsedArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};

pub fn command(ctx: &Context, args: &MarkUsedArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let by = optional_label("field_name", args.by.as_deref())?;
    let mut ledger = ctx.existing_ledger(&account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let record = txn.mark_used(&account, args.number, super::now(), by.as_deref())?;
    txn.commit()?;
    let m = &ctx.messages;
    let left = record.remaining();
    ctx.say(&m.fill(
        "marked_used",
        &[
            ("number", &args.number.to_string()),
            ("account", &account),
            ("set_id", &record.set_id.to_string()),
            ("left", &left.to_string()),
            ("count", &record.count.to_string()),
        ],
    ));
    if left <= LOW_CODES {
        // Shown even with --quiet: this is the moment a new sheet is needed.
        eprintln!(
            "{}",
            m.fill(
                "low_codes",
                &[("left", &left.to_string()), ("account", &account)]
            )
        );
    }
    Ok(())
}
