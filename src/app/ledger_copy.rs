//! `ledger copy`: a whole history from one ledger to another (a file to a team's server to start sharing, and back for an offline copy).
//!
//! The source is read at one moment ([`Ledger::export`]); the destination is
//! written in one transaction under its writer lock, after its counts are
//! checked against the source's inside that transaction; a mismatch rolls it
//! all back. After the commit the destination is opened again and counted
//! once more. Placements of pending generations are never copied: a copy
//! is refused while anything is pending in either ledger.

use std::ffi::OsStr;

use super::Context;
use crate::cli::CopyArgs;
use crate::error::Error;
use crate::ledger::{Counts, Ledger, LedgerError, Location};
use crate::messages::Msg;

pub fn command(ctx: &Context, args: &CopyArgs) -> Result<(), Error> {
    let from = Location::parse(OsStr::new(&args.from));
    let to = Location::parse(OsStr::new(&args.to));
    if from.same_as(&to) {
        return Err(Error::InvalidValue(Msg::new("copy_same")));
    }
    let source = ctx
        .read_ledger_at(&from)?
        .ok_or_else(|| LedgerError::Missing(from.to_string().into()))?;
    let history = source.export()?;
    drop(source);
    let expected = history.counts();
    if expected.pending > 0 {
        return Err(pending(&from, expected));
    }

    let mut destination = ctx.created_ledger_at(&to)?;
    {
        let mut writer = ctx.writer(&mut destination)?;
        let mut txn = writer.begin()?;
        let before = txn.counts()?;
        if before.pending > 0 {
            return Err(pending(&to, before));
        }
        // Nothing in the tool removes an event: a copy goes into an empty
        // ledger only, never over another history.
        if !before.is_empty() {
            return Err(Error::CopyDestinationNotEmpty(
                Msg::new("copy_destination_not_empty")
                    .with("to", &to)
                    .with("generations", before.generations)
                    .with("events", before.events),
            ));
        }
        txn.import(&history)?;
        compare(&from, &to, expected, txn.counts()?)?;
        txn.commit()?;
    }
    drop(destination);

    // Counted again from a fresh connection: what the destination now holds.
    let reopened = ctx
        .read_ledger_at(&to)?
        .ok_or_else(|| LedgerError::Missing(to.to_string().into()))?;
    let found = reopened.export()?.counts();
    compare(&from, &to, expected, found)?;
    ctx.say(&ctx.messages.fill(
        "copy_done",
        &[
            ("generations", &found.generations.to_string()),
            ("used", &found.used_codes.to_string()),
            ("accounts", &found.accounts.to_string()),
            ("events", &found.events.to_string()),
            ("from", &from.to_string()),
            ("to", &to.to_string()),
        ],
    ));
    Ok(())
}

fn pending(ledger: &Location, counts: Counts) -> Error {
    Error::CopyPending(
        Msg::new("copy_pending")
            .with("ledger", ledger)
            .with("pending", counts.pending),
    )
}

/// Refuses a copy whose counts differ from the source's.
fn compare(from: &Location, to: &Location, expected: Counts, found: Counts) -> Result<(), Error> {
    for (what, e, f) in [
        ("generations", expected.generations, found.generations),
        ("used_codes", expected.used_codes, found.used_codes),
        ("accounts", expected.accounts, found.accounts),
        ("events", expected.events, found.events),
    ] {
        if e != f {
            return Err(Error::CopyMismatch(
                Msg::new("copy_mismatch")
                    .with("from", from)
                    .with("to", to)
                    .with("what", what)
                    .with("expected", e)
                    .with("found", f),
            ));
        }
    }
    Ok(())
}
