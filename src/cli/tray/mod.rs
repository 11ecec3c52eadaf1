//! `scimdesk serve --tray` (Linux): ScimDesk with its window closed. The desktop app becomes this
//! program (exec) when its window closes, or at once when started hidden at login: a WebKit
//! window and GTK cost well over 100 MB even with no window shown, this a few tens. It serves
//! SCIM, shows the app's status icon and menu, keeps the app's single-instance name, and tells
//! the admin what the window would (Entra cannot reach ScimDesk, a quiet source, refusals). Open,
//! or a launch of the app, makes this process the app again; Quit stops it.
//!
//! Serving is handed over both ways with the listening socket and the serving lock (see
//! `scimdesk::handover`), so Entra's connections wait in the socket's queue during the switch.

mod item;
mod session;

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use scimdesk::check::ReachChanges;
use scimdesk::handover::{self, Handover};
use scimdesk::server::{Limits, ServerHandle};
use scimdesk::settings::NotificationKind;
use scimdesk::status_icon::{self, StatusView};
use scimdesk::{Claim, Engine, ServerKind, ServingLock};
use tokio::sync::mpsc;

use super::CliError;

/// The desktop app's program, installed beside `scimdesk`.
const APP_PROGRAM: &str = "scimdesk-app";

/// The status line changes at most this often, however fast requests arrive.
const REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// How often a folder served by another process, or a port that could not be bound, is tried again.
const RETRY_INTERVAL: Duration = Duration::from_secs(2);
/// As the window checks: Entra calls about every 40 minutes; a tunnel that went down is noticed
/// well before that.
const CHECK_INTERVAL: Duration = Duration::from_secs(5 * 60);
const HEALTH_INTERVAL: Duration = Duration::from_secs(15);
/// Time for the bus to deliver the answer to a launch's request before exec.
const REPLY_GRACE: Duration = Duration::from_millis(200);

/// What the icon's menu and the app's launches ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Open,
    Quit,
}

/// What this process serves: the folder's lock once it has it, and the server once it listens.
struct Serving {
    lock: Option<ServingLock>,
    server: Option<ServerHandle>,
    addr: SocketAddr,
    limits: Limits,
    /// Why it does not serve, for the status line.
    problem: Option<String>,
    /// Another process serves the folder (with where it listens, when it says).
    served_by: Option<Option<String>>,
}

pub async fn run(
    engine: Arc<Engine>,
    addr: SocketAddr,
    limits: Limits,
    mut handover: Handover,
    from_window: bool,
) -> Result<(), CliError> {
    let shutdown = super::serve::shutdown_signal();
    let (requests_tx, mut requests) = mpsc::unbounded_channel();
    // Fresh from the window (which may have served nothing, attached to the service), whose
    // connection may still hold the app's name for a moment.
    let patient = from_window || !handover.is_empty();
    let session = match session::Session::connect(requests_tx.clone(), patient).await {
        Ok(Some(session)) => Some(session),
        Ok(None) => {
            tracing::info!("ScimDesk already runs in this desktop session: nothing to do");
            return Ok(());
        }
        Err(e) => {
            tracing::warn!(error = %e, "no desktop session bus: serving without a tray icon or notifications");
            None
        }
    };
    reap_children();

    let mut serving = Serving { lock: None, server: None, addr, limits, problem: None, served_by: None };
    serving.take_over(&engine, &mut handover).await;
    serving.try_to_serve(&engine).await;
    let mut view = StatusView { starting: false, ..StatusView::default() };
    serving.show_in(&mut view);
    let icon = match &session {
        Some(_) => item::spawn(view.clone(), requests_tx.clone()).await,
        None => None,
    };

    if from_window && status_icon::tray_notice_due(engine.data_dir()) {
        if let Some(session) = &session {
            session.notify(status_icon::TRAY_NOTICE_TITLE, status_icon::TRAY_NOTICE_BODY).await;
        }
    }

    let mut events = engine.subscribe();
    let watching = engine.watch_public_url(CHECK_INTERVAL);
    let mut reports = watching.reports();
    let mut reach = ReachChanges::default();
    let mut health = engine.watch_health(HEALTH_INTERVAL);
    let mut conditions = health.conditions();
    let mut refresh = tokio::time::interval(REFRESH_INTERVAL);
    let mut retry = tokio::time::interval(RETRY_INTERVAL);
    tokio::pin!(shutdown);
    let mut shown = view.clone();
    loop {
        tokio::select! {
            request = requests.recv() => match request {
                Some(Request::Open) => {
                    let failure = serving.hand_over_to_window(&engine).await;
                    tracing::error!("could not open the window: {failure}");
                    if let Some(session) = &session {
                        session.notify("ScimDesk could not open its window", &failure).await;
                    }
                }
                Some(Request::Quit) | None => break,
            },
            _ = &mut shutdown => break,
            event = events.recv() => match event {
                Ok(event) => view.last_request = Some(event.time),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            Ok(()) = reports.changed() => {
                let report = reports.borrow_and_update().clone();
                view.unreachable = report.as_ref().is_some_and(|r| r.unreachable());
                if let Some(notice) = report.as_ref().and_then(|r| reach.observe(r)) {
                    tracing::warn!("{}: {}", notice.title, notice.message);
                    notify(&engine, session.as_ref(), NotificationKind::PublicUrl, notice.title, &notice.message).await;
                }
            }
            Some(alert) = health.next() => {
                tracing::info!(source = alert.slug(), "{}: {}", alert.title(), alert.message());
                notify(&engine, session.as_ref(), alert.notification_kind(), &alert.title(), &alert.message()).await;
            }
            Ok(()) = conditions.changed() => {
                view.attention = conditions.borrow_and_update().first().map(|alert| alert.title());
            }
            _ = retry.tick(), if serving.server.is_none() => {
                serving.try_to_serve(&engine).await;
            }
            _ = refresh.tick() => {
                serving.show_in(&mut view);
                if view.status_line() != shown.status_line() || view.look() != shown.look() {
                    shown = view.clone();
                    if let Some(icon) = &icon {
                        let now = view.clone();
                        icon.update(move |item| item.view = now).await;
                    }
                }
            }
        }
    }
    serving.stop().await;
    Ok(())
}

/// Notify, unless the admin switched this kind off in Settings.
async fn notify(engine: &Engine, session: Option<&session::Session>, kind: NotificationKind, title: &str, body: &str) {
    let Some(session) = session else { return };
    match engine.settings().notifies(kind) {
        Ok(false) => {}
        Ok(true) => session.notify(title, body).await,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the notification settings; notifying");
            session.notify(title, body).await;
        }
    }
}

impl Serving {
    /// What the window handed over: its lock, and the socket it listened on.
    async fn take_over(&mut self, engine: &Arc<Engine>, handover: &mut Handover) {
        match handover.take_lock(engine.data_dir(), ServerKind::Tray) {
            Some(Ok(lock)) => self.lock = Some(lock),
            Some(Err(e)) => tracing::warn!(error = %e, "the window's serving lock could not be taken over"),
            None => {}
        }
        let Some(listener) = handover.take_listener() else { return };
        if self.lock.is_none() {
            // Someone else serves the folder: do not serve it a second time.
            return;
        }
        match scimdesk::server::start_on(engine.clone(), listener, self.limits).await {
            Ok(server) => self.listening(server),
            Err(e) => self.problem = Some(e.to_string()),
        }
    }

    /// Take the folder's lock if it is free, then listen; what stands in the way is shown.
    async fn try_to_serve(&mut self, engine: &Arc<Engine>) {
        if self.lock.is_none() {
            match engine.claim_serving(ServerKind::Tray) {
                Ok(Claim::Granted(lock)) => {
                    self.lock = Some(lock);
                    self.served_by = None;
                }
                Ok(Claim::Held(server)) => {
                    if self.served_by.is_none() {
                        tracing::info!(
                            ?server,
                            "another ScimDesk process serves this data folder: waiting for it to stop"
                        );
                    }
                    self.served_by = Some(server.and_then(|s| s.listening));
                    return;
                }
                Err(e) => {
                    self.problem = Some(format!("cannot lock the data folder for serving: {e}"));
                    return;
                }
            }
        }
        if self.server.is_none() {
            match scimdesk::server::start_with(engine.clone(), self.addr, self.limits).await {
                Ok(server) => self.listening(server),
                Err(e) => {
                    if self.problem.as_deref() != Some(&e.to_string()) {
                        tracing::warn!("the SCIM server did not start: {e}");
                    }
                    self.problem = Some(e.to_string());
                }
            }
        }
    }

    fn listening(&mut self, server: ServerHandle) {
        tracing::info!(addr = %server.local_addr(), "SCIM server listening");
        if let Some(lock) = &mut self.lock {
            if let Err(e) = lock.set_listening(Some(server.local_addr())) {
                tracing::warn!(error = %e, "could not record where ScimDesk listens");
            }
        }
        self.problem = None;
        self.server = Some(server);
    }

    fn show_in(&self, view: &mut StatusView) {
        view.listening = self.server.as_ref().map(|s| s.local_addr().to_string());
        view.problem = self.problem.clone();
        view.served_by = self.served_by.clone();
    }

    /// Become the desktop app, handing it the socket and the lock. Returns only when that
    /// failed, serving again as before, with what went wrong.
    async fn hand_over_to_window(&mut self, engine: &Arc<Engine>) -> String {
        let Some(program) = handover::sibling_program(APP_PROGRAM) else {
            return format!("{APP_PROGRAM} is not installed beside scimdesk, nor on PATH");
        };
        // A launch of the app that asked for the window waits for the bus's reply to its call:
        // let it go out before this process's connections close with exec.
        tokio::time::sleep(REPLY_GRACE).await;
        let listener = match self.server.take() {
            Some(server) => Some(server.stop_keeping_listener().await),
            None => None,
        };
        if let Err(e) = engine.activity().flush().await {
            tracing::warn!(error = %e, "the last activity rows could not be written");
        }
        tracing::info!(program = %program.display(), "opening the window: this process becomes the ScimDesk app");
        let handover = Handover::new(listener, self.lock.take());
        let data_dir = engine.data_dir().as_os_str();
        let (error, mut back) =
            handover.exec(&program, std::iter::empty::<&OsStr>(), &[("SCIMDESK_DATA_DIR", data_dir)]);
        self.take_over(engine, &mut back).await;
        format!("{}: {error}", program.display())
    }

    async fn stop(self) {
        if let Some(server) = self.server {
            let addr = server.local_addr();
            server.stop().await;
            tracing::info!(%addr, "SCIM server stopped");
        }
        drop(self.lock);
    }
}

/// The window's processes (WebKit's) are children of this process and end once the window's
/// program is gone; reap them as they do, so none is left a zombie.
fn reap_children() {
    let spawned = std::thread::Builder::new().name("reap-children".into()).spawn(|| loop {
        let mut status = 0;
        // SAFETY: waitpid writes only the status integer we pass.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == -1 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            // ECHILD: none left (this program starts none).
            return;
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start reaping the window's processes");
    }
}
