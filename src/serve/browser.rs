//! Opening the default browser on the page, without putting the one-time token where other users of the machine can read it.
//!
//! `xdg-open URL` (and `open`, `start`) would put the token on a command
//! line, which every local user can read in the process list for as long
//! as the browser runs. Instead the browser is given a page in a private
//! file (mode 0600, in the user's runtime folder) that forwards it to the
//! address; the file is removed once the token is exchanged.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::texts::Texts;
use crate::lang::Lang;

/// Writes the forwarding page and asks the system to open it in the
/// default browser. The page lives until the returned path is dropped.
pub fn open_in_browser(address: &str) -> io::Result<tempfile::TempPath> {
    let mut file = tempfile::Builder::new()
        .prefix("recovery-sheet-open-")
        .suffix(".html")
        .tempfile_in(launcher_dir())?;
    file.write_all(launcher_page(address).as_bytes())?;
    file.flush()?;
    let path = file.into_temp_path();
    spawn_opener(&path)?;
    Ok(path)
}

/// Where the page is written: the user's runtime folder when there is one
/// (private to them), else the temporary folder (the file itself is 0600).
fn launcher_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// A page that forwards to `address` at once (no script: a meta refresh,
/// and a link for a browser that does not follow it).
fn launcher_page(address: &str) -> String {
    let (ja, en) = (Texts::new(Lang::Ja), Texts::new(Lang::En));
    // The address is ours: digits, a host, `/?token=` and hex; nothing to escape.
    format!(
        "<!doctype html><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={address}\"><title>recovery-sheet</title>\
         <p><a href=\"{address}\">{} / {}</a></p>",
        ja.t("launcher_continue"),
        en.t("launcher_continue"),
    )
}

#[cfg(all(unix, not(target_os = "macos")))]
fn opener(page: &Path) -> Command {
    let mut cmd = Command::new("xdg-open");
    cmd.arg(page);
    cmd
}

#[cfg(target_os = "macos")]
fn opener(page: &Path) -> Command {
    let mut cmd = Command::new("open");
    cmd.arg(page);
    cmd
}

#[cfg(windows)]
fn opener(page: &Path) -> Command {
    let mut cmd = Command::new("cmd");
    // The empty title keeps `start` from taking a quoted path for one.
    cmd.args(["/C", "start", ""]).arg(page);
    cmd
}

/// Starts the opener in the background; it is not waited for (`xdg-open`
/// may stay as long as the browser it started).
fn spawn_opener(page: &Path) -> io::Result<()> {
    let mut child = opener(page)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // Reaped when it ends, so it does not linger as a zombie.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
pub(crate) fn launcher_page_for_tests(address: &str) -> String {
    launcher_page(address)
}
