//! The app: opens the engine, starts the SCIM server in the background, and hands the window its
//! commands and events.

use std::path::PathBuf;

use scimdesk::Engine;
use tauri::{Manager, RunEvent};

use crate::clipboard::SecretClipboard;
use crate::error::CommandError;
use crate::state::AppState;
use crate::{bridge, logging};

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

/// Run the app with the window's `context` (`tauri::generate_context!()` in the binary).
pub fn run(context: tauri::Context<tauri::Wry>) {
    let data_dir = data_dir();
    let log_dir = data_dir.join("logs");
    let _log_guard = logging::init(&log_dir);
    tracing::info!(data_dir = %data_dir.display(), "starting ScimDesk");

    let bindings = crate::specta_builder();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| focus_main_window(app)))
        .invoke_handler(bindings.invoke_handler())
        .setup(move |app| {
            bindings.mount_events(app);
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
        .build(context)
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
