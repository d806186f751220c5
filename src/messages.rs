//! Messages for people running the tool, kept with the sheet wording in `templates/messages-*.toml`.
//!
//! Errors and warnings say what to tell the user as a [`Msg`]: a catalogue
//! key and the values of its placeholders. [`Localized::message`] renders one
//! in the user's language; their `Display` is the English, as library users
//! and logs expect.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use crate::lang::Lang;
use crate::text;

const EN: &str = include_str!("../templates/messages-en.toml");
const JA: &str = include_str!("../templates/messages-ja.toml");

pub(crate) type Catalogue = BTreeMap<String, String>;

/// A shipped catalogue in both languages (TOML of key = text), each parsed
/// once per process on first use. The messages here and the web pages'
/// wording are both kept this way.
pub(crate) struct Shipped {
    what: &'static str,
    en: &'static str,
    ja: &'static str,
    en_parsed: OnceLock<Catalogue>,
    ja_parsed: OnceLock<Catalogue>,
}

impl Shipped {
    /// `what` names the catalogue if a shipped file is broken.
    pub(crate) const fn new(what: &'static str, en: &'static str, ja: &'static str) -> Shipped {
        Shipped {
            what,
            en,
            ja,
            en_parsed: OnceLock::new(),
            ja_parsed: OnceLock::new(),
        }
    }

    pub(crate) fn get(&self, lang: Lang) -> &Catalogue {
        // The shipped files are checked by unit tests; a broken one is a build bug.
        let parse = |text: &str| -> Catalogue {
            toml::from_str(text)
                .unwrap_or_else(|e| panic!("shipped {} catalogue is broken: {e}", self.what))
        };
        match lang {
            Lang::En => self.en_parsed.get_or_init(|| parse(self.en)),
            Lang::Ja => self.ja_parsed.get_or_init(|| parse(self.ja)),
        }
    }
}

static SHIPPED: Shipped = Shipped::new("message", EN, JA);

/// The shipped catalogue of `lang`: every error's `Display` renders through
/// the English one.
fn catalogue(lang: Lang) -> &'static Catalogue {
    SHIPPED.get(lang)
}

/// What [`Messages::text`] does with a key its catalogue lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// The English text, else the key itself.
    FallBack,
    /// Panics: tests use it to show every key is in every catalogue.
    #[cfg(test)]
    Panic,
}

/// A message catalogue: the user's language, falling back to English per key.
#[derive(Debug, Clone, Copy)]
pub struct Messages {
    texts: &'static Catalogue,
    missing: Missing,
}

impl Messages {
    pub fn new(lang: Lang) -> Messages {
        Messages {
            texts: catalogue(lang),
            missing: Missing::FallBack,
        }
    }

    /// The English catalogue, which `Display` of every error uses.
    pub fn english() -> &'static Messages {
        static ENGLISH: OnceLock<Messages> = OnceLock::new();
        ENGLISH.get_or_init(|| Messages::new(Lang::En))
    }

    /// A catalogue that panics on a key it lacks instead of falling back.
    #[cfg(test)]
    pub(crate) fn strict(lang: Lang) -> Messages {
        Messages {
            texts: catalogue(lang),
            missing: Missing::Panic,
        }
    }

    /// The message for `key`; the key itself if no catalogue has it.
    pub fn text<'a>(&self, key: &'a str) -> &'a str {
        if let Some(text) = self.texts.get(key) {
            return text;
        }
        match self.missing {
            Missing::FallBack => catalogue(Lang::En)
                .get(key)
                .map(String::as_str)
                .unwrap_or(key),
            #[cfg(test)]
            Missing::Panic => panic!("no message `{key}` in the catalogue"),
        }
    }

    /// The message with `{name}` placeholders filled in. Values are made
    /// safe for a terminal ([`text::terminal_safe`]): they are what users
    /// typed, files held and scans read, and messages end up on a terminal.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let safe: Vec<(&str, std::borrow::Cow<'_, str>)> = values
            .iter()
            .map(|(name, value)| (*name, text::terminal_safe(value)))
            .collect();
        let safe: Vec<(&str, &str)> = safe.iter().map(|(n, v)| (*n, v.as_ref())).collect();
        text::fill(self.text(key), &safe)
    }
}

/// What to tell the user, whatever the language: a catalogue key and the
/// values of its placeholders. A value may itself be a message (a field's
/// name, the reason inside a larger error), rendered in the same language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    key: &'static str,
    values: Vec<(&'static str, Value)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Text(String),
    Msg(Msg),
}

impl Msg {
    pub fn new(key: &'static str) -> Msg {
        Msg {
            key,
            values: Vec::new(),
        }
    }

    /// Fills `{name}` with `value` as it is: a path, a number, a flag, what the user typed.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Msg {
        self.values.push((name, Value::Text(value.to_string())));
        self
    }

    /// Fills `{name}` with another message, in the same language.
    pub fn with_msg(mut self, name: &'static str, value: Msg) -> Msg {
        self.values.push((name, Value::Msg(value)));
        self
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The text in `m`'s language.
    pub fn render(&self, m: &Messages) -> String {
        let values: Vec<(&str, String)> = self
            .values
            .iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::Text(text) => text.clone(),
                    Value::Msg(msg) => msg.render(m),
                };
                (*name, text)
            })
            .collect();
        let values: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
        m.fill(self.key, &values)
    }

    /// Calls `f` with the key and the names of the values of this message
    /// and of every message inside it.
    #[cfg(test)]
    pub(crate) fn visit(&self, f: &mut impl FnMut(&'static str, Vec<&'static str>)) {
        f(
            self.key,
            self.values.iter().map(|(name, _)| *name).collect(),
        );
        for (_, value) in &self.values {
            if let Value::Msg(msg) = value {
                msg.visit(f);
            }
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Messages::english()))
    }
}

/// "1st", "2nd", "3rd", "11th": which one of several, in the catalogue's
/// words. The key follows English; other languages give every key one text.
pub fn ordinal(n: usize) -> Msg {
    let key = match (n % 10, n % 100) {
        (_, 11..=13) => "ordinal_th",
        (1, _) => "ordinal_st",
        (2, _) => "ordinal_nd",
        (3, _) => "ordinal_rd",
        _ => "ordinal_th",
    };
    Msg::new(key).with("n", n)
}

/// Something the user is told: an error or a warning.
pub trait Localized {
    /// What to say, as a key of the message catalogues and its values.
    fn msg(&self) -> Msg;

    /// The text in `m`'s language.
    fn message(&self, m: &Messages) -> String {
        self.msg().render(m)
    }
}

impl Localized for Msg {
    fn msg(&self) -> Msg {
        self.clone()
    }

    fn message(&self, m: &Messages) -> String {
        self.render(m)
    }
}

/// `Display` in English for [`Localized`] types, so `to_string()` and `{e}`
/// read as they always have.
macro_rules! english_display {
    ($($t:ty),* $(,)?) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::messages::Localized::message(
                    self,
                    $crate::messages::Messages::english(),
                ))
            }
        }
    )*};
}
pub(crate) use english_display;

#[cfg(test)]
mod samples;

#[cfg(test)]
mod tests {
    use super::*;

    /// The `{names}` a catalogue text uses, sorted, each once.
    fn placeholders(s: &str) -> Vec<String> {
        let mut v: Vec<String> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn both_catalogues_have_the_same_keys_and_placeholders() {
        let en = catalogue(Lang::En);
        let ja = catalogue(Lang::Ja);
        assert_eq!(en.keys().collect::<Vec<_>>(), ja.keys().collect::<Vec<_>>());
        for (key, text) in en {
            assert_eq!(placeholders(text), placeholders(&ja[key]), "{key}");
        }
    }

    /// English messages read exactly as they did before they moved into the
    /// catalogue: `samples-en.txt` holds the text of every sample, one a line.
    #[test]
    fn english_messages_are_unchanged() {
        let (dir, errors) = samples::errors();
        let dir = dir.path().display().to_string();
        let mut actual: Vec<String> = errors
            .into_iter()
            .map(|(label, e)| format!("{label}: {e}").replace(&dir, "DIR"))
            .collect();
        for (label, text) in samples::import_warnings() {
            actual.push(format!("{label}: {text}"));
        }
        // RECOVERY_SHEET_BLESS=1 writes the texts as they are now, for review with `git diff`.
        if std::env::var_os("RECOVERY_SHEET_BLESS").is_some() {
            let mut text = actual.join("\n");
            text.push('\n');
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/src/messages/samples-en.txt"),
                text,
            )
            .unwrap();
        }
        let expected: Vec<&str> = include_str!("messages/samples-en.txt").lines().collect();
        for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
            assert_eq!(a, e, "line {}", i + 1);
        }
        assert_eq!(actual.len(), expected.len());
    }

    /// Every sample renders in both languages from keys both catalogues have
    /// (the strict catalogues panic on a missing key), each with exactly the
    /// placeholders its values fill; and the Japanese is not the English.
    #[test]
    fn every_error_and_warning_is_in_both_languages_with_its_placeholders_filled() {
        let en = Messages::strict(Lang::En);
        let ja = Messages::strict(Lang::Ja);
        let samples = samples::localized();
        assert!(!samples.is_empty());
        for (label, sample) in samples {
            let msg = sample.msg();
            msg.visit(&mut |key, mut names| {
                names.sort_unstable();
                names.dedup();
                for m in [&en, &ja] {
                    let mut used = placeholders(m.text(key));
                    used.dedup();
                    assert_eq!(used, names, "{label}: the placeholders of {key}");
                }
            });
            let english = sample.message(&en);
            let japanese = sample.message(&ja);
            assert_ne!(english, msg.key(), "{label}");
            assert_ne!(japanese, english, "{label} is not translated");
            // Values that are placeholders themselves (a template's) aside,
            // no `{name}` is left in the text.
            if !label.starts_with("template_placeholder") {
                for text in [&english, &japanese] {
                    assert!(placeholders(text).is_empty(), "{label}: {text}");
                }
            }
            assert!(
                !japanese.contains('\n') && !english.contains('\n'),
                "{label}"
            );
        }
    }

    /// Every key in the errors-and-warnings part of the catalogue is rendered
    /// by some sample, so the test above checks all of them.
    #[test]
    fn every_error_and_warning_key_has_a_sample() {
        let mut seen = std::collections::BTreeSet::new();
        for (_, sample) in samples::localized() {
            sample.msg().visit(&mut |key, _| {
                seen.insert(key);
            });
        }
        let (_, errors) = EN
            .split_once("\n# Errors and warnings.")
            .expect("the catalogue has an errors-and-warnings part");
        let keys: Vec<&str> = errors
            .lines()
            .filter_map(|line| line.split_once(" = ").map(|(key, _)| key))
            .filter(|key| !key.starts_with('#'))
            .collect();
        assert!(keys.len() > 100, "{}", keys.len());
        for key in keys {
            assert!(seen.contains(key), "no sample renders `{key}`");
        }
    }

    /// The Rust sources of the crate, but for the message samples.
    fn sources() -> String {
        fn read(dir: &std::path::Path, out: &mut String) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    read(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("messages/samples.rs")
                {
                    out.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut out = String::new();
        read(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut out,
        );
        out
    }

    /// A key the code names as a literal in `Msg::new` (or as the field of a
    /// label) is in the catalogue, and every key of the catalogue is named
    /// somewhere in the code: no typo prints a bare key, no text is left over.
    #[test]
    fn the_code_and_the_catalogues_name_the_same_keys() {
        let en = catalogue(Lang::En);
        let code = sources();
        for call in ["Msg::new(\"", "optional_label(\""] {
            for rest in code.split(call).skip(1) {
                let key = rest.split('"').next().unwrap();
                assert!(en.contains_key(key), "{call}{key}\" names no message");
            }
        }
        for key in en.keys() {
            assert!(code.contains(&format!("\"{key}\"")), "no code uses `{key}`");
        }
    }

    /// For proofreading: `cargo test --lib print_every_message -- --ignored --nocapture`.
    #[test]
    #[ignore = "prints every sample message in both languages for proofreading"]
    fn print_every_message() {
        for (label, sample) in samples::localized() {
            println!("{label}");
            println!("  {}", sample.message(&Messages::new(Lang::En)));
            println!("  {}", sample.message(&Messages::new(Lang::Ja)));
        }
    }

    #[test]
    fn a_message_inside_a_message_is_in_the_same_language() {
        let inner = Msg::new("warning");
        let outer = Msg::new("batch_row").with("row", 3).with_msg("text", inner);
        assert_eq!(outer.to_string(), "row 3: warning");
        assert_eq!(outer.message(&Messages::new(Lang::Ja)), "3 行目：警告");
    }

    #[test]
    fn japanese_falls_back_to_the_key_only_when_unknown() {
        let m = Messages::new(Lang::Ja);
        assert_ne!(m.text("warning"), "warning");
        assert_eq!(m.text("no-such-key"), "no-such-key");
    }
}
