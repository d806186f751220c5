//! The end-to-end tests, one crate (compiled and linked once): each module runs the real binary and reads back what a user would see.

mod common;
// The typing table and leak check the unit tests use too.
#[path = "../../src/typed/cases.rs"]
mod cases;

mod batch;
mod crash;
mod daily;
mod hardening;
mod harness;
mod import;
mod ledger;
mod life;
mod messages;
mod pg;
mod postgres;
mod scan;
mod sheet;
mod typed;
mod verifier;
mod web;
