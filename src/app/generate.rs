//! `generate`: a new code set from the OS random generator, printed on a sheet and recorded.

use std::num::NonZeroUsize;

use super::Context;
use super::spec::{
    CodeSource, Note, Place, SheetRequest, SheetSpec, VerifierSpec, checked_count, resolved_spec,
    sheet_request, verifier_params, weak_format_warning,
};
use crate::cli::GenerateArgs;
use crate::codes::Format;
use crate::error::Error;
use crate::ledger::Ledger;

/// A generate request (the command line's flags, the page's form) checked
/// against the ledger, the config and the defaults: the sheet's spec and
/// where its codes come from. `note` hears the account matched to its
/// recorded spelling, what a regeneration carried over, and a format under
/// the recommended strength.
pub fn prepare(
    ctx: &Context,
    ledger: &dyn Ledger,
    request: &mut SheetRequest,
    format: Option<&str>,
    count: Option<u32>,
    note: &dyn Fn(Note),
) -> Result<(SheetSpec, CodeSource), Error> {
    let (spec, resolved) = resolved_spec(ctx, ledger, request, format, count, &|line| {
        note(Note::Say(line.to_owned()))
    })?;
    let count = checked_count(resolved.count.0)?;
    let format = Format::parse_for_generation(&resolved.format.0)?;
    if let Some(warning) = weak_format_warning(ctx, &format) {
        note(Note::Warn(warning));
    }
    Ok((spec, CodeSource::Generate { format, count }))
}

pub fn command(ctx: &Context, args: &GenerateArgs) -> Result<(), Error> {
    let mut request = sheet_request(&args.sheet);
    let mut ledger = ctx.issuing_ledger()?;
    let (spec, source) = prepare(
        ctx,
        &ledger,
        &mut request,
        args.format.as_deref(),
        args.count,
        &|note| note.tell(ctx),
    )?;
    let verifier = match &args.verifier {
        Some(path) => Some(VerifierSpec {
            place: Place::path(path.clone(), "--verifier"),
            params: verifier_params(args.verifier_memory, args.verifier_passes)?,
            overwrite: spec.overwrite,
            threads: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
        }),
        None => None,
    };
    let inputs: Vec<&std::path::Path> = request.template.as_deref().into_iter().collect();
    super::issue::run(ctx, &mut ledger, &spec, source, verifier.as_ref(), &inputs)
}
