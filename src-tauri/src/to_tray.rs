//! Linux: with its window closed, the app becomes `scimdesk serve --tray` (exec), the same
//! process serving on with the same socket and serving lock, at a fraction of the memory (WebKit
//! and GTK stay loaded in this program with no window shown: 148 MiB PSS, against 120 MB asked
//! for; see BENCHMARKS.md). Started hidden at login, it becomes the tray at once. Open in the
//! tray makes it the app again (see `scimdesk::handover`). Where `scimdesk` is not installed
//! beside the app, or exec fails, the app stays in the tray itself, as on macOS and Windows.

use std::ffi::OsString;

use scimdesk::handover::{self, Handover};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// The headless program, installed beside the app.
const TRAY_PROGRAM: &str = "scimdesk";

/// Become the tray now, at start (`--hidden`), before anything of the window is set up. Returns
/// only when that is not possible; the app then starts hidden in its own tray.
pub fn at_start(data_dir: &std::path::Path) {
    let Some(program) = handover::sibling_program(TRAY_PROGRAM) else {
        tracing::warn!("{TRAY_PROGRAM} is not installed beside the app: serving from the app's own tray");
        return;
    };
    tracing::info!(program = %program.display(), "started hidden: ScimDesk serves from the tray");
    let (error, _) = Handover::default().exec(&program, args(data_dir, false), &[]);
    tracing::error!(error = %error, program = %program.display(), "could not start the tray; serving from the app's own tray");
}

/// The window was closed: hand serving over to the tray program, unless it is not installed
/// (then `false`, and the app keeps serving from its own tray). When exec fails, serving is
/// taken back and `stay` keeps the app in its own tray.
pub fn after_window_closed(app: &AppHandle, stay: fn(&AppHandle)) -> bool {
    let Some(program) = handover::sibling_program(TRAY_PROGRAM) else {
        tracing::warn!("{TRAY_PROGRAM} is not installed beside the app: serving from the app's own tray");
        return false;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let handover = state.hand_over().await;
        // The log is written by a thread of its own: give it the last lines before exec.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (error, back) = handover.exec(&program, args(&state.data_dir, true), &[]);
        tracing::error!(error = %error, program = %program.display(), "could not hand over to the tray; serving from the app's own tray");
        state.take_back(&app, back).await;
        stay(&app);
    });
    true
}

fn args(data_dir: &std::path::Path, from_window: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> =
        vec!["--data-dir".into(), data_dir.as_os_str().to_owned(), "serve".into(), "--tray".into()];
    if from_window {
        args.push("--from-window".into());
    }
    args
}
