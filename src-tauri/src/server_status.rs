//! What the window and the tray are told about the SCIM server.

use serde::Serialize;

use crate::error::CommandError;

/// Where the SCIM server listens, or why it does not. Also sent as the `server-status` event.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
#[tauri_specta(event_name = "server-status")]
pub struct ServerStatus {
    pub starting: bool,
    pub listening: Option<String>,
    pub requested: Option<String>,
    pub error: Option<CommandError>,
    pub public_url: Option<String>,
    /// `SCIMDESK_BIND` chose the address at start-up.
    pub bind_from_environment: bool,
}
