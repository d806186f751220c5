//! Messages for people running the tool, kept with the sheet wording in `templates/messages-*.toml`.

use std::collections::BTreeMap;

use crate::template::Lang;

const EN: &str = include_str!("../templates/messages-en.toml");
const JA: &str = include_str!("../templates/messages-ja.toml");

/// A message catalogue: the user's language, falling back to English per key.
#[derive(Debug, Clone)]
pub struct Messages {
    texts: BTreeMap<String, String>,
    fallback: BTreeMap<String, String>,
}

fn parse(text: &str) -> BTreeMap<String, String> {
    // The shipped files are checked by a unit test; a broken one is a build bug.
    toml::from_str(text).unwrap_or_else(|e| panic!("shipped message catalogue is broken: {e}"))
}

impl Messages {
    pub fn new(lang: Lang) -> Messages {
        let fallback = parse(EN);
        let texts = match lang {
            Lang::En => fallback.clone(),
            Lang::Ja => parse(JA),
        };
        Messages { texts, fallback }
    }

    /// The message for `key`; the key itself if no catalogue has it.
    pub fn text<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts
            .get(key)
            .or_else(|| self.fallback.get(key))
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// The message with `{name}` placeholders filled in.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut out = self.text(key).to_owned();
        for (name, value) in values {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

#[cfg(test)]
mod samples;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys_and_placeholders() {
        let en = parse(EN);
        let ja = parse(JA);
        assert_eq!(en.keys().collect::<Vec<_>>(), ja.keys().collect::<Vec<_>>());
        let placeholders = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_owned()))
                .collect();
            v.sort();
            v
        };
        for (key, text) in &en {
            assert_eq!(placeholders(text), placeholders(&ja[key]), "{key}");
        }
    }

    /// English messages read exactly as they did before they moved into the
    /// catalogue: `samples-en.txt` holds the text of every sample, one a line.
    #[test]
    fn english_messages_are_unchanged() {
        let (dir, loaded) = samples::verifier_load_errors();
        let dir = dir.path().display().to_string();
        let mut actual: Vec<String> = samples::errors()
            .into_iter()
            .chain(loaded)
            .map(|(label, e)| format!("{label}: {e}").replace(&dir, "DIR"))
            .collect();
        for (label, text) in samples::other_errors()
            .into_iter()
            .chain(samples::import_warnings())
        {
            actual.push(format!("{label}: {text}"));
        }
        let expected: Vec<&str> = include_str!("messages/samples-en.txt").lines().collect();
        for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
            assert_eq!(a, e, "line {}", i + 1);
        }
        assert_eq!(actual.len(), expected.len());
    }

    #[test]
    fn japanese_falls_back_to_the_key_only_when_unknown() {
        let m = Messages::new(Lang::Ja);
        assert_ne!(m.text("warning"), "warning");
        assert_eq!(m.text("no-such-key"), "no-such-key");
    }
}
