//! `scimdesk`: the headless ScimDesk. Serves SCIM and manages sources from the command line.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// Many small allocations from many threads (JSON documents, per request): mimalloc's
/// thread-local heaps serve them without the lock contention perf showed in glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(&args);
    match cli::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message());
            e.exit_code()
        }
    }
}
