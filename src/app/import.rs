//! `import`: codes a service issued, read from stdin or a file, printed on a sheet and recorded.

use std::io::IsTerminal;
use std::path::Path;

use zeroize::Zeroizing;

use super::Context;
use super::spec::{CodeSource, Note, SheetRequest, SheetSpec, resolved_spec, sheet_request};
use crate::cli::ImportArgs;
use crate::error::Error;
use crate::import::{self, Preset};
use crate::ledger::Ledger;
use crate::limits::{MAX_IMPORT_BYTES, TooLarge, read_at_most};
use crate::messages::{Localized, Msg};

/// The preset of the service named (any case), or an error listing them all.
pub fn checked_preset(service: &str) -> Result<&'static Preset, Error> {
    import::preset(service).ok_or_else(|| {
        let names: Vec<&str> = import::presets().iter().map(|p| p.name).collect();
        Error::InvalidValue(
            Msg::new("unknown_service")
                .with("service", service)
                .with("services", names.join(", ")),
        )
    })
}

/// An import request (the command line's flags and stdin, the page's form)
/// checked: the service, the sheet request against the ledger, the config
/// and the defaults, then the pasted codes, which `read` hands over only
/// once everything else is known to be right. `note` hears what
/// [`resolved_spec`] tells and the import's warnings (which name no code).
pub fn prepare(
    ctx: &Context,
    ledger: &dyn Ledger,
    service: &str,
    request: &mut SheetRequest,
    read: &mut dyn FnMut() -> Result<Zeroizing<Vec<u8>>, Error>,
    note: &dyn Fn(Note),
) -> Result<(SheetSpec, CodeSource), Error> {
    let preset = checked_preset(service)?;
    let (spec, _) = resolved_spec(ctx, ledger, request, None, None, &|line| {
        note(Note::Say(line.to_owned()))
    })?;
    let bytes = read()?;
    let imported = import::parse(preset, &bytes)?;
    for w in &imported.warnings {
        note(Note::Warn(w.message(&ctx.messages)));
    }
    Ok((
        spec,
        CodeSource::Import {
            preset,
            set: imported.set,
        },
    ))
}

pub fn command(ctx: &Context, args: &ImportArgs) -> Result<(), Error> {
    // An unknown service is refused before anything is read.
    checked_preset(&args.service)?;
    let mut request = sheet_request(&args.sheet);
    let mut ledger = ctx.issuing_ledger()?;
    let (spec, source) = prepare(
        ctx,
        &ledger,
        &args.service,
        &mut request,
        &mut || read_codes(ctx, args.from.as_deref()).map(Zeroizing::new),
        &|note| note.tell(ctx),
    )?;
    let inputs: Vec<&Path> = request
        .template
        .as_deref()
        .into_iter()
        .chain(args.from.as_deref())
        .collect();
    super::issue::run(ctx, &mut ledger, &spec, source, None, &inputs)
}

/// Reads pasted codes from `--from FILE` or stdin (a terminal gets a prompt).
/// The key that ends typed input on this platform's terminal.
fn end_of_input_key() -> &'static str {
    if cfg!(windows) {
        "Ctrl-Z, Enter"
    } else {
        "Ctrl-D"
    }
}

fn read_codes(ctx: &Context, from: Option<&Path>) -> Result<Vec<u8>, Error> {
    let unreadable = |source| Error::ImportInput {
        path: from.map(Path::to_owned),
        source,
    };
    let too_large = |TooLarge { limit }| Error::TooLarge {
        input: from.map_or_else(|| "<stdin>".to_owned(), |p| p.display().to_string()),
        limit,
    };
    match from {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(unreadable)?;
            Ok(read_at_most(file, MAX_IMPORT_BYTES)
                .map_err(unreadable)?
                .map_err(too_large)?)
        }
        None => {
            let stdin = std::io::stdin();
            let terminal = stdin.is_terminal();
            if terminal {
                eprintln!(
                    "{}",
                    ctx.messages.fill(
                        "import_prompt",
                        &[
                            ("paste", import::paste_command()),
                            ("end", end_of_input_key())
                        ]
                    )
                );
            }
            let bytes = read_at_most(stdin.lock(), MAX_IMPORT_BYTES)
                .map_err(unreadable)?
                .map_err(too_large)?;
            if terminal && bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(Error::StdinIsTerminal);
            }
            Ok(bytes)
        }
    }
}
