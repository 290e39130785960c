//! The `dpk-tui` command: see `dpk-tui --help`.

fn main() -> std::process::ExitCode {
    dpk::tui::main()
}
