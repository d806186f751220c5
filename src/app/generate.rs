//! `generate`: a new code set from the OS random generator, printed on a sheet and recorded.

use std::num::NonZeroUsize;

use super::Context;
use super::spec::{CodeSource, Place, VerifierSpec};
use super::spec::{checked_count, checked_format, resolved_spec, sheet_request, verifier_params};
use crate::cli::GenerateArgs;
use crate::error::Error;

pub fn command(ctx: &Context, args: &GenerateArgs) -> Result<(), Error> {
    let mut request = sheet_request(&args.sheet);
    let mut ledger = ctx.issuing_ledger()?;
    let (spec, resolved) = resolved_spec(
        ctx,
        &ledger,
        &mut request,
        args.format.as_deref(),
        args.count,
        &|line| ctx.say(line),
    )?;
    let count = checked_count(resolved.count.0)?;
    let format = checked_format(ctx, &resolved.format.0)?;
    let verifier = match &args.verifier {
        Some(path) => Some(VerifierSpec {
            place: Place::path(path.clone(), "--verifier"),
            params: verifier_params(args.verifier_memory, args.verifier_passes)?,
            overwrite: spec.overwrite,
            threads: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
        }),
        None => None,
    };
    let source = CodeSource::Generate { format, count };
    let inputs: Vec<&std::path::Path> = request.template.as_deref().into_iter().collect();
    super::issue::run(ctx, &mut ledger, &spec, source, verifier.as_ref(), &inputs)
}
