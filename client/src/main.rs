//! `doithoai`: the local client's command line.

use clap::Parser;
use doithoai_client::cli::{Cli, run};
use doithoai_model::Localize;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOITHOAI_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(
                    // samod warns about a dialer closed while the repository stops: benign.
                    "warn,samod::io_loop=error,samod_core::actors::hub=error",
                )
            }),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let lang = cli.lang.unwrap_or_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Không khởi động được / cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    match runtime.block_on(run(cli, &mut stdout)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::debug!(error = ?e, "command failed");
            eprintln!("{}: {}", lang.pick("Lỗi", "Error"), e.localize(lang));
            std::process::ExitCode::FAILURE
        }
    }
}
