//! recovery-sheet: printable recovery sheets for two-factor backup codes.
//!
//! The binary's whole program lives here; `main.rs` only calls [`main`].
//! Modules are crate-private but for [`verifier`], the library API that
//! in-house services use to check codes (docs/verifier-format.md).

pub(crate) mod app;
pub(crate) mod cli;
pub(crate) mod codes;
pub(crate) mod config;
pub(crate) mod dates;
pub(crate) mod error;
pub(crate) mod files;
pub(crate) mod help;
pub(crate) mod import;
pub(crate) mod interrupt;
pub(crate) mod labels;
pub(crate) mod lang;
pub(crate) mod ledger;
pub(crate) mod limits;
pub(crate) mod messages;
pub(crate) mod output;
pub(crate) mod paths;
#[cfg(test)]
mod properties;
pub(crate) mod scan;
pub(crate) mod serve;
pub(crate) mod sheet;
pub(crate) mod template;
pub(crate) mod text;
pub(crate) mod typed;
pub mod verifier;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::app::{Context, Verbosity};
use crate::cli::{Cli, Command, ConfigCommand, LedgerCommand};
use crate::config::ConfigLocation;
use crate::error::{Error, exit};
use crate::lang::Lang;
use crate::messages::{Localized, Messages};

/// The command line: parse, run, and map errors to exit codes.
pub fn main() -> ExitCode {
    let lang = Lang::from_env();
    let cli = help::command(lang)
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
        .unwrap_or_else(|e| refuse_usage(e));
    let messages = Messages::new(lang);
    match run(cli, messages) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!(
                "recovery-sheet: {}: {}",
                messages.text("error"),
                e.message(&messages)
            );
            ExitCode::from(e.exit_code())
        }
    }
}

/// clap's help and version go out as clap prints them; its usage errors
/// quote what was typed, so they are printed with control characters escaped
/// (an argument cannot drive the terminal) and without colour.
fn refuse_usage(e: clap::Error) -> ! {
    if !e.use_stderr() {
        e.exit();
    }
    for line in e.render().to_string().lines() {
        eprintln!("{}", text::terminal_safe(line));
    }
    std::process::exit(e.exit_code());
}

fn run(cli: Cli, messages: Messages) -> Result<u8, Error> {
    // Commands that need no config or ledger.
    match &cli.command {
        Command::Completions(args) => {
            let mut cmd = Cli::command();
            clap_complete::generate(
                args.shell,
                &mut cmd,
                "recovery-sheet",
                &mut std::io::stdout(),
            );
            return Ok(exit::OK);
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|source| Error::Io {
                    path: "<stdout>".into(),
                    source,
                })?;
            return Ok(exit::OK);
        }
        _ => {}
    }
    let config_location = ConfigLocation::resolve(cli.config.clone());
    let config = config::load(&config_location)?;
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let ctx = Context {
        ledger_flag: cli.ledger.clone(),
        config_location,
        config,
        verbosity,
        messages,
    };
    match &cli.command {
        Command::Generate(args) => app::generate::command(&ctx, args)?,
        Command::Import(args) => app::import::command(&ctx, args)?,
        Command::List(args) => return app::list::command(&ctx, args),
        Command::Show(args) => app::show::command(&ctx, args)?,
        Command::Check(args) => return app::check::command(&ctx, args),
        Command::MarkUsed(args) => app::mark_used::command(&ctx, args)?,
        Command::Revoke(args) => app::revoke::command(&ctx, args)?,
        Command::Inventory(args) => app::inventory::command(&ctx, args)?,
        Command::Shredded(args) => app::shredded::command(&ctx, args)?,
        Command::Rename(args) => app::rename::command(&ctx, args)?,
        Command::Retire(args) => app::retire::command(&ctx, args)?,
        Command::Audit(args) => app::audit::command(&ctx, args)?,
        Command::Verify(args) => app::verify::command(&ctx, args)?,
        Command::Batch(args) => app::batch::command(&ctx, args)?,
        Command::Serve(args) => serve::command(&ctx, args)?,
        Command::Config(args) => match &args.command {
            ConfigCommand::Show { json } => app::config_show::command(&ctx, *json)?,
        },
        Command::Ledger(args) => match &args.command {
            LedgerCommand::Copy(args) => app::ledger_copy::command(&ctx, args)?,
        },
        Command::Completions(_) | Command::Man => {}
    }
    Ok(exit::OK)
}
