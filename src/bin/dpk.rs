//! The `dpk` command: see `dpk --help`.

fn main() -> std::process::ExitCode {
    dpk::cli::main()
}
