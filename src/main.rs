//! The `weekly-postmortem` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    weekly_postmortem::cli::main()
}
