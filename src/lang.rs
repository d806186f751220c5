//! The languages and paper sizes the tool knows, and their names: the one place that spells them.
//!
//! The command line, the config file, a batch file's cells and the web page
//! all read these names through [`Lang::from_name`] and [`Paper::from_name`],
//! and print them with `name()`.

/// Languages the sheet and the messages ship wording for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    /// Every language, in the order help texts list them.
    pub const ALL: &'static [Lang] = &[Lang::Ja, Lang::En];

    /// The name used on the command line, in files and in templates' file names.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The language's own name, for help texts and the web page's switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }

    /// The inverse of [`Lang::name`] (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Lang> {
        Lang::ALL
            .iter()
            .copied()
            .find(|l| l.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The names, comma-separated, for messages that list the choices.
    pub fn names() -> String {
        names(Lang::ALL.iter().map(|l| l.name()))
    }

    /// The language a locale string (`ja_JP.UTF-8`, `en_US`) asks for, if any.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let lang = locale.split(['_', '.', '-', '@']).next()?;
        match lang.to_ascii_lowercase().as_str() {
            "ja" => Some(Lang::Ja),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of the user's locale (`LC_ALL`, then `LC_MESSAGES`, then
    /// `LANG`, as POSIX orders them); English when unset or unknown.
    pub fn from_env() -> Lang {
        Lang::from_env_locale().unwrap_or(Lang::En)
    }

    /// The language the locale names, when it names one we ship.
    pub fn from_env_locale() -> Option<Lang> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .find(|v| !v.is_empty())
            .and_then(|v| Lang::from_locale(&v))
    }

    /// The first language of an HTTP `Accept-Language` header we ship, if any.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let Some(lang) = tag.split('-').next().and_then(Lang::from_name) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
                best = Some((lang, q));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

/// Paper sizes the layout knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    pub const ALL: &'static [Paper] = &[Paper::A4, Paper::Letter];

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    /// What the size is, for help texts.
    pub fn describe(self) -> &'static str {
        match self {
            Paper::A4 => "ISO A4, 210 x 297 mm",
            Paper::Letter => "US Letter, 8.5 x 11 in",
        }
    }

    /// The inverse of [`Paper::name`] (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Paper> {
        Paper::ALL
            .iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The names, comma-separated, for messages that list the choices.
    pub fn names() -> String {
        names(Paper::ALL.iter().map(|p| p.name()))
    }

    /// Width and height in millimetres.
    pub fn size_mm(self) -> (f64, f64) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        }
    }
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_name(lang.name()), Some(*lang));
            assert_eq!(Lang::from_name(&lang.name().to_uppercase()), Some(*lang));
        }
        for paper in Paper::ALL {
            assert_eq!(Paper::from_name(paper.name()), Some(*paper));
        }
        assert_eq!(Lang::from_name("fr"), None);
        assert_eq!(Paper::from_name("a3"), None);
        assert_eq!(Lang::names(), "ja, en");
        assert_eq!(Paper::names(), "a4, letter");
    }

    #[test]
    fn locale_detection() {
        assert_eq!(Lang::from_locale("ja_JP.UTF-8"), Some(Lang::Ja));
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("C.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("de_DE"), None);
    }

    #[test]
    fn accept_language_picks_the_preferred_shipped_language() {
        assert_eq!(Lang::from_accept_language("ja,en;q=0.8"), Some(Lang::Ja));
        assert_eq!(
            Lang::from_accept_language("de-DE,en-US;q=0.7,ja;q=0.9"),
            Some(Lang::Ja)
        );
        assert_eq!(Lang::from_accept_language("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de, fr;q=0.5"), None);
        assert_eq!(Lang::from_accept_language("ja;q=0"), None);
    }
}
