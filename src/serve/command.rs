//! `serve`: the web page on this computer (see `crate::serve`): prints its one-time address, opens the browser on it, and serves until idle or Ctrl-C.

use std::path::PathBuf;
use std::time::Duration;

use super::{ServeConfig, Server, StopReason, open_in_browser};
use crate::app::Context;
use crate::cli::ServeArgs;
use crate::error::Error;
use crate::interrupt;
use crate::lang::Lang;
use crate::limits::DEFAULT_IDLE_MINUTES;

pub fn command(ctx: &Context, args: &ServeArgs) -> Result<(), Error> {
    // Ctrl-C stops the server, and a sheet being made stops at its next safe
    // point (recorded with its PDF, or not at all), as in every command.
    interrupt::install().map_err(|source| Error::Io {
        path: PathBuf::from("<signal handler>"),
        source,
    })?;
    let idle = args.idle_minutes.unwrap_or(DEFAULT_IDLE_MINUTES);
    let config = ServeConfig {
        port: args.port.unwrap_or(0),
        idle: Duration::from_secs(u64::from(idle) * 60),
        // When neither the switch nor the browser chooses: the config's
        // language, else the locale's.
        default_lang: ctx
            .config
            .file
            .lang
            .as_deref()
            .and_then(Lang::from_name)
            .unwrap_or_else(Lang::from_env),
        ..ServeConfig::default()
    };
    let mut rng = rand::rand_core::UnwrapErr(rand::rngs::SysRng);
    let server = Server::bind(&config, ctx.quiet_in(ctx.messages), &mut rng)?;
    let m = &ctx.messages;
    for (address, source) in server.skipped() {
        ctx.detail(&m.fill(
            "serve_not_listening",
            &[
                ("address", &address.to_string()),
                ("source", &source.to_string()),
            ],
        ));
    }
    // stdout carries the address alone, so a script (or a test) can read it.
    let address = server.address();
    println!("{address}");
    let idle = idle.to_string();
    ctx.say(&m.fill("serve_started", &[("idle", &idle)]));
    if !args.no_open {
        match open_in_browser(&address) {
            Ok(page) => {
                server.keep_launcher(page);
                ctx.say(m.text("serve_opened"));
            }
            Err(e) => ctx.warn(&m.fill("serve_open_failed", &[("source", &e.to_string())])),
        }
    }
    match server.run()? {
        StopReason::Idle => ctx.say(&m.fill("serve_stopped_idle", &[("idle", &idle)])),
        StopReason::Interrupted => ctx.say(m.text("serve_stopped")),
        StopReason::Requested => {}
    }
    Ok(())
}
