//! Settings: listen address (restarts the server), public URL, clipboard clear time, paths.

use scimdesk::settings::parse_bind;
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::logging::LOG_FILE_PREFIX;
use crate::state::{AppState, ServerStatus};

#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    bind: String,
    public_url: Option<String>,
    clipboard_clear_seconds: u64,
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
