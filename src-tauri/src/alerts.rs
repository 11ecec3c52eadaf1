//! Entra's cycles and refusals, watched: each alert of the engine's health watch becomes an OS
//! notification (unless switched off), and what needs the admin now is shown in the window (a
//! banner) and the tray.

use std::sync::Arc;
use std::time::Duration;

use scimdesk::{Alert, Engine};
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::watch;

/// How often the log is looked at: often enough that a quiet source or a burst of refusals is
/// told within seconds, as cheap as a few indexed reads.
const WATCH_INTERVAL: Duration = Duration::from_secs(15);

/// An alert as the window shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    pub slug: String,
    pub title: String,
    pub message: String,
    pub alert: Alert,
}

impl From<&Alert> for AlertView {
    fn from(alert: &Alert) -> Self {
        AlertView {
            slug: alert.slug().to_owned(),
            title: alert.title(),
            message: alert.message(),
            alert: alert.clone(),
        }
    }
}

/// What needs the admin now (quiet sources, refusal bursts going on). The window hears it as
/// `health-changed`.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
#[tauri_specta(event_name = "health-changed")]
pub struct HealthChanged {
    pub conditions: Vec<AlertView>,
}

/// The conditions as last published, in managed state.
pub struct HealthConditions(watch::Receiver<Vec<Alert>>);

impl HealthConditions {
    pub fn now(&self) -> Vec<AlertView> {
        self.0.borrow().iter().map(AlertView::from).collect()
    }
}

pub fn spawn(app: &AppHandle, engine: &Arc<Engine>) {
    // Look at least four times per cycle interval (a short one is for tests and trials).
    let every = engine
        .settings()
        .cycle_interval()
        .map(|interval| (interval / 4).clamp(Duration::from_secs(1), WATCH_INTERVAL))
        .unwrap_or(WATCH_INTERVAL);
    let runtime = tauri::async_runtime::handle();
    let mut health = {
        let _entered = runtime.inner().enter();
        engine.watch_health(every)
    };
    let mut conditions = health.conditions();
    app.manage(HealthConditions(conditions.clone()));

    let notifier = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(alert) = health.next().await {
            tracing::info!(source = alert.slug(), "{}: {}", alert.title(), alert.message());
            crate::notify::send(&notifier, alert.notification_kind(), &alert.title(), &alert.message());
        }
    });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let now: Vec<AlertView> = conditions.borrow_and_update().iter().map(AlertView::from).collect();
            crate::tray::attention(&app, now.first().map(|a| a.title.clone()));
            if let Err(e) = (HealthChanged { conditions: now }).emit(&app) {
                tracing::warn!(error = %e, "could not send the alerts to the window");
            }
            if conditions.changed().await.is_err() {
                return;
            }
        }
    });
}
