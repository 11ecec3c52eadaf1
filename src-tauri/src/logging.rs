//! The desktop app's log: a daily rolling file in `<data dir>/logs`, and stderr.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

pub use scimdesk::app_log::FILE_PREFIX as LOG_FILE_PREFIX;

/// Start logging; keep the guard alive for the life of the app or the last lines are lost.
pub fn init(log_dir: &Path) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_env("SCIMDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = fmt::layer().with_writer(std::io::stderr).with_target(false);
    let file = scimdesk::app_log::appender(log_dir);
    match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer().with_writer(writer).with_ansi(false).with_target(false);
            tracing_subscriber::registry().with(filter).with(stderr).with(file_layer).init();
            Some(guard)
        }
        None => {
            tracing_subscriber::registry().with(filter).with(stderr).init();
            tracing::warn!(dir = %log_dir.display(), "cannot write the log file there; logging to stderr only");
            None
        }
    }
}
