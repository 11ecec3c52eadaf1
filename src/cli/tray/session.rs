//! What `scimdesk serve --tray` needs of the desktop session's bus besides the icon: the app's
//! single-instance name (a launch of the app while the tray serves opens the window here,
//! instead of starting a second ScimDesk) and desktop notifications.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use zbus::fdo::{RequestNameFlags, RequestNameReply};
use zbus::zvariant::Value;

use super::Request;

/// The desktop app's single-instance name and object (tauri-plugin-single-instance on Linux:
/// its identifier `dev.scimdesk.app` + `.SingleInstance`, the object at the name's path).
const INSTANCE_NAME: &str = "dev.scimdesk.app.SingleInstance";
const INSTANCE_PATH: &str = "/dev/scimdesk/app/SingleInstance";

/// How long to wait for the window's connection to give the name up, when this process was the
/// window a moment ago.
const NAME_PATIENCE: Duration = Duration::from_secs(3);

pub struct Session {
    connection: zbus::Connection,
}

/// What a second launch of the app calls, with its command line.
struct Instance {
    requests: UnboundedSender<Request>,
}

#[zbus::interface(name = "org.SingleInstance.DBus")]
impl Instance {
    fn execute_callback(&self, argv: Vec<String>, _cwd: String) {
        // The login's hidden start finds ScimDesk running: nothing to open.
        if !argv.iter().skip(1).any(|arg| arg == "--hidden") {
            let _ = self.requests.send(Request::Open);
        }
    }
}

impl Session {
    /// Take the app's single-instance name. `Ok(None)`: another ScimDesk holds it (a window or a
    /// tray of this desktop session). `patient`: this process was the window a moment ago, whose
    /// connection may not be gone from the bus yet.
    pub async fn connect(requests: UnboundedSender<Request>, patient: bool) -> zbus::Result<Option<Session>> {
        let connection =
            zbus::connection::Builder::session()?.serve_at(INSTANCE_PATH, Instance { requests })?.build().await?;
        let deadline = tokio::time::Instant::now() + if patient { NAME_PATIENCE } else { Duration::ZERO };
        loop {
            let reply = connection.request_name_with_flags(INSTANCE_NAME, RequestNameFlags::DoNotQueue.into()).await;
            match reply {
                Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => {
                    return Ok(Some(Session { connection }))
                }
                Ok(_) | Err(zbus::Error::NameTaken) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(_) | Err(zbus::Error::NameTaken) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// Show a desktop notification; without a notification server it is logged and dropped.
    pub async fn notify(&self, title: &str, body: &str) {
        let hints: HashMap<&str, Value<'_>> = HashMap::new();
        let sent = self
            .connection
            .call_method(
                Some("org.freedesktop.Notifications"),
                "/org/freedesktop/Notifications",
                Some("org.freedesktop.Notifications"),
                "Notify",
                &("ScimDesk", 0u32, "", title, body, Vec::<&str>::new(), hints, -1i32),
            )
            .await;
        match sent {
            Ok(_) => tracing::info!(title, "notification sent"),
            Err(e) => tracing::warn!(error = %e, title, "could not show a notification"),
        }
    }
}
