//! The app: opens the engine, starts the SCIM server in the background, and hands the window its
//! commands and events.

use std::path::PathBuf;

use scimdesk::Engine;
use tauri::Manager;

use crate::clipboard::SecretClipboard;
use crate::error::CommandError;
use crate::state::AppState;
use crate::{alerts, bridge, logging, main_window, reachability, tray};

fn data_dir() -> PathBuf {
    std::env::var_os("SCIMDESK_DATA_DIR").map(PathBuf::from).unwrap_or_else(Engine::default_data_dir)
}

/// Run the app with the window's `context` (`tauri::generate_context!()` in the binary).
pub fn run(context: tauri::Context<tauri::Wry>) {
    let data_dir = data_dir();
    let log_dir = data_dir.join("logs");
    let _log_guard = logging::init(&log_dir);
    let hidden = main_window::started_hidden(&std::env::args().collect::<Vec<_>>());
    #[cfg(target_os = "linux")]
    let handover = scimdesk::handover::Handover::take_from_env();
    tracing::info!(data_dir = %data_dir.display(), hidden, "starting ScimDesk");
    // Hidden at login, nothing of the window is needed: the tray program serves (Linux).
    #[cfg(target_os = "linux")]
    if hidden && handover.is_empty() {
        crate::to_tray::at_start(&data_dir);
    }

    let bindings = crate::specta_builder();
    let app = tauri::Builder::default()
        // A second launch opens the window of the first, unless it is the login's hidden start.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            if !main_window::started_hidden(&args) {
                main_window::open(app);
            }
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::Builder::new().arg(main_window::HIDDEN_ARG).build())
        .manage(main_window::Quitting::default())
        .invoke_handler(bindings.invoke_handler())
        .on_window_event(main_window::on_window_event)
        .setup(move |app| {
            bindings.mount_events(app);
            // Without a tray host the app still runs; the window is then the only way in.
            if let Err(e) = tray::install(app.handle(), main_window::open, main_window::quit) {
                tracing::error!(error = %e, "could not put ScimDesk in the tray");
            }
            // Opening the store takes milliseconds; the server starts in the background.
            let engine = tauri::async_runtime::block_on(Engine::open(&data_dir)).map_err(|e| {
                tracing::error!(error = %e, "cannot open the data directory");
                CommandError::from(e)
            });
            let state = AppState::new(engine.clone(), SecretClipboard::from_env(), data_dir.clone(), log_dir.clone());
            #[cfg(target_os = "linux")]
            let state = state.handed_over(handover);
            app.manage(state);
            if !hidden {
                main_window::open(app.handle());
            }
            match engine {
                Ok(engine) => {
                    reachability::spawn(app.handle(), &engine);
                    alerts::spawn(app.handle(), &engine);
                    bridge::spawn(app.handle().clone(), engine);
                    let handle = app.handle().clone();
                    tauri::async_runtime::spawn(async move {
                        handle.state::<AppState>().start_initial(&handle).await;
                    });
                }
                Err(e) => tray::engine_failed(app.handle(), &e.message),
            }
            Ok(())
        })
        .build(context)
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the window could not be created");
            eprintln!("ScimDesk could not open its window: {e}");
            std::process::exit(1);
        });
    app.run(|app, event| main_window::on_run_event(app, &event));
}
