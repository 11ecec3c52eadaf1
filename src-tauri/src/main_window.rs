//! The window's life: built from the config when the admin opens ScimDesk, destroyed (its webview's
//! memory freed) when they close it, while the process, the tray and the SCIM server carry on.
//! On Linux the process then becomes the tray program (`to_tray.rs`), which serves on without
//! the window's libraries. Only Quit ends the process, after stopping the server gracefully.

use std::sync::atomic::{AtomicBool, Ordering};

use scimdesk::status_icon;
use tauri::{AppHandle, Manager, RunEvent, WebviewWindow, WebviewWindowBuilder, WindowEvent};

use crate::state::AppState;

pub const LABEL: &str = "main";

/// Started at login: serve from the tray, no window until the admin opens one.
pub const HIDDEN_ARG: &str = "--hidden";

/// Set by Quit: the only way the process may end on its own.
#[derive(Default)]
pub struct Quitting(AtomicBool);

pub fn started_hidden(args: &[String]) -> bool {
    args.iter().skip(1).any(|a| a == HIDDEN_ARG)
}

/// Show the window, building it again from the config if it was closed. Off the calling thread:
/// building a webview from the main thread's event handlers deadlocks on Windows (wry#583).
pub fn open(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move { show(&app) });
}

fn show(app: &AppHandle) {
    let window = match app.get_webview_window(LABEL) {
        Some(window) => Ok(window),
        None => build(app),
    };
    match window {
        Ok(window) => {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
        Err(e) => tracing::error!(error = %e, "could not open the window"),
    }
}

fn build(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let config = app.config().app.windows.iter().find(|w| w.label == LABEL).ok_or(tauri::Error::WindowNotFound)?;
    let window = WebviewWindowBuilder::from_config(app, config)?.build()?;
    tracing::info!("window opened");
    Ok(window)
}

/// Closing the window destroys it; the process keeps serving from the tray.
pub fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    if window.label() != LABEL {
        return;
    }
    if let WindowEvent::CloseRequested { api, .. } = event {
        api.prevent_close();
        if let Err(e) = window.destroy() {
            tracing::warn!(error = %e, "could not destroy the window");
        }
        tracing::info!("window closed; serving from the tray");
        #[cfg(target_os = "linux")]
        if crate::to_tray::after_window_closed(window.app_handle(), stay_in_own_tray) {
            return;
        }
        stay_in_own_tray(window.app_handle());
    }
}

/// Serve on from the app's own tray with the window closed (macOS, Windows, and Linux when the
/// tray program cannot take over): give back what the window held, and tell the admin once.
pub fn stay_in_own_tray(app: &AppHandle) {
    crate::closed_window::release(app);
    tell_once_that_serving_continues(app);
}

fn tell_once_that_serving_continues(app: &AppHandle) {
    let Some(state) = app.try_state::<AppState>() else { return };
    if status_icon::tray_notice_due(&state.data_dir) {
        crate::notify::show(app, status_icon::TRAY_NOTICE_TITLE, status_icon::TRAY_NOTICE_BODY);
    }
}

/// Quit from the tray: the server is stopped on the way out (see [`on_run_event`]).
pub fn quit(app: &AppHandle) {
    tracing::info!("quit chosen");
    app.state::<Quitting>().0.store(true, Ordering::SeqCst);
    app.exit(0);
}

/// The last window closing does not end the process; on exit the server stops gracefully.
pub fn on_run_event(app: &AppHandle, event: &RunEvent) {
    match event {
        // `code: None` with no window left is the last window closing. With a window still open it
        // is a request to quit (macOS's app menu, Cmd+Q), which is let through like the tray's Quit.
        RunEvent::ExitRequested { code: None, api, .. }
            if !app.state::<Quitting>().0.load(Ordering::SeqCst) && app.webview_windows().is_empty() =>
        {
            api.prevent_exit();
        }
        RunEvent::Exit => {
            if let Some(state) = app.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.stop_server());
            }
            tracing::info!("ScimDesk stopped");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_hidden_flag_after_the_program_name_starts_hidden() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(started_hidden(&args(&["scimdesk-app", "--hidden"])));
        assert!(!started_hidden(&args(&["scimdesk-app"])));
        assert!(!started_hidden(&args(&["--hidden"])));
    }
}
