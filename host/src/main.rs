//! The `streetwise` binary: reads settings, starts telemetry, runs the chosen command.

fn main() -> std::process::ExitCode {
    streetwise::telemetry::init();
    streetwise::cli::main()
}
