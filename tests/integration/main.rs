//! The end-to-end tests, one crate (compiled and linked once): each module runs the real binary and reads back what a user would see.

mod common;

mod batch;
mod crash;
mod daily;
mod hardening;
mod harness;
mod import;
mod ledger;
mod messages;
mod pg;
mod postgres;
mod sheet;
mod verifier;
