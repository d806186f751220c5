//! How ledger records are shown to people: status names, dates, aligned tables.

use crate::ledger::Status;

/// When this many codes or fewer remain, a new set should be printed.
pub const LOW_CODES: u32 = 3;

pub fn status_key(status: Status) -> &'static str {
    match status {
        Status::Current => "status_current",
        Status::Superseded => "status_superseded",
        Status::Revoked => "status_revoked",
    }
}

pub fn date(at: &chrono::DateTime<chrono::FixedOffset>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// Prints aligned columns; widths count characters (good enough for ASCII and
/// readable for Japanese, whose double-width letters only push the rest right).
pub fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
