//! The status icon: its look says whether the SCIM server is serving, has a problem or is
//! stopped, and its menu opens the window, shows where the server listens and when the last
//! request arrived, and quits. It is how ScimDesk stays reachable with its window closed.

use std::sync::Mutex;
use std::time::Duration;

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

/// What the icon shows, in order of how much it needs the admin's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Serving,
    Problem,
    Stopped,
}

impl Look {
    fn icon(self) -> tauri::Result<Image<'static>> {
        Image::from_bytes(match self {
            Look::Serving => include_bytes!("../../icons/tray/serving.png"),
            Look::Problem => include_bytes!("../../icons/tray/problem.png"),
            Look::Stopped => include_bytes!("../../icons/tray/stopped.png"),
        })
    }
}

/// What the tray knows of the server, from its status events and the provisioning batches.
#[derive(Debug, Default, Clone)]
struct TrayView {
    listening: Option<String>,
    /// Another process serves the data folder (`Some`, with where it listens if known).
    served_by: Option<Option<String>>,
    /// The process the window was attached to stopped.
    service_stopped: bool,
    /// A public URL is set and the last check could not reach ScimDesk through it.
    unreachable: bool,
    /// What needs the admin now (a quiet source, refused requests), the first of them.
    attention: Option<String>,
    problem: Option<String>,
    starting: bool,
    /// RFC 3339 time of the last SCIM request (the engine's event time, UTC).
    last_request: Option<String>,
}

impl TrayView {
    fn look(&self) -> Look {
        if self.service_stopped || self.unreachable || self.attention.is_some() {
            return Look::Problem;
        }
        match (&self.problem, &self.listening) {
            (Some(_), _) => Look::Problem,
            (None, Some(_)) => Look::Serving,
            (None, None) if self.served_by.is_some() => Look::Serving,
            (None, None) => Look::Stopped,
        }
    }

    fn status_line(&self) -> String {
        let last = match &self.last_request {
            // "2026-12-01T12:03:04.123Z" -> "12:03:04 UTC"
            Some(time) => format!("last request {} UTC", time.get(11..19).unwrap_or(time)),
            None => "no request yet".to_owned(),
        };
        if self.service_stopped {
            return "Not serving: the background service stopped".to_owned();
        }
        if self.unreachable && self.problem.is_none() {
            return "Entra cannot reach ScimDesk through the public URL".to_owned();
        }
        if let (Some(title), None) = (&self.attention, &self.problem) {
            return shorten(title, 80);
        }
        match (&self.problem, &self.listening) {
            (None, None) if self.served_by.is_some() => match self.served_by.as_ref().and_then(|a| a.as_ref()) {
                Some(addr) => format!("Background service on {addr} · {last}"),
                None => format!("Background service · {last}"),
            },
            (Some(problem), Some(addr)) => format!("Serving on {addr} · {}", shorten(problem, 60)),
            (Some(problem), None) => format!("Not serving: {}", shorten(problem, 80)),
            (None, Some(addr)) => format!("Serving on {addr} · {last}"),
            (None, None) if self.starting => "Starting the SCIM server…".to_owned(),
            (None, None) => "Stopped".to_owned(),
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The tray icon and what it shows; in managed state.
pub struct Tray {
    icon: TrayIcon<Wry>,
    status_item: MenuItem<Wry>,
    view: Mutex<TrayView>,
    changed: Notify,
}

/// Put the status icon in the tray and keep it up to date. `open` and `quit` run from its menu.
pub fn install(app: &AppHandle, open: fn(&AppHandle), quit: fn(&AppHandle)) -> tauri::Result<()> {
    let view = TrayView { starting: true, ..TrayView::default() };
    let open_item = MenuItem::with_id(app, MENU_OPEN, "Open ScimDesk", true, None::<&str>)?;
    let status_item = MenuItem::with_id(app, "status", view.status_line(), false, None::<&str>)?;
    let quit_item = MenuItem::with_id(app, MENU_QUIT, "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open_item, &status_item, &separator, &quit_item])?;
    let icon = TrayIconBuilder::with_id("scimdesk")
        .icon(view.look().icon()?)
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
    fn update(&self, change: impl FnOnce(&mut TrayView)) {
        change(&mut self.view.lock().unwrap_or_else(|e| e.into_inner()));
        self.changed.notify_one();
    }

    /// Show the current view; only what differs from `shown` is sent to the tray.
    fn render(&self, shown: Option<(Look, String)>) -> (Look, String) {
        let view = self.view.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (look, line) = (view.look(), view.status_line());
        if shown.as_ref().map(|(l, _)| *l) != Some(look) {
            if let Err(e) = look.icon().and_then(|icon| self.icon.set_icon(Some(icon))) {
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
        let unreachable = report.is_some_and(|r| !r.reachable() && r.outcome != scimdesk::check::Outcome::NoPublicUrl);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attached_to_the_service_the_tray_says_so_and_warns_when_it_stops() {
        let mut view = TrayView { served_by: Some(Some("127.0.0.1:7643".into())), ..TrayView::default() };
        assert_eq!(view.look(), Look::Serving);
        assert_eq!(view.status_line(), "Background service on 127.0.0.1:7643 · no request yet");
        view = TrayView { service_stopped: true, ..TrayView::default() };
        assert_eq!(view.look(), Look::Problem);
        assert_eq!(view.status_line(), "Not serving: the background service stopped");
    }

    #[test]
    fn a_public_url_entra_cannot_reach_is_a_problem() {
        let view = TrayView { listening: Some("127.0.0.1:7643".into()), unreachable: true, ..TrayView::default() };
        assert_eq!(view.look(), Look::Problem);
        assert_eq!(view.status_line(), "Entra cannot reach ScimDesk through the public URL");
    }

    #[test]
    fn the_status_line_shows_the_address_and_the_last_request_time() {
        let mut view = TrayView { listening: Some("127.0.0.1:7643".into()), ..TrayView::default() };
        assert_eq!(view.look(), Look::Serving);
        assert_eq!(view.status_line(), "Serving on 127.0.0.1:7643 · no request yet");
        view.last_request = Some("2026-12-01T12:03:04.123Z".into());
        assert_eq!(view.status_line(), "Serving on 127.0.0.1:7643 · last request 12:03:04 UTC");
    }

    #[test]
    fn a_failure_is_a_problem_even_while_the_previous_address_serves() {
        let view = TrayView {
            listening: Some("127.0.0.1:7643".into()),
            problem: Some("127.0.0.1:80 is in use".into()),
            ..TrayView::default()
        };
        assert_eq!(view.look(), Look::Problem);
        assert_eq!(view.status_line(), "Serving on 127.0.0.1:7643 · 127.0.0.1:80 is in use");
        let view = TrayView { listening: None, ..view };
        assert_eq!(view.status_line(), "Not serving: 127.0.0.1:80 is in use");
    }

    #[test]
    fn no_server_and_no_failure_is_stopped() {
        let view = TrayView::default();
        assert_eq!(view.look(), Look::Stopped);
        assert_eq!(view.status_line(), "Stopped");
        assert!(Look::Stopped.icon().is_ok() && Look::Serving.icon().is_ok() && Look::Problem.icon().is_ok());
    }
}
