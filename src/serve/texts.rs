//! The pages' own wording (`templates/web/pages-*.toml`), beside the message catalogue that the application's results and errors come from.

use crate::lang::Lang;
use crate::messages::{Catalogue, Messages, Shipped};
use crate::text;

const EN: &str = include_str!("../../templates/web/pages-en.toml");
const JA: &str = include_str!("../../templates/web/pages-ja.toml");

static PAGES: Shipped = Shipped::new("page", EN, JA);

fn catalogue(lang: Lang) -> &'static Catalogue {
    PAGES.get(lang)
}

/// Names a page text that is looked up later (a key chosen by a `match`, a
/// heading handed to a helper), so the catalogue test finds it.
pub(crate) const fn key(name: &'static str) -> &'static str {
    name
}

/// Everything a page says, in one language: its own wording and the
/// application's messages.
#[derive(Clone, Copy)]
pub(crate) struct Texts {
    pub lang: Lang,
    pages: &'static Catalogue,
    pub messages: Messages,
}

impl Texts {
    pub fn new(lang: Lang) -> Texts {
        Texts {
            lang,
            pages: catalogue(lang),
            messages: Messages::new(lang),
        }
    }

    /// The page text for `key`, in English when this language lacks it, else the key.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.pages
            .get(key)
            .or_else(|| catalogue(Lang::En).get(key))
            .map_or(key, String::as_str)
    }

    /// The page text with its `{name}` placeholders filled in (the page
    /// escapes the result as HTML).
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        text::fill(self.t(key), values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `{names}` a text uses, sorted.
    fn placeholders(s: &str) -> Vec<String> {
        let mut v: Vec<String> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        v.sort();
        v
    }

    /// The pages' templates and the serve module's Rust sources.
    fn users() -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = String::new();
        for dir in [root.join("templates/web"), root.join("src/serve")] {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                if path
                    .extension()
                    .is_some_and(|e| e == "html" || e == "rs" || e == "js")
                {
                    out.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        out
    }

    /// Texts that are names, the same in every language.
    const SAME_IN_BOTH: &[&str] = &["paper_a4"];

    #[test]
    fn both_page_catalogues_have_the_same_keys_and_placeholders_and_japanese() {
        let en = catalogue(Lang::En);
        let ja = catalogue(Lang::Ja);
        assert_eq!(en.keys().collect::<Vec<_>>(), ja.keys().collect::<Vec<_>>());
        for (key, text) in en {
            assert_eq!(placeholders(text), placeholders(&ja[key]), "{key}");
            // Only the names of things may read the same in both.
            if !SAME_IN_BOTH.contains(&key.as_str()) {
                assert_ne!(text, &ja[key], "{key} is not translated");
            }
        }
    }

    /// Every key a template or the code names is in the catalogue, and every
    /// key of the catalogue is named somewhere: no page shows a bare key.
    #[test]
    fn the_pages_and_the_catalogue_name_the_same_keys() {
        let en = catalogue(Lang::En);
        let code = users();
        for call in ["t.t(\"", "t.fill(\"", "key(\""] {
            for rest in code.split(call).skip(1) {
                let key = rest.split('"').next().unwrap();
                assert!(en.contains_key(key), "{call}{key}\" names no page text");
            }
        }
        for key in en.keys() {
            assert!(code.contains(&format!("\"{key}\"")), "nothing uses `{key}`");
        }
    }
}
