//! The status icon: its look says whether the SCIM server is serving, has a problem or is
//! stopped, and its menu opens the window, shows where the server listens and when the last
//! request arrived, and quits. It is how ScimDesk stays reachable with its window closed.

use std::sync::Mutex;
use std::time::Duration;

use scimdesk::status_icon::{Look, StatusView};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};
use tokio::sync::Notify;

use crate::server_status::ServerStatus;

/// The status line changes at most this often, however fast requests arrive.
const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";

fn icon(look: Look) -> tauri::Result<Image<'static>> {
    Image::from_bytes(look.png())
}

/// The tray icon and what it shows; in managed state.
pub struct Tray {
    icon: TrayIcon<Wry>,
    status_item: MenuItem<Wry>,
    view: Mutex<StatusView>,
    changed: Notify,
}

/// Put the status icon in the tray and keep it up to date. `open` and `quit` run from its menu.
pub fn install(app: &AppHandle, open: fn(&AppHandle), quit: fn(&AppHandle)) -> tauri::Result<()> {
    let view = StatusView { starting: true, ..StatusView::default() };
    let open_item = MenuItem::with_id(app, MENU_OPEN, "Open ScimDesk", true, None::<&str>)?;
    let status_item = MenuItem::with_id(app, "status", view.status_line(), false, None::<&str>)?;
    let quit_item = MenuItem::with_id(app, MENU_QUIT, "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open_item, &status_item, &separator, &quit_item])?;
    let icon = TrayIconBuilder::with_id("scimdesk")
        .icon(icon(view.look())?)
        .tooltip("ScimDesk")
        .menu(&menu)
        .on_menu_event(move |app, event| match event.id().as_ref() {
            MENU_OPEN => open(app),
            MENU_QUIT => quit(app),
            _ => {}
        })
        .build(app)?;
    app.manage(Tray { icon, status_item, view: Mutex::new(view), changed: Notify::new() });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut shown: Option<(Look, String)> = None;
        loop {
            let tray = app.state::<Tray>();
            tray.changed.notified().await;
            shown = Some(tray.render(shown.take()));
            // A change during the pause is shown after it (`Notify` keeps one permit).
            tokio::time::sleep(REFRESH_INTERVAL).await;
        }
    });
    Ok(())
}

impl Tray {
    fn update(&self, change: impl FnOnce(&mut StatusView)) {
        change(&mut self.view.lock().unwrap_or_else(|e| e.into_inner()));
        self.changed.notify_one();
    }

    /// Show the current view; only what differs from `shown` is sent to the tray.
    fn render(&self, shown: Option<(Look, String)>) -> (Look, String) {
        let view = self.view.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (look, line) = (view.look(), view.status_line());
        if shown.as_ref().map(|(l, _)| *l) != Some(look) {
            if let Err(e) = icon(look).and_then(|icon| self.icon.set_icon(Some(icon))) {
                tracing::warn!(error = %e, "could not change the tray icon");
            }
            let _ = self.icon.set_tooltip(Some(format!("ScimDesk: {line}")));
        }
        if shown.as_ref().map(|(_, s)| s) != Some(&line) {
            if let Err(e) = self.status_item.set_text(&line) {
                tracing::warn!(error = %e, "could not change the tray's status line");
            }
        }
        (look, line)
    }
}

/// The server's status changed (started, moved, failed).
pub fn server_changed(app: &AppHandle, status: &ServerStatus) {
    if let Some(tray) = app.try_state::<Tray>() {
        tray.update(|view| {
            view.starting = status.starting;
            view.listening = status.listening.clone();
            view.problem = status.error.as_ref().map(|e| e.message.clone());
            view.served_by = status.attached.then(|| status.served_by.as_ref().and_then(|s| s.listening.clone()));
            view.service_stopped = status.service_stopped;
        });
    }
}

/// The engine could not be opened: nothing is served, and the window says why.
pub fn engine_failed(app: &AppHandle, message: &str) {
    if let Some(tray) = app.try_state::<Tray>() {
        tray.update(|view| {
            view.starting = false;
            view.problem = Some(message.to_owned());
        });
    }
}

/// The public URL was checked (`None`: nothing to check yet).
pub fn public_url_checked(app: &AppHandle, report: Option<&scimdesk::check::CheckReport>) {
    if let Some(tray) = app.try_state::<Tray>() {
        let unreachable = report.is_some_and(|r| r.unreachable());
        tray.update(|view| view.unreachable = unreachable);
    }
}

/// What needs the admin now changed (`None`: nothing).
pub fn attention(app: &AppHandle, title: Option<String>) {
    if let Some(tray) = app.try_state::<Tray>() {
        tray.update(|view| view.attention = title);
    }
}

/// A provisioning batch arrived; `time` is its last request's.
pub fn request_seen(app: &AppHandle, time: &str) {
    if let Some(tray) = app.try_state::<Tray>() {
        tray.update(|view| view.last_request = Some(time.to_owned()));
    }
}
