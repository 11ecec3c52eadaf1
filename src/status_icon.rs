//! What ScimDesk's status icon shows (the desktop app's tray, and `scimdesk serve --tray` that the
//! app becomes with its window closed): its look (serving, problem, stopped) and the status line
//! of its menu, from what is known of the server.

use std::path::Path;

/// In the data folder once the admin has been told that closing the window keeps serving.
const TRAY_NOTICE_FILE: &str = "tray-notice-shown";

/// The notice shown the first time the window closes.
pub const TRAY_NOTICE_TITLE: &str = "ScimDesk keeps serving from the tray";
pub const TRAY_NOTICE_BODY: &str =
    "Entra ID can still reach ScimDesk. Open it again, or quit it, from its icon in the tray.";

/// True once per data folder, the first time the window closes: the admin is told that ScimDesk
/// keeps serving from the tray (and it is recorded in the folder).
pub fn tray_notice_due(data_dir: &Path) -> bool {
    let marker = data_dir.join(TRAY_NOTICE_FILE);
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&marker) {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) => {
            tracing::warn!(error = %e, path = %marker.display(), "cannot record that the tray notice was shown");
            false
        }
    }
}

/// What the icon shows, in order of how much it needs the admin's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Serving,
    Problem,
    Stopped,
}

impl Look {
    /// The icon, as PNG.
    pub fn png(self) -> &'static [u8] {
        match self {
            Look::Serving => include_bytes!("../icons/tray/serving.png"),
            Look::Problem => include_bytes!("../icons/tray/problem.png"),
            Look::Stopped => include_bytes!("../icons/tray/stopped.png"),
        }
    }

    /// A name for the icon's file (`scimdesk-serving`).
    pub fn name(self) -> &'static str {
        match self {
            Look::Serving => "scimdesk-serving",
            Look::Problem => "scimdesk-problem",
            Look::Stopped => "scimdesk-stopped",
        }
    }
}

/// What the tray knows of the server, from its status events and the provisioning batches.
#[derive(Debug, Default, Clone)]
pub struct StatusView {
    pub listening: Option<String>,
    /// Another process serves the data folder (`Some`, with where it listens if known).
    pub served_by: Option<Option<String>>,
    /// The process the window was attached to stopped.
    pub service_stopped: bool,
    /// A public URL is set and the last check could not reach ScimDesk through it.
    pub unreachable: bool,
    /// What needs the admin now (a quiet source, refused requests), the first of them.
    pub attention: Option<String>,
    pub problem: Option<String>,
    pub starting: bool,
    /// RFC 3339 time of the last SCIM request (the engine's event time, UTC).
    pub last_request: Option<String>,
}

impl StatusView {
    pub fn look(&self) -> Look {
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

    pub fn status_line(&self) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tray_notice_is_due_once_per_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(tray_notice_due(dir.path()));
        assert!(!tray_notice_due(dir.path()));
    }

    #[test]
    fn attached_to_the_service_the_tray_says_so_and_warns_when_it_stops() {
        let mut view = StatusView { served_by: Some(Some("127.0.0.1:7643".into())), ..StatusView::default() };
        assert_eq!(view.look(), Look::Serving);
        assert_eq!(view.status_line(), "Background service on 127.0.0.1:7643 · no request yet");
        view = StatusView { service_stopped: true, ..StatusView::default() };
        assert_eq!(view.look(), Look::Problem);
        assert_eq!(view.status_line(), "Not serving: the background service stopped");
    }

    #[test]
    fn a_public_url_entra_cannot_reach_is_a_problem() {
        let view = StatusView { listening: Some("127.0.0.1:7643".into()), unreachable: true, ..StatusView::default() };
        assert_eq!(view.look(), Look::Problem);
        assert_eq!(view.status_line(), "Entra cannot reach ScimDesk through the public URL");
    }

    #[test]
    fn the_status_line_shows_the_address_and_the_last_request_time() {
        let mut view = StatusView { listening: Some("127.0.0.1:7643".into()), ..StatusView::default() };
        assert_eq!(view.look(), Look::Serving);
        assert_eq!(view.status_line(), "Serving on 127.0.0.1:7643 · no request yet");
        view.last_request = Some("2026-12-01T12:03:04.123Z".into());
        assert_eq!(view.status_line(), "Serving on 127.0.0.1:7643 · last request 12:03:04 UTC");
    }

    #[test]
    fn a_failure_is_a_problem_even_while_the_previous_address_serves() {
        let view = StatusView {
            listening: Some("127.0.0.1:7643".into()),
            problem: Some("127.0.0.1:80 is in use".into()),
            ..StatusView::default()
        };
        assert_eq!(view.look(), Look::Problem);
        assert_eq!(view.status_line(), "Serving on 127.0.0.1:7643 · 127.0.0.1:80 is in use");
        let view = StatusView { listening: None, ..view };
        assert_eq!(view.status_line(), "Not serving: 127.0.0.1:80 is in use");
    }

    #[test]
    fn no_server_and_no_failure_is_stopped() {
        let view = StatusView::default();
        assert_eq!(view.look(), Look::Stopped);
        assert_eq!(view.status_line(), "Stopped");
        assert!([Look::Stopped, Look::Serving, Look::Problem].iter().all(|l| l.png().starts_with(b"\x89PNG")));
    }
}
