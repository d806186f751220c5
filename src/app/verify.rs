//! `verify`: one typed code from stdin against a verifier file, burned on success.

use std::io::{BufRead, IsTerminal};

use zeroize::Zeroizing;

use super::Context;
use crate::cli::VerifyArgs;
use crate::error::Error;
use crate::ledger::{Ledger, Status};
use crate::limits::MAX_TYPED_CODE_BYTES;
use crate::messages::Msg;
use crate::verifier::{self, Verifier, VerifierError};

pub fn command(ctx: &Context, args: &VerifyArgs) -> Result<(), Error> {
    // What a `verify` killed while recording a use left beside the file.
    crate::files::sweep(&crate::files::parent_dir(&args.verifier));
    // Load first: a bad file is reported before anyone types a code.
    let loaded = Verifier::load(&args.verifier)?;
    refuse_stale(ctx, &loaded)?;
    let typed = read_code(ctx)?;
    let number = verifier::verify_and_burn(&args.verifier, &typed, args.number, super::now())?;
    let after = Verifier::load(&args.verifier)?;
    ctx.say(&ctx.messages.fill(
        "verified",
        &[
            ("number", &number.to_string()),
            ("account", after.account()),
            ("left", &after.remaining().to_string()),
            ("count", &after.len().to_string()),
        ],
    ));
    Ok(())
}

/// Refuses a verifier whose set the ledger knows as superseded or revoked. A
/// ledger that does not know the set (e.g. on the server) does not object.
fn refuse_stale(ctx: &Context, v: &Verifier) -> Result<(), Error> {
    let Some(ledger) = ctx.read_ledger()? else {
        return Ok(());
    };
    let Some((record, current)) = ledger.find_set(v.set_id())? else {
        return Ok(());
    };
    let when = record
        .status_changed_at
        .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    match record.status {
        Status::Current => Ok(()),
        Status::Superseded => Err(Error::StaleVerifier(
            Msg::new("verifier_superseded")
                .with("generation", record.generation)
                .with("date", when)
                .with(
                    "new_generation",
                    current
                        .map(|c| c.generation.to_string())
                        .unwrap_or_default(),
                ),
        )),
        Status::Revoked => Err(Error::StaleVerifier(
            Msg::new("verifier_revoked")
                .with("generation", record.generation)
                .with("date", when),
        )),
        Status::Pending | Status::Unprinted => Err(Error::StaleVerifier(
            Msg::new("verifier_not_printed").with("generation", record.generation),
        )),
    }
}

/// One line from stdin, kept out of `Debug` output and wiped after use.
fn read_code(ctx: &Context) -> Result<Zeroizing<String>, Error> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{}", ctx.messages.text("verify_prompt"));
    }
    let mut line = Zeroizing::new(String::new());
    use std::io::Read;
    stdin
        .lock()
        .take(MAX_TYPED_CODE_BYTES)
        .read_line(&mut line)
        .map_err(|source| match source.kind() {
            // Bytes that are not text (a code typed in a legacy encoding)
            // match no code: a wrong code, not an unreadable input file.
            std::io::ErrorKind::InvalidData => VerifierError::WrongCode.into(),
            _ => Error::ImportInput { path: None, source },
        })?;
    if line.trim().is_empty() {
        return Err(VerifierError::EmptyCode.into());
    }
    Ok(line)
}
