//! How ledger records are shown to people: status names, dates, aligned tables.

use crate::ledger::Status;
use crate::text;

/// When this many codes or fewer remain, a new set should be printed.
pub const LOW_CODES: u32 = 3;

pub fn status_key(status: Status) -> &'static str {
    match status {
        Status::Current => "status_current",
        Status::Superseded => "status_superseded",
        Status::Revoked => "status_revoked",
        Status::Pending => "status_pending",
        Status::Unprinted => "status_unprinted",
    }
}

/// A recorded time as people read it: in the viewer's time zone, with its
/// offset, so times recorded in different zones line up.
pub fn date(at: &chrono::DateTime<chrono::FixedOffset>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

/// Prints aligned columns (see [`table_lines`]).
pub fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    for line in table_lines(header, rows) {
        println!("{line}");
    }
}

/// Aligned columns, two spaces apart, measured in terminal columns (a
/// Japanese letter takes two), with every cell made safe for a terminal.
pub fn table_lines<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> Vec<String> {
    let safe = |cells: &[&str]| -> Vec<String> {
        cells
            .iter()
            .map(|c| text::terminal_safe(c).into_owned())
            .collect()
    };
    let mut lines: Vec<Vec<String>> = vec![safe(header)];
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        lines.push(safe(&cells));
    }
    let mut widths = [0usize; N];
    for cells in &lines {
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = (*w).max(text::display_width(cell));
        }
    }
    lines
        .iter()
        .map(|cells| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                out.push_str(cell);
                if i + 1 < N {
                    out.push_str(&" ".repeat(w - text::display_width(cell) + 2));
                }
            }
            out.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_by_terminal_width_with_japanese() {
        let lines = table_lines(
            &["ACCOUNT", "GEN"],
            &[
                ["経理部共有アカウント".to_owned(), "1".to_owned()],
                ["shop@example.com".to_owned(), "12".to_owned()],
            ],
        );
        let gen_column: Vec<usize> = lines
            .iter()
            .map(|l| {
                let start = l.rfind("  ").unwrap() + 2;
                text::display_width(&l[..start])
            })
            .collect();
        assert!(gen_column.iter().all(|c| *c == gen_column[0]), "{lines:?}");
    }

    #[test]
    fn cells_cannot_drive_the_terminal() {
        let lines = table_lines(&["A"], &[["x\u{1b}[2Jy".to_owned()]]);
        assert_eq!(lines[1], "x<U+001B>[2Jy");
    }
}
