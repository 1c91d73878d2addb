//! The `streetwise` binary: reads settings, starts telemetry, runs the chosen command.

#[global_allocator]
static ALLOCATOR: streetwise::Allocator = streetwise::Allocator;

fn main() -> std::process::ExitCode {
    let invocation = streetwise::cli::parse();
    streetwise::telemetry::init(invocation.log_format);
    streetwise::cli::run(invocation)
}
