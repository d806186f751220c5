//! The office's defaults from `config.toml`, and which source each setting in force came from.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::labels::optional_label;
use crate::lang::{Lang, Paper};
use crate::limits::{
    MAX_CONFIG_BYTES, MAX_COPIES, MAX_COUNT, TooLarge, bytes_for_people, read_at_most,
};
use crate::messages::{Localized, Msg, english_display};

/// What a config file may set. Every key is optional; unknown keys are refused.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `ja` or `en`.
    pub lang: Option<String>,
    /// `a4` or `letter`.
    pub paper: Option<String>,
    /// Printed on every sheet.
    pub organisation: Option<String>,
    pub location: Option<String>,
    pub custodian: Option<String>,
    pub copies: Option<u32>,
    /// Default code pattern for `generate`.
    pub format: Option<String>,
    /// Default number of codes for `generate`.
    pub count: Option<u32>,
    /// Months from issue to the next inventory (default 6).
    pub inventory_months: Option<u32>,
    /// The ledger: a file's path, or a `postgres://` URL of a shared one
    /// (`--ledger` and `RECOVERY_SHEET_LEDGER` win over it).
    pub ledger: Option<String>,
}

/// Why the config file was refused.
#[derive(Debug)]
pub enum ConfigError {
    Unreadable {
        path: PathBuf,
        source: io::Error,
    },
    /// The file was read, but `problem` (a message) is wrong with it, on `line` when known.
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        problem: Msg,
    },
}

impl Localized for ConfigError {
    fn msg(&self) -> Msg {
        match self {
            ConfigError::Unreadable { path, source }
                if source.kind() == io::ErrorKind::NotFound =>
            {
                Msg::new("config_missing").with("path", path.display())
            }
            ConfigError::Unreadable { path, source } => Msg::new("config_unreadable")
                .with("path", path.display())
                .with("source", source),
            ConfigError::Invalid {
                path,
                line: Some(line),
                problem,
            } => Msg::new("config_invalid_line")
                .with("path", path.display())
                .with("line", line)
                .with_msg("problem", problem.clone()),
            ConfigError::Invalid {
                path,
                line: None,
                problem,
            } => Msg::new("config_invalid")
                .with("path", path.display())
                .with_msg("problem", problem.clone()),
        }
    }
}

english_display!(ConfigError);

impl std::error::Error for ConfigError {}

/// Where a config file is looked for, and whether it must exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigLocation {
    /// Named with `--config` or `RECOVERY_SHEET_CONFIG`: must exist.
    Explicit(PathBuf),
    /// The XDG default: optional.
    Default(PathBuf),
    /// No home folder to look in.
    None,
}

impl ConfigLocation {
    pub fn resolve(explicit: Option<PathBuf>) -> ConfigLocation {
        if let Some(path) = explicit {
            return ConfigLocation::Explicit(path);
        }
        match crate::paths::default_config() {
            Some(path) => ConfigLocation::Default(path),
            None => ConfigLocation::None,
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigLocation::Explicit(p) | ConfigLocation::Default(p) => Some(p),
            ConfigLocation::None => None,
        }
    }
}

/// A config as loaded, with the file it came from (if one was read).
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub file: ConfigFile,
    pub path: Option<PathBuf>,
}

/// Reads and checks the config. A missing default file is an empty config.
pub fn load(location: &ConfigLocation) -> Result<Loaded, ConfigError> {
    let path = match location {
        ConfigLocation::None => return Ok(Loaded::default()),
        ConfigLocation::Explicit(p) | ConfigLocation::Default(p) => p,
    };
    let unreadable = |source| ConfigError::Unreadable {
        path: path.clone(),
        source,
    };
    let bytes = match fs::File::open(path) {
        Ok(file) => read_at_most(file, MAX_CONFIG_BYTES).map_err(unreadable)?,
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                && matches!(location, ConfigLocation::Default(_)) =>
        {
            return Ok(Loaded::default());
        }
        Err(source) => return Err(unreadable(source)),
    };
    let bytes = bytes.map_err(|TooLarge { limit }| ConfigError::Invalid {
        path: path.clone(),
        line: None,
        problem: Msg::new("config_too_large").with("limit", bytes_for_people(limit)),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ConfigError::Invalid {
        path: path.clone(),
        line: Some(line_at(e.as_bytes(), e.utf8_error().valid_up_to())),
        problem: Msg::new("config_not_utf8"),
    })?;
    let file = parse(&text, path)?;
    Ok(Loaded {
        file,
        path: Some(path.clone()),
    })
}

/// The line (from 1) that byte `offset` of `bytes` is on.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// The line (from 1) where `key` is set, as TOML reads the file: a quoted
/// key (`"lang" = …`) too, and never a comment or a line inside a string.
fn key_line(text: &str, key: &str) -> Option<usize> {
    let table = toml::de::DeTable::parse(text).ok()?;
    table
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(k, _)| line_at(text.as_bytes(), k.span().start))
}

/// `name = value is out of range (1 to max)`.
fn out_of_range(name: &str, value: u32, max: u32) -> Msg {
    Msg::new("config_out_of_range")
        .with("name", name)
        .with("value", value)
        .with("max", max)
}

/// Parses config text; errors name the line.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let invalid = |line: Option<usize>, problem: Msg| ConfigError::Invalid {
        path: path.to_owned(),
        line,
        problem,
    };
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        invalid(
            line,
            Msg::new("config_toml").with("detail", e.message().trim().replace('\n', " ")),
        )
    })?;
    let line_of = |key: &str| key_line(text, key);
    if let Some(lang) = &file.lang
        && Lang::from_name(lang).is_none()
    {
        return Err(invalid(
            line_of("lang"),
            Msg::new("config_bad_lang")
                .with("value", lang)
                .with("choices", Lang::names()),
        ));
    }
    if let Some(paper) = &file.paper
        && Paper::from_name(paper).is_none()
    {
        return Err(invalid(
            line_of("paper"),
            Msg::new("config_bad_paper")
                .with("value", paper)
                .with("choices", Paper::names()),
        ));
    }
    if let Some(copies) = file.copies
        && !(1..=MAX_COPIES).contains(&copies)
    {
        return Err(invalid(
            line_of("copies"),
            out_of_range("copies", copies, MAX_COPIES),
        ));
    }
    if let Some(count) = file.count
        && !(1..=MAX_COUNT).contains(&count)
    {
        return Err(invalid(
            line_of("count"),
            out_of_range("count", count, MAX_COUNT),
        ));
    }
    if let Some(months) = file.inventory_months
        && !(1..=36).contains(&months)
    {
        return Err(invalid(
            line_of("inventory_months"),
            out_of_range("inventory_months", months, 36),
        ));
    }
    for (key, what, value) in [
        ("organisation", "field_organisation", &file.organisation),
        ("location", "field_location", &file.location),
        ("custodian", "field_custodian", &file.custodian),
    ] {
        if let Err(e) = optional_label(what, value.as_deref()) {
            return Err(invalid(line_of(key), e.msg()));
        }
    }
    if let Some(format) = &file.format
        && let Err(e) = crate::codes::Format::parse_for_generation(format)
    {
        return Err(invalid(
            line_of("format"),
            Msg::new("config_bad_format").with_msg("error", e.msg()),
        ));
    }
    if let Some(ledger) = &file.ledger
        && crate::ledger::Location::is_server_url(ledger)
        && let Err(e) = crate::ledger::conninfo::parse(ledger)
    {
        return Err(invalid(line_of("ledger"), e.msg()));
    }
    Ok(file)
}

/// Where a setting in force came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    ConfigFile(PathBuf),
    Locale,
    /// Carried over from this generation of the account (a regeneration).
    Carried(u32),
    BuiltIn,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("command line"),
            Source::ConfigFile(p) => write!(f, "{}", p.display()),
            Source::Locale => f.write_str("locale"),
            Source::Carried(generation) => write!(f, "generation {generation}"),
            Source::BuiltIn => f.write_str("built-in default"),
        }
    }
}

/// Picks the flag, else the config value, else the fallback, and says which.
pub fn pick<T: Clone>(
    flag: Option<T>,
    config: Option<T>,
    config_path: Option<&Path>,
    fallback: (T, Source),
) -> (T, Source) {
    if let Some(v) = flag {
        return (v, Source::Flag);
    }
    if let (Some(v), Some(path)) = (config, config_path) {
        return (v, Source::ConfigFile(path.to_owned()));
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_line_of_a_bad_value() {
        let err = parse("lang = \"ja\"\npaper = \"a3\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(err.to_string().contains("a3"), "{err}");
    }

    #[test]
    fn names_the_line_of_an_unknown_key() {
        let err = parse("lang = \"ja\"\n\ncolour = 1\n", Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        assert!(err.to_string().contains("colour"), "{err}");
    }

    /// Found by the property tests (src/properties.rs): a quoted key gave
    /// no line, and a continued string or a comment could give the wrong one.
    #[test]
    fn names_the_line_of_a_bad_value_however_its_key_is_written() {
        for (text, line) in [
            ("# recovery-sheet\n\"lang\" = \"fr\"\n", 2),
            ("'count' = 0\n", 1),
            (
                "# count = 5\nlocation = \"\"\"Safe, \\\ncount room\"\"\"\ncount = 0\n",
                4,
            ),
        ] {
            let err = parse(text, Path::new("c.toml")).unwrap_err();
            assert!(
                matches!(err, ConfigError::Invalid { line: Some(l), .. } if l == line),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn flags_beat_config_beats_fallback() {
        let p = Path::new("c.toml");
        assert_eq!(
            pick(Some(1), Some(2), Some(p), (3, Source::BuiltIn)).1,
            Source::Flag
        );
        assert_eq!(
            pick(None, Some(2), Some(p), (3, Source::BuiltIn)),
            (2, Source::ConfigFile(p.to_owned()))
        );
        assert_eq!(pick::<u32>(None, None, Some(p), (3, Source::BuiltIn)).0, 3);
    }
}
