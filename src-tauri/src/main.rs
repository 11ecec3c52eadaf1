//! ScimDesk's desktop app: a native window over the engine. It opens the engine, starts the SCIM
//! server in the background, and adapts engine calls and events for the window.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bridge;
mod clipboard;
mod commands;
mod error;
mod logging;
mod state;

use std::path::PathBuf;

use scimdesk::Engine;
use tauri::{Manager, RunEvent};

use crate::clipboard::SecretClipboard;
use crate::error::CommandError;
use crate::state::AppState;

fn data_dir() -> PathBuf {
    std::env::var_os("SCIMDESK_DATA_DIR").map(PathBuf::from).unwrap_or_else(Engine::default_data_dir)
}

fn focus_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn main() {
    let data_dir = data_dir();
    let log_dir = data_dir.join("logs");
    let _log_guard = logging::init(&log_dir);
    tracing::info!(data_dir = %data_dir.display(), "starting ScimDesk");

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| focus_main_window(app)))
        .setup(move |app| {
            // Opening the store takes milliseconds; the server starts in the background.
            let engine = tauri::async_runtime::block_on(Engine::open(&data_dir)).map_err(|e| {
                tracing::error!(error = %e, "cannot open the data directory");
                CommandError::from(e)
            });
            let state = AppState::new(engine.clone(), SecretClipboard::from_env(), data_dir.clone(), log_dir.clone());
            app.manage(state);
            if let Ok(engine) = engine {
                bridge::spawn(app.handle().clone(), engine);
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    handle.state::<AppState>().start_initial(&handle).await;
                });
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
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
            commands::settings::get_settings,
            commands::settings::server_status,
            commands::settings::restart_server,
            commands::settings::set_public_url,
            commands::settings::set_clipboard_clear_seconds,
        ])
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the window could not be created");
            eprintln!("ScimDesk could not open its window: {e}");
            std::process::exit(1);
        });
    app.run(|_app, event| {
        if let RunEvent::Exit = event {
            tracing::info!("ScimDesk stopped");
        }
    });
}
