//! recovery-sheet: printable recovery sheets for two-factor backup codes.

pub mod app;
pub mod cli;
pub mod codes;
pub mod config;
pub mod error;
pub mod help;
pub mod import;
pub mod interrupt;
pub mod labels;
pub mod lang;
pub mod ledger;
pub mod limits;
pub mod messages;
pub mod output;
pub mod paths;
pub mod scan;
pub mod sheet;
pub mod template;
pub mod text;
pub mod verifier;
