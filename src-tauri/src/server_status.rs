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
    /// Another process serves the data folder (the background service): the window is attached
    /// to it rather than serving itself.
    pub attached: bool,
    /// Who that process is, once it has said so.
    pub served_by: Option<scimdesk::Server>,
    /// The process the window was attached to has stopped: nothing serves Entra now.
    pub service_stopped: bool,
}
