//! Settings: listen address (restarts the server), public URL, clipboard clear time, paths.

use scimdesk::settings::parse_bind;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::logging::LOG_FILE_PREFIX;
use crate::server_status::ServerStatus;
use crate::state::AppState;

#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    bind: String,
    public_url: Option<String>,
    clipboard_clear_seconds: u64,
    /// Entra's provisioning interval, as the admin writes it (`40m`).
    cycle_interval: String,
    data_dir: String,
    database_path: String,
    log_dir: String,
    log_file_prefix: &'static str,
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<SettingsView> {
    let engine = state.engine()?;
    let settings = engine.settings().current()?;
    Ok(SettingsView {
        bind: settings.bind.to_string(),
        public_url: settings.public_url,
        clipboard_clear_seconds: settings.clipboard_clear_seconds,
        cycle_interval: humantime::format_duration(engine.settings().cycle_interval()?).to_string(),
        data_dir: state.data_dir.display().to_string(),
        database_path: engine.database_path().display().to_string(),
        log_dir: state.log_dir.display().to_string(),
        log_file_prefix: LOG_FILE_PREFIX,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn server_status(state: State<'_, AppState>) -> CommandResult<ServerStatus> {
    state.server_status().await
}

/// Listen on `bind` from now on (and save it); the server restarts there.
#[tauri::command]
#[specta::specta]
pub async fn restart_server(app: AppHandle, state: State<'_, AppState>, bind: String) -> CommandResult<ServerStatus> {
    let addr = parse_bind(&bind)?;
    state.restart(&app, addr).await
}

/// Serve from this window: after the background service stopped, the admin's choice.
#[tauri::command]
#[specta::specta]
pub async fn serve_here(app: AppHandle, state: State<'_, AppState>) -> CommandResult<ServerStatus> {
    state.serve_here(&app).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_public_url(
    app: AppHandle,
    state: State<'_, AppState>,
    url: Option<String>,
) -> CommandResult<ServerStatus> {
    state.engine()?.settings().set_public_url(url.as_deref()).await?;
    state.announce(&app).await;
    state.server_status().await
}

#[tauri::command]
#[specta::specta]
pub async fn set_clipboard_clear_seconds(state: State<'_, AppState>, seconds: u64) -> CommandResult<()> {
    Ok(state.engine()?.settings().set_clipboard_clear_seconds(seconds).await?)
}

/// Entra's provisioning interval (`40m`): a source quiet for two of them is reported.
#[tauri::command]
#[specta::specta]
pub async fn set_cycle_interval(state: State<'_, AppState>, interval: String) -> CommandResult<String> {
    let settings = state.engine()?.settings();
    settings.set_cycle_interval(scimdesk::settings::parse_cycle_interval(&interval)?).await?;
    Ok(humantime::format_duration(settings.cycle_interval()?).to_string())
}

/// Whether ScimDesk starts (hidden, in the tray) when the admin logs in.
#[tauri::command]
#[specta::specta]
pub async fn launch_at_login(app: AppHandle) -> CommandResult<bool> {
    app.autolaunch().is_enabled().map_err(|e| login_error("read", &e))
}

/// Start ScimDesk at login, hidden in the tray (an XDG autostart entry on Linux, a LaunchAgent on
/// macOS, a Run key on Windows), or stop doing so. Answers the new state.
#[tauri::command]
#[specta::specta]
pub async fn set_launch_at_login(app: AppHandle, enabled: bool) -> CommandResult<bool> {
    let autolaunch = app.autolaunch();
    let result = if enabled { autolaunch.enable() } else { autolaunch.disable() };
    result.map_err(|e| login_error(if enabled { "register" } else { "remove" }, &e))?;
    tracing::info!(enabled, "launch at login changed");
    autolaunch.is_enabled().map_err(|e| login_error("read", &e))
}

fn login_error(action: &str, err: &dyn std::fmt::Display) -> CommandError {
    tracing::warn!(error = %err, "launch at login: could not {action} the entry");
    CommandError::new(
        ErrorKind::LaunchAtLogin,
        format!("ScimDesk could not {action} its start-at-login entry ({err}); check that your autostart folder can be written"),
    )
}
