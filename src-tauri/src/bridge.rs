//! The event bridge: engine events reach the window in batches, about ten a second, so a burst
//! of provisioning requests costs the window a few renders rather than one per request.

use std::sync::Arc;
use std::time::Duration;

use scimdesk::{Engine, ProvisioningEvent};
use serde::Serialize;
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{timeout_at, Instant};

const BATCH_WINDOW: Duration = Duration::from_millis(100);
const MAX_BATCH: usize = 5_000;

/// One batch, in `seq` order. `missed` counts events dropped because the window fell behind:
/// when it is not zero, the window reloads its snapshots. The window hears it as `provisioning`.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
#[tauri_specta(event_name = "provisioning")]
pub struct EventBatch {
    pub events: Vec<ProvisioningEvent>,
    pub missed: u64,
}

pub fn spawn(app: AppHandle, engine: Arc<Engine>) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let mut batch = EventBatch { events: Vec::new(), missed: 0 };
            match events.recv().await {
                Ok(event) => batch.events.push(event),
                Err(RecvError::Lagged(n)) => batch.missed += n,
                Err(RecvError::Closed) => return,
            }
            let deadline = Instant::now() + BATCH_WINDOW;
            while batch.events.len() < MAX_BATCH {
                match timeout_at(deadline, events.recv()).await {
                    Ok(Ok(event)) => batch.events.push(event),
                    Ok(Err(RecvError::Lagged(n))) => batch.missed += n,
                    Ok(Err(RecvError::Closed)) | Err(_) => break,
                }
            }
            if let Some(last) = batch.events.last() {
                crate::tray::request_seen(&app, &last.time);
            }
            if let Err(e) = batch.emit(&app) {
                tracing::warn!(error = %e, "could not send events to the window");
            }
        }
    });
}
