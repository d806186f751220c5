//! recovery-sheet: printable recovery sheets for two-factor backup codes.

pub mod codes;
pub mod import;
pub mod ledger;
pub mod sheet;
pub mod template;
pub mod verifier;
