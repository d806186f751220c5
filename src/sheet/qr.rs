//! The sheet's QR mark: payload format (identifies the sheet, never holds a code) and module matrix.

use chrono::{DateTime, FixedOffset};
use qrcode::{EcLevel, QrCode};

use crate::codes::SetId;
use crate::messages::{Localized, Msg, english_display};

/// First line of every payload: names the tool and the payload version.
pub const MAGIC: &str = "recovery-sheet/1";

/// What a sheet's QR says about the sheet. No field can hold a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetMark {
    pub set_id: SetId,
    pub generation: u32,
    pub issued_at: DateTime<FixedOffset>,
    pub account: String,
}

/// Why a decoded QR text is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkError {
    NotOurs,
    UnsupportedVersion(String),
    Malformed(&'static str),
}

impl Localized for MarkError {
    fn msg(&self) -> Msg {
        match self {
            MarkError::NotOurs => Msg::new("mark_not_ours"),
            MarkError::UnsupportedVersion(v) => Msg::new("mark_newer").with("version", v),
            MarkError::Malformed(field) => Msg::new("mark_bad_field").with("field", field),
        }
    }
}

english_display!(MarkError);

impl std::error::Error for MarkError {}

impl SheetMark {
    /// The text encoded in the QR: one `key=value` per line, account last
    /// (it is the only free text, and control characters are refused upstream).
    pub fn payload(&self) -> String {
        format!(
            "{MAGIC}\nset={}\ngen={}\nissued={}\naccount={}",
            self.set_id.as_str(),
            self.generation,
            self.issued_at.to_rfc3339(),
            self.account
        )
    }

    pub fn parse(text: &str) -> Result<SheetMark, MarkError> {
        let mut lines = text.split('\n');
        let first = lines.next().unwrap_or_default();
        if first != MAGIC {
            return Err(match first.strip_prefix("recovery-sheet/") {
                Some(v) => MarkError::UnsupportedVersion(v.to_owned()),
                None => MarkError::NotOurs,
            });
        }
        let (mut set, mut generation, mut issued, mut account) = (None, None, None, None);
        for line in lines {
            match line.split_once('=') {
                Some(("set", v)) => {
                    set = Some(SetId::parse(v).map_err(|_| MarkError::Malformed("set"))?)
                }
                Some(("gen", v)) => {
                    generation = Some(v.parse().map_err(|_| MarkError::Malformed("gen"))?)
                }
                Some(("issued", v)) => {
                    issued = Some(
                        DateTime::parse_from_rfc3339(v)
                            .map_err(|_| MarkError::Malformed("issued"))?,
                    )
                }
                Some(("account", v)) => account = Some(v.to_owned()),
                // Later payload versions may add fields; version 1 readers skip them.
                _ => {}
            }
        }
        Ok(SheetMark {
            set_id: set.ok_or(MarkError::Malformed("set"))?,
            generation: generation.ok_or(MarkError::Malformed("gen"))?,
            issued_at: issued.ok_or(MarkError::Malformed("issued"))?,
            account: account.ok_or(MarkError::Malformed("account"))?,
        })
    }
}

/// A QR symbol as a square of modules, dark = true, without quiet zone.
#[derive(Debug, Clone)]
pub struct QrMatrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` at error-correction level M (survives a smudge or a fold).
    pub fn encode(text: &str) -> Result<QrMatrix, qrcode::types::QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Ok(QrMatrix {
            width: code.width(),
            dark,
        })
    }

    /// Horizontal runs of dark modules as `(row, first column, length)`, so a
    /// row is drawn with a few rectangles rather than one per module.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if self.dark[row * self.width + col] {
                    let start = col;
                    while col < self.width && self.dark[row * self.width + col] {
                        col += 1;
                    }
                    runs.push((row, start, col - start));
                } else {
                    col += 1;
                }
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark() -> SheetMark {
        SheetMark {
            set_id: SetId::parse("7K2Q-M9XA").unwrap(),
            generation: 3,
            issued_at: DateTime::parse_from_rfc3339("2026-11-22T14:31:05+09:00").unwrap(),
            account: "shop@example.com".into(),
        }
    }

    #[test]
    fn payload_round_trips() {
        let m = mark();
        assert_eq!(SheetMark::parse(&m.payload()).unwrap(), m);
    }

    #[test]
    fn foreign_payloads_are_refused() {
        assert_eq!(
            SheetMark::parse("https://example.com"),
            Err(MarkError::NotOurs)
        );
        assert!(matches!(
            SheetMark::parse("recovery-sheet/9\nset=x"),
            Err(MarkError::UnsupportedVersion(_))
        ));
        assert_eq!(
            SheetMark::parse("recovery-sheet/1\nset=7K2QM9XA\ngen=x"),
            Err(MarkError::Malformed("gen"))
        );
    }

    #[test]
    fn runs_cover_every_dark_module() {
        let q = QrMatrix::encode(&mark().payload()).unwrap();
        let dark: usize = q.dark.iter().filter(|d| **d).count();
        let in_runs: usize = q.dark_runs().iter().map(|r| r.2).sum();
        assert_eq!(dark, in_runs);
    }
}
