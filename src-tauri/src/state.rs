//! The app's managed state: the engine, its SCIM server, the clipboard, and where files live.
//!
//! One process serves a data folder at a time (see `scimdesk::serving`). The window serves it
//! itself unless the background service (`scimdesk serve`) already does: then the window
//! attaches, manages sources and settings through the shared database, and follows the service's
//! activity log for its live view. When that service stops, the window says so and offers to
//! serve; when it comes back, the window attaches again.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use scimdesk::activity::Following;
use scimdesk::server::ServerHandle;
use scimdesk::{Claim, Engine, ServerKind, ServingLock};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::Mutex;

use crate::clipboard::SecretClipboard;
use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::server_status::ServerStatus;

/// How often an attached window reads the service's new activity rows (the service writes them
/// every 100 ms), and how often it looks whether the service still serves.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(250);
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

pub struct AppState {
    /// The engine, or why it could not be opened (shown in place of the app).
    engine: Result<Arc<Engine>, CommandError>,
    server: Mutex<Server>,
    /// What the tray handed over when this process was it a moment ago (Linux; `to_tray.rs`):
    /// the socket to serve on and the data folder's serving lock.
    #[cfg(target_os = "linux")]
    handover: std::sync::Mutex<scimdesk::handover::Handover>,
    pub clipboard: Arc<SecretClipboard>,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

#[derive(Default)]
struct Server {
    handle: Option<ServerHandle>,
    /// Held while this window serves the data folder.
    lock: Option<ServingLock>,
    /// The address last asked for; kept when binding failed so the window can show it.
    requested: Option<SocketAddr>,
    error: Option<CommandError>,
    starting: bool,
    /// Another process serves the data folder, and the window follows its activity.
    attached: Option<Attached>,
    /// The process the window was attached to stopped; nothing serves until the admin says so.
    service_stopped: bool,
}

struct Attached {
    /// `None` while it has not said who it is (it is starting).
    server: Option<scimdesk::Server>,
    _following: Following,
}

impl AppState {
    pub fn new(
        engine: Result<Arc<Engine>, CommandError>,
        clipboard: SecretClipboard,
        data_dir: PathBuf,
        log_dir: PathBuf,
    ) -> Self {
        let server = Server { starting: engine.is_ok(), ..Server::default() };
        AppState {
            engine,
            server: Mutex::new(server),
            #[cfg(target_os = "linux")]
            handover: std::sync::Mutex::default(),
            clipboard: Arc::new(clipboard),
            data_dir,
            log_dir,
        }
    }

    /// Serve on what the tray handed over (Linux), when this process was the tray a moment ago.
    #[cfg(target_os = "linux")]
    pub fn handed_over(self, handover: scimdesk::handover::Handover) -> Self {
        *self.handover.lock().unwrap_or_else(|e| e.into_inner()) = handover;
        self
    }

    /// The serving lock the tray handed over, held again by the window.
    fn handed_lock(&self) -> Option<std::io::Result<ServingLock>> {
        #[cfg(target_os = "linux")]
        return self.handover.lock().unwrap_or_else(|e| e.into_inner()).take_lock(&self.data_dir, ServerKind::Window);
        #[cfg(not(target_os = "linux"))]
        None
    }

    /// The socket the tray listened on.
    fn handed_listener(&self) -> Option<std::net::TcpListener> {
        #[cfg(target_os = "linux")]
        return self.handover.lock().unwrap_or_else(|e| e.into_inner()).take_listener();
        #[cfg(not(target_os = "linux"))]
        None
    }

    /// Stop serving (requests in flight finish) and give up the socket and the lock, for the tray
    /// program this process is about to become.
    #[cfg(target_os = "linux")]
    pub async fn hand_over(&self) -> scimdesk::handover::Handover {
        let (handle, lock) = {
            let mut server = self.server.lock().await;
            server.attached = None;
            (server.handle.take(), server.lock.take())
        };
        let listener = match handle {
            Some(handle) => Some(handle.stop_keeping_listener().await),
            None => None,
        };
        tracing::info!("the window closed: ScimDesk becomes the tray program, which serves on");
        scimdesk::handover::Handover::new(listener, lock)
    }

    /// The tray program could not be started: serve again on what was to be handed over.
    #[cfg(target_os = "linux")]
    pub async fn take_back(&self, app: &AppHandle, handover: scimdesk::handover::Handover) {
        *self.handover.lock().unwrap_or_else(|e| e.into_inner()) = handover;
        self.serve_or_attach(app).await;
    }

    pub fn engine(&self) -> CommandResult<&Arc<Engine>> {
        self.engine.as_ref().map_err(Clone::clone)
    }

    pub async fn server_status(&self) -> CommandResult<ServerStatus> {
        let engine = self.engine()?;
        let public_url = engine.settings().current()?.public_url;
        let server = self.server.lock().await;
        Ok(ServerStatus {
            starting: server.starting,
            listening: server.handle.as_ref().map(|h| h.local_addr().to_string()),
            requested: server.requested.map(|a| a.to_string()),
            error: server.error.clone(),
            public_url,
            bind_from_environment: std::env::var_os("SCIMDESK_BIND").is_some(),
            attached: server.attached.is_some(),
            served_by: server.attached.as_ref().and_then(|a| a.server.clone()),
            service_stopped: server.service_stopped,
        })
    }

    /// At start-up: serve the data folder, or attach to the process that serves it; then keep
    /// watching that process for as long as the app runs.
    pub async fn start_initial(&self, app: &AppHandle) {
        self.serve_or_attach(app).await;
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                tokio::time::sleep(WATCH_INTERVAL).await;
                app.state::<AppState>().watch_service(&app).await;
            }
        });
    }

    /// Serve from this window (the admin's choice after the service stopped), unless another
    /// process serves the data folder by now: then attach to it.
    pub async fn serve_here(&self, app: &AppHandle) -> CommandResult<ServerStatus> {
        if self.server.lock().await.lock.is_none() {
            self.serve_or_attach(app).await;
        }
        self.server_status().await
    }

    async fn serve_or_attach(&self, app: &AppHandle) {
        let Ok(engine) = self.engine() else { return };
        let claim = match self.handed_lock() {
            Some(lock) => lock.map(Claim::Granted),
            None => engine.claim_serving(ServerKind::Window),
        };
        match claim {
            Ok(Claim::Held(server)) => {
                let mut state = self.server.lock().await;
                state.starting = false;
                self.attach(&mut state, server);
                drop(state);
                self.announce(app).await;
            }
            Ok(Claim::Granted(lock)) => {
                {
                    let mut state = self.server.lock().await;
                    state.lock = Some(lock);
                    state.attached = None;
                    state.service_stopped = false;
                }
                self.start_serving(app).await;
            }
            Err(e) => {
                // Serving matters more than knowing who else might: serve without the lock.
                tracing::warn!(error = %e, "could not lock the data folder for serving");
                self.start_serving(app).await;
            }
        }
    }

    fn attach(&self, state: &mut Server, server: Option<scimdesk::Server>) {
        let following = match self.engine().map(|e| e.activity().follow(FOLLOW_INTERVAL)) {
            Ok(Ok(following)) => following,
            Ok(Err(e)) => {
                state.error = Some(CommandError::from(scimdesk::EngineError::Store(e)));
                return;
            }
            Err(e) => {
                state.error = Some(e);
                return;
            }
        };
        tracing::info!(?server, "another ScimDesk process serves this data folder: the window attaches to it");
        state.attached = Some(Attached { server, _following: following });
        state.service_stopped = false;
        state.error = None;
    }

    /// Once a second: has the process the window is attached to stopped, changed address, or
    /// (after it stopped) come back?
    async fn watch_service(&self, app: &AppHandle) {
        let Ok(engine) = self.engine() else { return };
        let mut state = self.server.lock().await;
        if state.lock.is_some() || state.starting {
            return;
        }
        let now = match engine.serving_process() {
            Ok(now) => now,
            Err(e) => {
                tracing::debug!(error = %e, "could not look who serves the data folder");
                return;
            }
        };
        match (now, &mut state.attached) {
            (Some(server), Some(attached)) if attached.server == server => return,
            (Some(server), Some(attached)) => attached.server = server,
            (Some(server), None) => self.attach(&mut state, server),
            (None, Some(_)) => {
                tracing::warn!("the ScimDesk process this window was attached to stopped: nothing serves Entra now");
                state.attached = None;
                state.service_stopped = true;
            }
            (None, None) => return,
        }
        drop(state);
        self.announce(app).await;
    }

    /// Listen where the settings (or `SCIMDESK_BIND`) say.
    async fn start_serving(&self, app: &AppHandle) {
        let addr = match self.initial_bind().await {
            Ok(addr) => addr,
            Err(e) => {
                let mut server = self.server.lock().await;
                server.starting = false;
                server.error = Some(e);
                drop(server);
                self.announce(app).await;
                return;
            }
        };
        if let Err(e) = self.listen(addr).await {
            tracing::warn!(error = %e.message, "the SCIM server did not start");
        }
        self.announce(app).await;
    }

    async fn initial_bind(&self) -> CommandResult<SocketAddr> {
        if let Ok(bind) = std::env::var("SCIMDESK_BIND") {
            return Ok(scimdesk::settings::parse_bind(&bind)?);
        }
        Ok(self.engine()?.settings().current()?.bind)
    }

    /// Move the server to `addr` and save it as the bind setting. When `addr` cannot be bound,
    /// the server goes back to where it was and the error says why.
    pub async fn restart(&self, app: &AppHandle, addr: SocketAddr) -> CommandResult<ServerStatus> {
        let engine = self.engine()?.clone();
        if self.server.lock().await.attached.is_some() {
            return Err(CommandError::new(
                ErrorKind::ServedElsewhere,
                format!(
                    "the background service serves this data folder, so it chooses where to listen: run `scimdesk config set bind {addr}` and restart the service"
                ),
            ));
        }
        let previous = {
            let mut server = self.server.lock().await;
            let previous = server.handle.as_ref().map(|h| h.local_addr());
            if let Some(handle) = server.handle.take() {
                handle.stop().await;
            }
            previous
        };
        let result = self.listen(addr).await;
        match &result {
            Ok(()) => engine.settings().set_bind(addr).await?,
            Err(_) => {
                if let Some(prev) = previous {
                    let _ = self.listen(prev).await;
                    // Keep the failure visible for the address the admin asked for.
                    let mut server = self.server.lock().await;
                    server.error = result.clone().err();
                    server.requested = Some(addr);
                }
            }
        }
        self.announce(app).await;
        result?;
        self.server_status().await
    }

    async fn listen(&self, addr: SocketAddr) -> CommandResult<()> {
        let engine = self.engine()?.clone();
        let mut server = self.server.lock().await;
        server.requested = Some(addr);
        let result = match self.handed_listener() {
            Some(listener) => scimdesk::server::start_on(engine, listener, Default::default()).await,
            None => scimdesk::server::start(engine, addr).await,
        };
        server.starting = false;
        match result {
            Ok(handle) => {
                tracing::info!(addr = %handle.local_addr(), "SCIM server listening");
                if let Some(lock) = &mut server.lock {
                    if let Err(e) = lock.set_listening(Some(handle.local_addr())) {
                        tracing::warn!(error = %e, "could not record where this window listens");
                    }
                }
                server.handle = Some(handle);
                server.error = None;
                Ok(())
            }
            Err(e) => {
                let err = CommandError::from(e);
                server.error = Some(err.clone());
                Err(err)
            }
        }
    }

    /// Stop the server gracefully (requests in flight finish), and free the data folder for the
    /// background service; on Quit.
    pub async fn stop_server(&self) {
        let (handle, lock) = {
            let mut server = self.server.lock().await;
            (server.handle.take(), server.lock.take())
        };
        if let Some(handle) = handle {
            let addr = handle.local_addr();
            handle.stop().await;
            tracing::info!(%addr, "SCIM server stopped");
        }
        drop(lock);
    }

    /// Tell the window and the tray where the server listens, or why it does not.
    pub async fn announce(&self, app: &AppHandle) {
        if let Ok(status) = self.server_status().await {
            crate::tray::server_changed(app, &status);
            let _ = status.emit(app);
        }
    }
}
