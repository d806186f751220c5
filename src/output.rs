//! Where outputs go: the checks made before any work (an existing file, a missing folder, stdout that is a terminal or leads nowhere), default file names, and the output errors.

use std::fs;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use crate::files::{Overwrite, parent_dir};
use crate::messages::{Localized, Msg, english_display};

/// Why an output could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// The destination exists and `--force` was not given. `flag` is the
    /// option that named the file (`-o`, `--verifier`, ...), for the advice.
    Exists { path: PathBuf, flag: &'static str },
    /// The destination is a folder.
    IsFolder { path: PathBuf, flag: &'static str },
    /// The folder the destination would go into does not exist.
    FolderMissing { dir: PathBuf, flag: &'static str },
    /// The folder exists but a file cannot be created in it.
    NotWritable {
        dir: PathBuf,
        flag: &'static str,
        source: io::Error,
    },
    /// `-o -` while stdout is a terminal.
    StdoutIsTerminal,
    /// `-o -` while stdout is closed: nobody would receive the sheet.
    StdoutClosed,
    /// The output is a file the tool must never replace (`file`: the ledger,
    /// its journal or lock, the config, an input), however the path is spelt.
    Protected {
        path: PathBuf,
        file: PathBuf,
        flag: &'static str,
    },
    /// Writing, syncing or renaming failed.
    Write { path: PathBuf, source: io::Error },
}

impl Localized for OutputError {
    fn msg(&self) -> Msg {
        match self {
            OutputError::Exists { path, flag } => Msg::new("output_exists")
                .with("path", path.display())
                .with("flag", flag),
            OutputError::IsFolder { path, flag } => Msg::new("output_is_folder")
                .with("path", path.display())
                .with("flag", flag),
            OutputError::FolderMissing { dir, flag } => Msg::new("output_folder_missing")
                .with("dir", dir.display())
                .with("flag", flag),
            OutputError::NotWritable { dir, flag, source } => Msg::new("output_not_writable")
                .with("dir", dir.display())
                .with("source", source)
                .with("flag", flag),
            OutputError::StdoutIsTerminal => Msg::new("output_stdout_is_terminal"),
            OutputError::StdoutClosed => Msg::new("output_stdout_closed"),
            OutputError::Protected { path, file, flag } => Msg::new("output_protected")
                .with("path", path.display())
                .with("file", file.display())
                .with("flag", flag),
            OutputError::Write { path, source } => Msg::new("output_write")
                .with("path", path.display())
                .with("source", source),
        }
    }
}

english_display!(OutputError);

impl std::error::Error for OutputError {}

/// Fails early, before any work, when `dest` (named by `flag`) cannot be written.
pub fn precheck(dest: &Path, overwrite: Overwrite, flag: &'static str) -> Result<(), OutputError> {
    match fs::metadata(dest) {
        Ok(meta) if meta.is_dir() => {
            return Err(OutputError::IsFolder {
                path: dest.to_owned(),
                flag,
            });
        }
        Ok(_) if overwrite == Overwrite::Refuse => {
            return Err(OutputError::Exists {
                path: dest.to_owned(),
                flag,
            });
        }
        _ => {}
    }
    precheck_folder(&parent_dir(dest), flag)
}

/// Fails early when files cannot go into `dir` because it is not a folder.
pub fn precheck_folder(dir: &Path, flag: &'static str) -> Result<(), OutputError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        _ => Err(OutputError::FolderMissing {
            dir: dir.to_owned(),
            flag,
        }),
    }
}

/// Whether stdout leads nowhere: closed when the process started (Rust's
/// runtime then opens `/dev/null` on it, so no file the tool opens can take
/// its number) or sent to `/dev/null`. A sheet written there reaches nobody.
fn stdout_leads_nowhere() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::MetadataExt;
        let (Ok(out), Ok(null)) = (
            rustix::fs::fstat(io::stdout().as_fd()),
            fs::metadata("/dev/null"),
        ) else {
            return false;
        };
        let char_device = rustix::fs::FileType::from_raw_mode(out.st_mode)
            == rustix::fs::FileType::CharacterDevice;
        char_device && out.st_rdev == null.rdev()
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Stdout for a PDF: refused when it is a terminal (a PDF would garble it)
/// or was closed (nobody would receive it).
pub fn checked_stdout() -> Result<io::Stdout, OutputError> {
    if stdout_leads_nowhere() {
        return Err(OutputError::StdoutClosed);
    }
    let out = io::stdout();
    if out.is_terminal() {
        return Err(OutputError::StdoutIsTerminal);
    }
    Ok(out)
}

/// A file-name-safe form of an account label that keeps its own script:
/// letters and digits of any language stay (in Unicode NFC, as macOS and
/// Windows expect), ASCII letters are lower-cased, and what is unsafe in a
/// file name on Linux, macOS or Windows (`/ \ : * ? " < > |`, control
/// characters, spaces) becomes `-`; a name never starts or ends with a dot,
/// a dash or a space. Empty gives `account`.
pub fn slug(account: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    const MAX_CHARS: usize = 60;
    let mut out = String::new();
    let mut chars = 0;
    for c in account.trim().nfc() {
        let c = if c.is_alphanumeric() || matches!(c, '.' | '_' | '@' | '-' | '+') {
            c.to_ascii_lowercase()
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
        chars += 1;
        if chars >= MAX_CHARS {
            break;
        }
    }
    let out = out.trim_matches(['-', '.', ' ']).to_owned();
    if out.is_empty() {
        "account".to_owned()
    } else {
        out
    }
}

/// The default sheet file name: account, generation and set ID tell sheets apart.
pub fn default_sheet_name(account: &str, generation: u32, set_id: &str) -> String {
    format!("{}-gen{generation}-{set_id}.pdf", slug(account))
}

/// The default verifier file name, matching its sheet's.
pub fn default_verifier_name(account: &str, generation: u32, set_id: &str) -> String {
    format!("{}-gen{generation}-{set_id}.verifier.json", slug(account))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_addresses_readable() {
        assert_eq!(slug("Shop@Example.com"), "shop@example.com");
        assert_eq!(slug("a / b"), "a-b");
        assert_eq!(slug("../etc/passwd"), "etc-passwd");
    }

    #[test]
    fn slugs_keep_the_accounts_own_script() {
        assert_eq!(slug("経理部共有アカウント"), "経理部共有アカウント");
        assert_eq!(slug("株式会社サンプル (X)"), "株式会社サンプル-x");
        assert_ne!(slug("経理部"), slug("総務部"));
        // Decomposed kana (as macOS file names hold them) become composed.
        assert_eq!(slug("カ\u{3099}イシャ"), "ガイシャ");
        // Nothing Windows refuses: reserved characters, a trailing dot.
        for bad in [
            "a:b", "a*b", "a?b", "a\"b", "a<b>", "a|b", "a\\b", "name.", " x ",
        ] {
            let s = slug(bad);
            assert!(
                !s.contains([':', '*', '?', '"', '<', '>', '|', '\\', '/'])
                    && !s.ends_with('.')
                    && !s.starts_with(' '),
                "{bad:?} -> {s:?}"
            );
        }
        assert_eq!(slug("。。"), "account");
        assert_eq!(slug("///"), "account");
        assert_eq!(slug(&"あ".repeat(100)).chars().count(), 60);
    }
}
