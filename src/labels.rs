//! The free texts a person gives (account, location, custodian, names): trimmed, printable and not too long.

use crate::limits::MAX_LABEL_CHARS;
use crate::messages::{Localized, Msg, english_display};

/// Why a label was refused: a message naming the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError(pub Msg);

impl Localized for LabelError {
    fn msg(&self) -> Msg {
        self.0.clone()
    }
}

english_display!(LabelError);

impl std::error::Error for LabelError {}

/// Trims a label and checks it is printable: no control characters, not too long.
/// `None` when blank. `what` is the `field_*` message naming it ("storage location").
pub fn optional_label(what: &'static str, raw: Option<&str>) -> Result<Option<String>, LabelError> {
    let Some(raw) = raw else { return Ok(None) };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    check_label(what, trimmed)?;
    Ok(Some(trimmed.to_owned()))
}

/// The account label: required, trimmed, printable, at most [`MAX_LABEL_CHARS`].
pub fn account_label(raw: &str) -> Result<String, LabelError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(LabelError(Msg::new("account_empty")));
    }
    check_label("field_account", trimmed)?;
    Ok(trimmed.to_owned())
}

/// What tells accounts apart: the label trimmed and in Unicode NFKC (so
/// full-width and half-width letters, or a composed and a decomposed kana,
/// are the same account), and for an e-mail-like label (an `@`, no spaces)
/// case folded too, as mail systems treat addresses. `Sato.Shop@Gmail.com`
/// and `sato.shop@gmail.com` are one account; `Shop` and `shop` are two.
pub fn account_key(label: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let nfkc: String = label.trim().nfkc().collect();
    let nfkc = nfkc.trim();
    if nfkc.contains('@') && !nfkc.contains(char::is_whitespace) {
        nfkc.to_lowercase()
    } else {
        nfkc.to_owned()
    }
}

fn check_label(what: &'static str, text: &str) -> Result<(), LabelError> {
    if let Some((i, c)) = text.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(LabelError(
            Msg::new("value_control_character")
                .with_msg("what", Msg::new(what))
                .with("code", format!("U+{:04X}", c as u32))
                .with("position", i + 1),
        ));
    }
    let n = text.chars().count();
    if n > MAX_LABEL_CHARS {
        return Err(LabelError(
            Msg::new("value_too_long")
                .with_msg("what", Msg::new(what))
                .with("length", n)
                .with("max", MAX_LABEL_CHARS),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_trimmed_and_checked() {
        assert_eq!(account_label("  a@b.c ").unwrap(), "a@b.c");
        assert!(account_label("   ").is_err());
        assert!(account_label("a\u{7}b").is_err());
        assert!(account_label(&"x".repeat(201)).is_err());
        assert!(account_label(&"株".repeat(200)).is_ok());
    }

    #[test]
    fn account_keys_fold_what_people_do_not_tell_apart() {
        assert_eq!(
            account_key("Sato.Shop@Gmail.com"),
            account_key(" sato.shop@gmail.com ")
        );
        // Full-width letters and digits, as a Japanese input method types them.
        assert_eq!(account_key("ｓｈｏｐ１"), account_key("shop1"));
        // A decomposed voiced kana (カ + ゙) is the composed one (ガ).
        assert_eq!(account_key("カ\u{3099}イシャ"), account_key("ガイシャ"));
        // Names that are not addresses keep their case.
        assert_ne!(account_key("Shop"), account_key("shop"));
        assert_ne!(
            account_key("A B@example.com"),
            account_key("a b@example.com")
        );
    }

    #[test]
    fn blank_optional_labels_are_absent() {
        assert_eq!(optional_label("field_location", Some("  ")).unwrap(), None);
        assert!(optional_label("field_location", Some("a\nb")).is_err());
    }
}
