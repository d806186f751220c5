//! Command-line entry point: parse, run, map errors to exit codes.

fn main() {}
