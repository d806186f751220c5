//! Ctrl-C and SIGTERM: the first asks work to stop at the next safe point, a second one exits at once.
//!
//! A sheet is placed and recorded together or not at all; a signal that
//! killed the process between the two would break that. With [`install`]
//! in force the signal only sets a flag, which the commit step reads before
//! it places any file ([`requested`]). Commands that wait on a terminal for
//! typed input install it only after the input is read, so Ctrl-C at a
//! prompt still ends the program.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The exit status of a second signal (128 + SIGINT, as shells report Ctrl-C).
const FORCED_EXIT: i32 = 130;

/// Routes SIGINT and SIGTERM to the flag. Later calls do nothing (a second
/// set of handlers would turn the first signal into an exit).
pub fn install() -> io::Result<()> {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it:
        // the second signal exits, the first only sets the flag.
        signal_hook::flag::register_conditional_shutdown(signal, FORCED_EXIT, &REQUESTED)?;
        signal_hook::flag::register(signal, &REQUESTED)?;
    }
    Ok(())
}

/// Whether a stop was asked for since the process started.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
