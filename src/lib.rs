//! recovery-sheet: printable recovery sheets for two-factor backup codes.

pub mod codes;
pub mod import;
