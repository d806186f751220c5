//! Text helpers every layer shares: one-pass placeholder filling, terminal-safe escaping, display width.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Fills the `{name}` placeholders of `template` in one pass, so a value that
/// holds braces itself (an account typed as `{error}`) is printed as it is
/// rather than filled in turn. Unknown placeholders are left as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let filled = after.split_once('}').and_then(|(name, tail)| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| (*value, tail))
        });
        match filled {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `c` would act on a terminal or reorder the text around it rather
/// than show as itself: control characters (C0, DEL, C1: escape sequences,
/// carriage returns, line feeds) and the bidirectional marks, embeddings,
/// overrides and isolates.
pub fn is_unsafe_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every character that would act on a terminal written as
/// `<U+XXXX>`, so text from a file, a CSV cell or a scanned QR can be echoed
/// without retitling, clearing or reordering the user's terminal.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_on_terminal) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_on_terminal(c) {
            let _ = write!(out, "<U+{:04X}>", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Columns `s` takes on a terminal (a Japanese letter takes two).
pub fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_unknown_ones_kept() {
        assert_eq!(
            fill(
                "row {row} ({account}): {error}",
                &[("account", "{error}"), ("error", "bad"), ("row", "2")]
            ),
            "row 2 ({error}): bad"
        );
        assert_eq!(fill("{a} {b} {", &[("a", "1")]), "1 {b} {");
    }

    #[test]
    fn escape_sequences_and_bidi_overrides_are_shown_not_obeyed() {
        assert_eq!(
            terminal_safe("a\u{1b}]0;owned\u{7}b"),
            "a<U+001B>]0;owned<U+0007>b"
        );
        assert_eq!(terminal_safe("\u{1b}[2J"), "<U+001B>[2J");
        assert_eq!(terminal_safe("x\u{202E}yz"), "x<U+202E>yz");
        assert_eq!(terminal_safe("line\nbreak\r"), "line<U+000A>break<U+000D>");
        assert_eq!(terminal_safe("\u{9b}31m"), "<U+009B>31m");
        assert!(matches!(
            terminal_safe("経理部 shop@example.com"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn japanese_letters_take_two_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("経理部"), 6);
    }
}
