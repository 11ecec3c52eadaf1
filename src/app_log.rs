//! The desktop app's log: a file a day in `<data dir>/logs`, the last 14 kept. Written by the app
//! and by `scimdesk serve --tray`, which is the app with its window closed, so the admin finds
//! one log whichever of the two ran.

use std::path::Path;

use tracing_appender::rolling::{Builder, RollingFileAppender, Rotation};

/// Name prefix of the log files (`scimdesk-app.log.YYYY-MM-DD`).
pub const FILE_PREFIX: &str = "scimdesk-app.log";

/// The log's files in `dir` (created if missing); `None` when they cannot be written there.
pub fn appender(dir: &Path) -> Option<RollingFileAppender> {
    std::fs::create_dir_all(dir).ok()?;
    Builder::new().rotation(Rotation::DAILY).filename_prefix(FILE_PREFIX).max_log_files(14).build(dir).ok()
}
