//! The app's managed state: the engine, its SCIM server, the clipboard, and where files live.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use scimdesk::server::ServerHandle;
use scimdesk::Engine;
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::Mutex;

use crate::clipboard::SecretClipboard;
use crate::error::{CommandError, CommandResult};
use crate::server_status::ServerStatus;

pub struct AppState {
    /// The engine, or why it could not be opened (shown in place of the app).
    engine: Result<Arc<Engine>, CommandError>,
    server: Mutex<Server>,
    pub clipboard: Arc<SecretClipboard>,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

#[derive(Default)]
struct Server {
    handle: Option<ServerHandle>,
    /// The address last asked for; kept when binding failed so the window can show it.
    requested: Option<SocketAddr>,
    error: Option<CommandError>,
    starting: bool,
}

impl AppState {
    pub fn new(
        engine: Result<Arc<Engine>, CommandError>,
        clipboard: SecretClipboard,
        data_dir: PathBuf,
        log_dir: PathBuf,
    ) -> Self {
        let server = Server { starting: engine.is_ok(), ..Server::default() };
        AppState { engine, server: Mutex::new(server), clipboard: Arc::new(clipboard), data_dir, log_dir }
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
        })
    }

    /// Start the server at start-up: `SCIMDESK_BIND` if set, else the saved setting.
    pub async fn start_initial(&self, app: &AppHandle) {
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
        let result = scimdesk::server::start(engine, addr).await;
        server.starting = false;
        match result {
            Ok(handle) => {
                tracing::info!(addr = %handle.local_addr(), "SCIM server listening");
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

    /// Stop the server gracefully (requests in flight finish); on Quit.
    pub async fn stop_server(&self) {
        let handle = self.server.lock().await.handle.take();
        if let Some(handle) = handle {
            let addr = handle.local_addr();
            handle.stop().await;
            tracing::info!(%addr, "SCIM server stopped");
        }
    }

    /// Tell the window and the tray where the server listens, or why it does not.
    pub async fn announce(&self, app: &AppHandle) {
        if let Ok(status) = self.server_status().await {
            crate::tray::server_changed(app, &status);
            let _ = status.emit(app);
        }
    }
}
