//! `mark-used`: code number N of an account's current set was used (the number, never the code); `--undo` takes a mistake back. Both are recorded.

use super::Context;
use super::display::LOW_CODES;
use crate::cli::MarkUsedArgs;
use crate::error::Error;
use crate::labels::{account_label, optional_label};
use crate::ledger::{EventKind, GenerationRecord, NewEvent};
use crate::messages::Messages;

/// Whether a use is recorded or taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The code was used.
    Use,
    /// It was marked used by mistake: unused again.
    Undo,
}

/// A checked request to mark a code used (or unused again).
#[derive(Debug, Clone)]
pub struct MarkUsed {
    pub account: String,
    pub number: u32,
    pub change: Change,
    pub by: Option<String>,
}

impl MarkUsed {
    /// Checks what was typed (the command line's arguments, the page's form).
    pub fn new(
        account: &str,
        number: u32,
        change: Change,
        by: Option<&str>,
    ) -> Result<Self, Error> {
        Ok(MarkUsed {
            account: account_label(account)?,
            number,
            change,
            by: optional_label("field_name", by)?,
        })
    }
}

/// What [`mark_used`] did.
#[derive(Debug, Clone)]
pub struct Marked {
    pub record: GenerationRecord,
    pub number: u32,
    pub change: Change,
}

impl Marked {
    /// The line that says what was recorded.
    pub fn message(&self, m: &Messages) -> String {
        let key = match self.change {
            Change::Use => "marked_used",
            Change::Undo => "marked_unused",
        };
        m.fill(
            key,
            &[
                ("number", &self.number.to_string()),
                ("account", &self.record.account),
                ("set_id", &self.record.set_id.to_string()),
                ("left", &self.record.remaining().to_string()),
                ("count", &self.record.count.to_string()),
            ],
        )
    }

    /// Whether this use left so few codes that a new set should be printed.
    pub fn leaves_few(&self) -> bool {
        self.change == Change::Use && self.record.remaining() <= LOW_CODES
    }
}

/// Records the use (or the undoing of one) in the ledger, with its event.
pub fn mark_used(ctx: &Context, req: &MarkUsed) -> Result<Marked, Error> {
    let mut ledger = ctx.existing_ledger(&req.account)?;
    let mut writer = ctx.writer(&mut ledger)?;
    let mut txn = writer.begin()?;
    let now = super::now();
    let (record, kind) = match req.change {
        Change::Undo => (
            txn.unmark_used(&req.account, req.number)?,
            EventKind::CodeUseUndone,
        ),
        Change::Use => (
            txn.mark_used(&req.account, req.number, now, req.by.as_deref())?,
            EventKind::CodeUsed,
        ),
    };
    txn.record_event(&NewEvent {
        number: Some(req.number),
        ..NewEvent::about(&record, kind, now, ctx.actor(req.by.clone()))
    })?;
    txn.commit()?;
    Ok(Marked {
        record,
        number: req.number,
        change: req.change,
    })
}

pub fn command(ctx: &Context, args: &MarkUsedArgs) -> Result<(), Error> {
    let change = if args.undo { Change::Undo } else { Change::Use };
    let req = MarkUsed::new(&args.account, args.number, change, args.by.as_deref())?;
    let marked = mark_used(ctx, &req)?;
    let m = &ctx.messages;
    ctx.say(&marked.message(m));
    if marked.leaves_few() {
        // Shown even with --quiet: this is the moment a new sheet is needed.
        eprintln!(
            "{}",
            m.fill(
                "low_codes",
                &[
                    ("left", &marked.record.remaining().to_string()),
                    ("account", &marked.record.account)
                ]
            )
        );
    }
    Ok(())
}
