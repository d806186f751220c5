//! Ctrl-C and SIGTERM: work stops at the next safe point, leaving every sheet recorded with its file or not at all.
//!
//! A sheet is placed and recorded together or not at all; a signal that
//! killed the process between the two would break that, and one that killed
//! it while a sheet was being made would leave a hidden temporary file
//! holding its codes. With [`install`] in force a signal only sets a flag:
//! the commit step reads it before it places any file, and a wait for the
//! ledger's lock gives up when it is set ([`requested`]), so a stop takes
//! effect within one sheet's making. A second Ctrl-C does the same as the
//! first; Ctrl-\ (SIGQUIT) still ends the process at once, for a real hang.
//!
//! Commands that wait on a terminal for typed input install it only after
//! the input is read, so Ctrl-C at a prompt still ends the program.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Routes SIGINT and SIGTERM to the flag. Later calls do nothing.
pub fn install() -> io::Result<()> {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register(signal, &REQUESTED)?;
    }
    Ok(())
}

/// Whether a stop was asked for since the process started.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
