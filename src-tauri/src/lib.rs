//! ScimDesk's desktop shell: commands, events and state that adapt the engine for the window.
//! The binary (`main.rs`) only adds the window's context; `export-bindings` writes the window's
//! TypeScript bindings from the same definitions.

mod alerts;
mod app;
mod bridge;
mod clipboard;
mod closed_window;
mod commands;
mod error;
mod logging;
mod main_window;
mod notify;
mod reachability;
mod server_status;
mod state;
#[cfg(target_os = "linux")]
mod to_tray;
mod tray;

use std::path::Path;

use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events, ErrorHandlingMode};

pub use alerts::HealthChanged;
pub use app::run;
pub use bridge::EventBatch;
pub use error::{CommandError, ErrorKind};
pub use reachability::PublicUrlChecked;
pub use server_status::ServerStatus;

/// Where the bindings go, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/bindings.ts";

const BINDINGS_HEADER: &str = concat!(
    "// From the shell's Rust commands and events: `cargo run -p scimdesk-app --example export-bindings`\n",
    "// writes it, scripts/check-bindings.sh fails when it is stale. Only ui/src/api.ts calls it.",
);

/// Every command and event the window can use, with their types.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::sources::list_sources,
            commands::sources::get_source,
            commands::sources::suggest_slug,
            commands::sources::create_source,
            commands::sources::set_source_enabled,
            commands::sources::delete_source,
            commands::sources::rotate_token,
            commands::sources::copy_token,
            commands::sources::copy_secret,
            commands::sources::copy_text,
            commands::directory::search_directory,
            commands::directory::user_details,
            commands::directory::group_details,
            commands::directory::source_counters,
            commands::directory::source_activity,
            commands::directory::source_activity_per_bucket,
            commands::settings::get_settings,
            commands::settings::server_status,
            commands::settings::restart_server,
            commands::settings::serve_here,
            commands::settings::set_public_url,
            commands::settings::set_clipboard_clear_seconds,
            commands::settings::set_cycle_interval,
            commands::settings::launch_at_login,
            commands::settings::set_launch_at_login,
            commands::health::public_url_status,
            commands::health::check_public_url,
            commands::health::notification_settings,
            commands::health::set_notification,
            commands::health::health_conditions,
            commands::health::source_health,
        ])
        .events(collect_events![EventBatch, ServerStatus, PublicUrlChecked, HealthChanged])
        // Commands reject with a CommandError, as plain `invoke` did; api.ts turns it into an ApiError.
        .error_handling(ErrorHandlingMode::Throw)
        // u64/i64/usize cross as JSON numbers: counts, row ids, sequence numbers, seconds and
        // latencies in microseconds, all far below 2^53, where a JavaScript number is exact.
        .dangerously_cast_bigints_to_number()
        // Everything here travels one way (Rust to window) or has one shape both ways, so one
        // type per Rust type, not `_Serialize`/`_Deserialize` pairs.
        .disable_serde_phases()
        .typ::<CommandError>()
}

/// Write the window's TypeScript bindings to `path`.
pub fn export_bindings(path: &Path) -> Result<(), specta_typescript::Error> {
    specta_builder().export(Typescript::default().header(BINDINGS_HEADER), path)
}
