//! The `cloudhsm-shell` binary: everything lives in the library, starting at `app::main`.

fn main() -> std::process::ExitCode {
    cloudhsm_shell::app::main()
}
