//! The status icon of `scimdesk serve --tray`: a StatusNotifierItem with the desktop app's look
//! and menu (Open ScimDesk, the status line, Quit).

use std::path::{Path, PathBuf};
use std::time::Duration;

use ksni::menu::StandardItem;
use ksni::{MenuItem, ToolTip, TrayMethods};
use scimdesk::status_icon::{Look, StatusView};
use tokio::sync::mpsc::UnboundedSender;

use super::Request;

/// How long to keep asking for the tray while the window's own item may still hold its name.
const REGISTER_PATIENCE: Duration = Duration::from_secs(3);

pub struct StatusItem {
    pub view: StatusView,
    icons: PathBuf,
    requests: UnboundedSender<Request>,
}

pub type Handle = ksni::Handle<StatusItem>;

/// Put the icon in the tray; `None` (logged) when the desktop has no tray host: ScimDesk serves
/// on, and a second launch of the app still opens the window.
pub async fn spawn(view: StatusView, requests: UnboundedSender<Request>) -> Option<Handle> {
    let icons = match write_icons() {
        Ok(dir) => dir,
        Err(e) => {
            tracing::warn!(error = %e, "cannot write the tray icons");
            std::env::temp_dir()
        }
    };
    let deadline = tokio::time::Instant::now() + REGISTER_PATIENCE;
    loop {
        let item = StatusItem { view: view.clone(), icons: icons.clone(), requests: requests.clone() };
        match item.spawn().await {
            Ok(handle) => return Some(handle),
            Err(e) if tokio::time::Instant::now() < deadline => {
                tracing::debug!(error = %e, "the tray is not ready; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "could not put ScimDesk in the tray");
                return None;
            }
        }
    }
}

/// The three looks as PNG files in a folder of this user's (the tray host reads them by name).
fn write_icons() -> std::io::Result<PathBuf> {
    let dir = dirs::runtime_dir().unwrap_or_else(std::env::temp_dir).join("scimdesk-tray-icons");
    std::fs::create_dir_all(&dir)?;
    for look in [Look::Serving, Look::Problem, Look::Stopped] {
        write_if_changed(&dir.join(format!("{}.png", look.name())), look.png())?;
    }
    Ok(dir)
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|on_disk| on_disk == bytes) {
        return Ok(());
    }
    std::fs::write(path, bytes)
}

impl ksni::Tray for StatusItem {
    fn id(&self) -> String {
        "scimdesk".into()
    }

    fn title(&self) -> String {
        "ScimDesk".into()
    }

    fn icon_theme_path(&self) -> String {
        self.icons.to_string_lossy().into_owned()
    }

    fn icon_name(&self) -> String {
        self.view.look().name().into()
    }

    fn tool_tip(&self) -> ToolTip {
        ToolTip { title: format!("ScimDesk: {}", self.view.status_line()), ..ToolTip::default() }
    }

    /// A click on the icon opens the window, as Open ScimDesk does.
    fn activate(&mut self, _x: i32, _y: i32) {
        let _ = self.requests.send(Request::Open);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        vec![
            action("Open ScimDesk", Request::Open),
            StandardItem { label: self.view.status_line(), enabled: false, ..StandardItem::default() }.into(),
            MenuItem::Separator,
            action("Quit", Request::Quit),
        ]
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::warn!(?reason, "the desktop's tray went away; ScimDesk serves on and shows its icon when it is back");
        true
    }
}

/// A menu entry that asks for `request`.
fn action(label: &str, request: Request) -> MenuItem<StatusItem> {
    StandardItem {
        label: label.into(),
        activate: Box::new(move |item: &mut StatusItem| {
            let _ = item.requests.send(request);
        }),
        ..StandardItem::default()
    }
    .into()
}
