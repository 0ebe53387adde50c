//! `doithoai`: the local client's command line.
//!
//! Parses the arguments with clap's words in the user's language (doithoai-clilang), sends the
//! log to `<data dir>/doithoai.log` (to the terminal with `-v`, or as `DOITHOAI_LOG` says), and
//! runs the command.

use std::path::Path;
use std::sync::Mutex;

use doithoai_client::cli::{Cli, default_data_dir, run};
use doithoai_model::Localize;
use tracing_subscriber::EnvFilter;

/// What the log keeps unless `DOITHOAI_LOG` says otherwise. samod warns about a dialer closed
/// while the repository stops: benign.
const DEFAULT_FILTER: &str = "info,samod=warn,samod::io_loop=error,samod_core::actors::hub=error";

/// The log file is started anew (the old one kept as `.1`) past this size.
const LOG_ROTATE_BYTES: u64 = 4 * 1024 * 1024;

fn main() -> std::process::ExitCode {
    let (cli, lang) =
        match doithoai_clilang::parse::<Cli>("DOITHOAI_LANG", doithoai_client::help_en::HELP_EN) {
            Ok(v) => v,
            Err(code) => return code,
        };
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    init_logging(&data_dir, cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}: {e}", lang.pick("Không khởi động được", "Cannot start"));
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    match runtime.block_on(run(cli, &mut stdout)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::warn!(error = ?e, "command failed");
            eprintln!("{}: {}", lang.pick("Lỗi", "Error"), e.localize(lang));
            std::process::ExitCode::FAILURE
        }
    }
}

/// `DOITHOAI_LOG` set: that filter, to the terminal (what the tests and a developer ask for).
/// `-v`: info (`-vv`: debug) to the terminal. Otherwise the log goes to `doithoai.log` in the
/// data directory, never onto the user's terminal; before the directory exists, nowhere.
fn init_logging(data_dir: &Path, verbose: u8) {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if let Ok(filter) = EnvFilter::try_from_env("DOITHOAI_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .init();
        return;
    }
    if verbose > 0 {
        let level = if verbose > 1 { "debug" } else { "info" };
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(DEFAULT_FILTER.replacen("info", level, 1)))
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .init();
        return;
    }
    if let Some(file) = open_log(data_dir) {
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(DEFAULT_FILTER))
            .with_writer(Mutex::new(file))
            .with_ansi(false)
            .init();
    }
}

fn open_log(data_dir: &Path) -> Option<std::fs::File> {
    if !data_dir.is_dir() {
        return None;
    }
    let path = data_dir.join("doithoai.log");
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let _ = std::fs::rename(&path, data_dir.join("doithoai.log.1"));
    }
    doithoai_store::private::open_append(&path).ok()
}
