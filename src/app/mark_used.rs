//! `mark-used`: code number N of an account's current set was used (the number, never the code); `--undo` takes a mistake back. Both are recorded.

use super::Context;
use super::display::LOW_CODES;
use crate::cli::MarkUsedArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, NewEvent};

pub fn command(ctx: &Context, args: &MarkUsedArgs) -> Result<(), Error> {
    let account = account_label(&args.account)?;
    let by = optional_label("field_name", args.by.as_deref())?;
    let mut ledger = ctx.existing_ledger(&account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let (record, kind) = if args.undo {
        (
            txn.unmark_used(&account, args.number)?,
            EventKind::CodeUseUndone,
        )
    } else {
        (
            txn.mark_used(&account, args.number, now, by.as_deref())?,
            EventKind::CodeUsed,
        )
    };
    txn.record_event(&NewEvent {
        at: now,
        kind,
        account: record.account.clone(),
        set_id: Some(record.set_id.clone()),
        generation: Some(record.generation),
        number: Some(args.number),
        actor: ctx.actor(by),
        detail: None,
    })?;
    txn.commit()?;
    let m = &ctx.messages;
    let left = record.remaining();
    let key = if args.undo {
        "marked_unused"
    } else {
        "marked_used"
    };
    ctx.say(&m.fill(
        key,
        &[
            ("number", &args.number.to_string()),
            ("account", &record.account),
            ("set_id", &record.set_id.to_string()),
            ("left", &left.to_string()),
            ("count", &record.count.to_string()),
        ],
    ));
    if !args.undo && left <= LOW_CODES {
        // Shown even with --quiet: this is the moment a new sheet is needed.
        eprintln!(
            "{}",
            m.fill(
                "low_codes",
                &[("left", &left.to_string()), ("account", &record.account)]
            )
        );
    }
    Ok(())
}
