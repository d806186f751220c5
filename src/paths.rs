//! Where the tool keeps its files by default: the XDG base directories, resolved in one place.

use std::ffi::OsString;
use std::path::PathBuf;

/// `$XDG_DATA_HOME/recovery-sheet/ledger.db`, or under `$HOME/.local/share`.
pub fn default_ledger() -> Option<PathBuf> {
    default_ledger_from(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
}

/// `$XDG_CONFIG_HOME/recovery-sheet/config.toml`, or under `$HOME/.config`.
pub fn default_config() -> Option<PathBuf> {
    default_config_from(
        std::env::var_os("XDG_CONFIG_HOME"),
        std::env::var_os("HOME"),
    )
}

fn default_ledger_from(xdg_data_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    Some(base(xdg_data_home, home, &[".local", "share"])?.join("ledger.db"))
}

fn default_config_from(
    xdg_config_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    Some(base(xdg_config_home, home, &[".config"])?.join("config.toml"))
}

/// The tool's folder under an XDG base directory: the variable when it is
/// set to an absolute path (the XDG spec says to ignore a relative one),
/// else its default under `$HOME`.
fn base(xdg: Option<OsString>, home: Option<OsString>, fallback: &[&str]) -> Option<PathBuf> {
    let dir = match xdg.map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => {
            let mut dir = PathBuf::from(home.filter(|h| !h.is_empty())?);
            dir.extend(fallback);
            dir
        }
    };
    Some(dir.join("recovery-sheet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_variables_must_be_absolute() {
        assert_eq!(
            default_config_from(Some("rel".into()), Some("/home/a".into())).unwrap(),
            PathBuf::from("/home/a/.config/recovery-sheet/config.toml")
        );
        assert_eq!(
            default_ledger_from(Some("/x".into()), Some("/home/a".into())).unwrap(),
            PathBuf::from("/x/recovery-sheet/ledger.db")
        );
        assert_eq!(
            default_ledger_from(None, Some("/home/a".into())).unwrap(),
            PathBuf::from("/home/a/.local/share/recovery-sheet/ledger.db")
        );
        assert_eq!(default_ledger_from(None, Some("".into())), None);
        assert_eq!(default_config_from(None, None), None);
    }

    #[test]
    fn default_path_follows_xdg() {
        let path = |xdg: Option<&str>, home: Option<&str>| {
            default_ledger_from(xdg.map(Into::into), home.map(Into::into))
        };
        assert_eq!(
            path(Some("/data"), Some("/home/a")),
            Some(PathBuf::from("/data/recovery-sheet/ledger.db"))
        );
        for ignored in [None, Some(""), Some("relative/data")] {
            assert_eq!(
                path(ignored, Some("/home/a")),
                Some(PathBuf::from(
                    "/home/a/.local/share/recovery-sheet/ledger.db"
                ))
            );
        }
        assert_eq!(path(None, None), None);
        assert_eq!(path(None, Some("")), None);
    }
}
