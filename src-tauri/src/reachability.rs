//! Can Entra reach ScimDesk? The engine checks the public URL every 5 minutes and at once when it
//! changes; each report goes to the window (the status light), the tray, and, when Entra can no
//! longer reach ScimDesk or can again, an OS notification.

use std::sync::Arc;
use std::time::Duration;

use scimdesk::check::watch::Watching;
use scimdesk::check::{CheckReport, ReachChanges};
use scimdesk::settings::NotificationKind;
use scimdesk::Engine;
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

/// Entra calls about every 40 minutes; a tunnel that went down is noticed well before that.
const CHECK_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// The latest check of the public URL (`None` before the first, or with no source to check).
/// The window hears it as `public-url-checked`.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
#[tauri_specta(event_name = "public-url-checked")]
pub struct PublicUrlChecked {
    pub report: Option<CheckReport>,
}

/// The automatic checks, in managed state.
pub struct Reachability {
    watching: Watching,
}

impl Reachability {
    pub fn latest(&self) -> Option<CheckReport> {
        self.watching.reports().borrow().clone()
    }

    pub fn check_now(&self) {
        self.watching.check_now();
    }
}

pub fn spawn(app: &AppHandle, engine: &Arc<Engine>) {
    // The engine spawns its task on the current Tokio runtime: the app's (setup runs outside it).
    let runtime = tauri::async_runtime::handle();
    let watching = {
        let _entered = runtime.inner().enter();
        engine.watch_public_url(CHECK_INTERVAL)
    };
    let mut reports = watching.reports();
    app.manage(Reachability { watching });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut changes = ReachChanges::default();
        while reports.changed().await.is_ok() {
            let report = reports.borrow_and_update().clone();
            crate::tray::public_url_checked(&app, report.as_ref());
            if let Err(e) = (PublicUrlChecked { report: report.clone() }).emit(&app) {
                tracing::warn!(error = %e, "could not send the check to the window");
            }
            let Some(notice) = report.as_ref().and_then(|r| changes.observe(r)) else { continue };
            if notice.regained {
                tracing::info!("{}: {}", notice.title, notice.message);
            } else {
                tracing::warn!("{}: {}", notice.title, notice.message);
            }
            crate::notify::send(&app, NotificationKind::PublicUrl, notice.title, &notice.message);
        }
    });
}
