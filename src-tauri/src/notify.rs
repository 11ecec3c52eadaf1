//! OS notifications (org.freedesktop.Notifications on Linux, through the notification plugin),
//! each kind sent only while the admin has it switched on in Settings.

use scimdesk::settings::NotificationKind;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// Send a notification of `kind`, unless switched off. Without a notification server (a bare X
/// session) it is dropped, logged, and ScimDesk carries on.
pub fn send(app: &AppHandle, kind: NotificationKind, title: &str, body: &str) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let Ok(engine) = state.engine() else { return };
    match engine.settings().notifies(kind) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => tracing::warn!(error = %e, "could not read the notification settings; notifying"),
    }
    show(app, title, body);
}

/// Show a notification whatever the settings say (the one-time tray notice).
pub fn show(app: &AppHandle, title: &str, body: &str) {
    match app.notification().builder().title(title).body(body).show() {
        Ok(()) => tracing::info!(title, "notification sent"),
        Err(e) => tracing::warn!(error = %e, title, "could not show a notification"),
    }
}
