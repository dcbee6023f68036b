use clap::Parser;
use tracing_subscriber::EnvFilter;

// mimalloc: see `tracker::alloc` and the README's Performance section.
#[global_allocator]
static ALLOCATOR: tracker::alloc::Mimalloc = tracker::alloc::Mimalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = tracker::config::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match tracker::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
