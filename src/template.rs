//! Sheet wording: one TOML file per language under `templates/`, checked key by key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::lang::Lang;
use crate::limits::{
    MAX_TEMPLATE_BYTES, MAX_TEMPLATE_TEXT_CHARS, TooLarge, bytes_for_people, read_at_most,
};
use crate::messages::{Localized, Msg, english_display};
use crate::text;

/// The wording shipped for `lang`, as built into the binary.
fn shipped(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("../templates/en.toml"),
        Lang::Ja => include_str!("../templates/ja.toml"),
    }
}

macro_rules! keys {
    ($($variant:ident => $name:literal [$($ph:literal),*]),* $(,)?) => {
        /// Every piece of wording a sheet uses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Key { $($variant),* }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$variant),*];

            /// The key's name in a template file.
            pub fn name(self) -> &'static str {
                match self { $(Key::$variant => $name),* }
            }

            /// The `{placeholders}` the key may use.
            pub fn placeholders(self) -> &'static [&'static str] {
                match self { $(Key::$variant => &[$($ph),*]),* }
            }
        }
    };
}

keys! {
    Title => "title" [],
    LabelAccount => "label_account" [],
    LabelService => "label_service" [],
    LabelOrganisation => "label_organisation" [],
    LabelIssued => "label_issued" [],
    LabelGeneration => "label_generation" [],
    LabelSetId => "label_set_id" [],
    DestroyHeading => "destroy_heading" [],
    DestroyBody => "destroy_body" [],
    DestroyReplaces => "destroy_replaces" ["set_id", "generation", "issued"],
    DestroyOlder => "destroy_older" ["n"],
    DestroyFirst => "destroy_first" [],
    DestroyHeadingFirst => "destroy_heading_first" [],
    ShreddedOn => "shredded_on" [],
    ShreddedBy => "shredded_by" [],
    LabelLocation => "label_location" [],
    LabelCustodian => "label_custodian" [],
    LabelNextInventory => "label_next_inventory" [],
    Howto => "howto" [],
    OrderAny => "order_any" [],
    OrderInOrder => "order_in_order" [],
    LowCodes => "low_codes" [],
    CodesHeading => "codes_heading" ["count"],
    CodesContinued => "codes_continued" [],
    UsedOn => "used_on" [],
    UsedBy => "used_by" [],
    CopyOf => "copy_of" ["k", "n"],
    PageOf => "page_of" ["page", "pages"],
    Footer => "footer" ["set_id", "generation"],
    QrCaption => "qr_caption" [],
    AdviceGenerated => "advice_generated" [],
    AdviceGeneric => "advice_generic" [],
    AdviceGoogle => "advice_google" [],
    AdviceInstagram => "advice_instagram" [],
    AdviceFreee => "advice_freee" [],
    AdviceX => "advice_x" [],
    AdviceGithub => "advice_github" [],
    AdviceGitlab => "advice_gitlab" [],
    AdviceKeycloak => "advice_keycloak" [],
    AdviceNextcloud => "advice_nextcloud" [],
    AdvicePlaystation => "advice_playstation" [],
}

impl Key {
    pub fn from_name(name: &str) -> Option<Key> {
        Key::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// Why a template was refused.
#[derive(Debug)]
pub enum TemplateError {
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Larger than [`MAX_TEMPLATE_BYTES`].
    TooLarge {
        path: PathBuf,
        limit: u64,
    },
    /// Read, but not UTF-8 text: an invalid template, not an unreadable one.
    NotUtf8 {
        path: PathBuf,
        line: usize,
    },
    Syntax {
        origin: String,
        message: String,
    },
    MissingKey {
        origin: String,
        key: &'static str,
    },
    UnknownKey {
        origin: String,
        key: String,
    },
    NotText {
        origin: String,
        key: String,
    },
    BadPlaceholder {
        origin: String,
        key: &'static str,
        placeholder: String,
    },
    /// A text longer than [`MAX_TEMPLATE_TEXT_CHARS`].
    TextTooLong {
        origin: String,
        key: &'static str,
        chars: usize,
    },
}

impl Localized for TemplateError {
    fn msg(&self) -> Msg {
        match self {
            TemplateError::Unreadable { path, source } => Msg::new("template_unreadable")
                .with("path", path.display())
                .with("source", source),
            TemplateError::TooLarge { path, limit } => Msg::new("template_too_large")
                .with("path", path.display())
                .with("limit", bytes_for_people(*limit)),
            TemplateError::TextTooLong { origin, key, chars } => Msg::new("template_text_too_long")
                .with("origin", origin)
                .with("key", key)
                .with("chars", chars)
                .with("max", MAX_TEMPLATE_TEXT_CHARS),
            TemplateError::NotUtf8 { path, line } => Msg::new("template_not_utf8")
                .with("path", path.display())
                .with("line", line),
            TemplateError::Syntax { origin, message } => Msg::new("template_syntax")
                .with("origin", origin)
                .with("detail", message.trim().replace('\n', " ")),
            TemplateError::MissingKey { origin, key } => Msg::new("template_missing_key")
                .with("origin", origin)
                .with("key", key),
            TemplateError::UnknownKey { origin, key } => Msg::new("template_unknown_key")
                .with("origin", origin)
                .with("key", key),
            TemplateError::NotText { origin, key } => Msg::new("template_not_text")
                .with("origin", origin)
                .with("key", key),
            TemplateError::BadPlaceholder {
                origin,
                key,
                placeholder,
            } => {
                let allowed = Key::from_name(key).map(Key::placeholders).unwrap_or(&[]);
                let msg = Msg::new("template_bad_placeholder")
                    .with("origin", origin)
                    .with("key", key)
                    .with("placeholder", format!("{{{placeholder}}}"));
                if allowed.is_empty() {
                    msg.with_msg("allowed", Msg::new("template_no_placeholders"))
                } else {
                    let allowed: Vec<String> = allowed.iter().map(|p| format!("{{{p}}}")).collect();
                    msg.with("allowed", allowed.join(", "))
                }
            }
        }
    }
}

english_display!(TemplateError);

impl std::error::Error for TemplateError {}

/// A complete, checked set of sheet wording.
#[derive(Debug, Clone)]
pub struct Template {
    texts: BTreeMap<Key, String>,
}

impl Template {
    /// The wording shipped for `lang`.
    pub fn embedded(lang: Lang) -> Template {
        // The shipped files are checked by a unit test, so this cannot fail at run time.
        Template::parse(shipped(lang), &format!("templates/{}.toml", lang.name()))
            .unwrap_or_else(|e| panic!("shipped template is broken: {e}"))
    }

    /// Reads an office's own wording from `path`.
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        let unreadable = |source| TemplateError::Unreadable {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let bytes = read_at_most(file, MAX_TEMPLATE_BYTES)
            .map_err(unreadable)?
            .map_err(|TooLarge { limit }| TemplateError::TooLarge {
                path: path.to_owned(),
                limit,
            })?;
        let text = String::from_utf8(bytes).map_err(|e| TemplateError::NotUtf8 {
            path: path.to_owned(),
            line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count(),
        })?;
        Template::parse(&text, &path.display().to_string())
    }

    /// Parses and checks template text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Template, TemplateError> {
        let origin = origin.to_owned();
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| TemplateError::Syntax {
                    origin: origin.clone(),
                    message: e.to_string(),
                })?;
        let mut texts = BTreeMap::new();
        for (name, value) in &table {
            let key = Key::from_name(name).ok_or_else(|| TemplateError::UnknownKey {
                origin: origin.clone(),
                key: name.clone(),
            })?;
            let value = value.as_str().ok_or_else(|| TemplateError::NotText {
                origin: origin.clone(),
                key: name.clone(),
            })?;
            if let Some(placeholder) =
                placeholders_in(value).find(|p| !key.placeholders().contains(p))
            {
                return Err(TemplateError::BadPlaceholder {
                    origin,
                    key: key.name(),
                    placeholder: placeholder.to_owned(),
                });
            }
            let chars = value.chars().count();
            if chars > MAX_TEMPLATE_TEXT_CHARS {
                return Err(TemplateError::TextTooLong {
                    origin,
                    key: key.name(),
                    chars,
                });
            }
            texts.insert(key, value.to_owned());
        }
        if let Some(missing) = Key::ALL.iter().find(|k| !texts.contains_key(k)) {
            return Err(TemplateError::MissingKey {
                origin,
                key: missing.name(),
            });
        }
        Ok(Template { texts })
    }

    /// The wording for `key`, placeholders left as they are.
    pub fn text(&self, key: Key) -> &str {
        self.texts.get(&key).map(String::as_str).unwrap_or_default()
    }

    /// The wording for `key` with `{name}` placeholders filled in.
    pub fn fill(&self, key: Key, values: &[(&str, &str)]) -> String {
        text::fill(self.text(key), values)
    }

    /// The same wording with `key` replaced, unchecked: for tests that push
    /// a text to its limits.
    #[cfg(test)]
    pub fn with_text(mut self, key: Key, text: String) -> Template {
        self.texts.insert(key, text);
        self
    }

    /// Every piece of wording, for checking that the fonts cover it.
    pub fn all_texts(&self) -> impl Iterator<Item = (Key, &str)> {
        self.texts.iter().map(|(k, v)| (*k, v.as_str()))
    }
}

fn placeholders_in(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_templates_are_complete() {
        for lang in [Lang::En, Lang::Ja] {
            let t = Template::parse(shipped(lang), lang.name()).unwrap();
            for key in Key::ALL {
                assert!(!t.text(*key).trim().is_empty(), "{lang:?} {}", key.name());
            }
        }
    }

    #[test]
    fn missing_key_is_named() {
        let text = shipped(Lang::En).replace("title = ", "# title = ");
        let err = Template::parse(&text, "mine.toml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "template mine.toml has no `title`: copy it from templates/en.toml or templates/ja.toml"
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let text = format!("{}\ntitel = \"x\"\n", shipped(Lang::En));
        let err = Template::parse(&text, "mine.toml").unwrap_err();
        assert!(err.to_string().contains("unknown key `titel`"), "{err}");
    }

    #[test]
    fn unknown_placeholder_is_named() {
        let text = shipped(Lang::En).replace("Copy {k} of {n}", "Copy {k} of {total}");
        let err = Template::parse(&text, "mine.toml").unwrap_err();
        assert!(err.to_string().contains("`copy_of` uses {total}"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_invalid_not_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.toml");
        std::fs::write(&path, b"# ok\ntitle = \"R\xe9sum\xe9\"\n").unwrap();
        let err = Template::load(&path).unwrap_err();
        assert!(
            matches!(err, TemplateError::NotUtf8 { line: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("not UTF-8 text (line 2)"), "{err}");
    }

    #[test]
    fn fill_replaces_placeholders() {
        let t = Template::embedded(Lang::En);
        assert_eq!(
            t.fill(Key::CopyOf, &[("k", "1"), ("n", "2")]),
            "Copy 1 of 2"
        );
    }
}
