//! `import`: codes a service issued, read from stdin or a file, printed on a sheet and recorded.

use std::io::IsTerminal;
use std::path::Path;

use super::Context;
use super::spec::CodeSource;
use super::spec::{resolved_spec, sheet_request};
use crate::cli::ImportArgs;
use crate::error::Error;
use crate::import;
use crate::limits::{MAX_IMPORT_BYTES, TooLarge, read_at_most};
use crate::messages::{Localized, Msg};

pub fn command(ctx: &Context, args: &ImportArgs) -> Result<(), Error> {
    let preset = import::preset(&args.service).ok_or_else(|| {
        let names: Vec<&str> = import::presets().iter().map(|p| p.name).collect();
        Error::InvalidValue(
            Msg::new("unknown_service")
                .with("service", &args.service)
                .with("services", names.join(", ")),
        )
    })?;
    let mut request = sheet_request(&args.sheet);
    let mut ledger = ctx.issuing_ledger()?;
    let (spec, _) = resolved_spec(ctx, &ledger, &mut request, None, None, &|line| {
        ctx.say(line)
    })?;
    let bytes = read_codes(ctx, args.from.as_deref())?;
    let imported = import::parse(preset, &bytes)?;
    for w in &imported.warnings {
        ctx.warn(&w.message(&ctx.messages));
    }
    let source = CodeSource::Import {
        preset,
        set: imported.set,
    };
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
