//! Command-line entry point; the program is the library's `main`.

fn main() -> std::process::ExitCode {
    recovery_sheet::main()
}
