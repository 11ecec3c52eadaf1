//! The SCIM HTTP server (axum), per source under `/source/scim/{slug}/v2`: a router per kind of
//! resource, merged here; extractors that authorise the source and read the body; the
//! directory's outcomes and errors as responses; a tracking layer that logs and records.

mod discovery;
mod error;
mod extract;
mod groups;
mod request;
mod resources;
mod response;
mod track;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::OriginalUri;
use axum::http::Method;
use axum::middleware;
use axum::Router;
use tokio::sync::oneshot;

pub use error::BindError;
pub use request::MAX_BODY_BYTES;
pub use response::SCIM_JSON;

use crate::scim::ScimError;
use crate::Engine;

/// Where every source's SCIM endpoints live.
const SCIM_BASE: &str = "/source/scim/{slug}/v2";

/// A route under the SCIM base of a source.
fn scim_path(endpoint: &str) -> String {
    format!("{SCIM_BASE}{endpoint}")
}

/// The SCIM routes of every source, with SCIM errors for unknown routes and methods.
pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .merge(users::router())
        .merge(groups::router())
        .merge(discovery::router())
        .fallback(no_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(engine.clone(), track::track))
        .with_state(engine)
}

async fn no_endpoint() -> ScimError {
    ScimError::not_found("no SCIM endpoint at this path; the SCIM Base URL is <address>/source/scim/<slug>/v2")
}

/// axum adds the `Allow` header to this answer.
async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ScimError {
    ScimError::new(405, None, format!("{method} is not allowed on {}", uri.path()))
}

/// A running server; dropping it leaves the server running, [`ServerHandle::stop`] ends it.
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, let requests in flight finish, and return when the server has stopped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Wait until the server stops on its own (it does not, unless it fails).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Bind `addr` and serve the engine's sources there in the background.
pub async fn start(engine: Arc<Engine>, addr: SocketAddr) -> Result<ServerHandle, BindError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| BindError { addr, reason: bind_reason(&e) })?;
    let local = listener.local_addr().map_err(|e| BindError { addr, reason: e.to_string() })?;
    engine.settings().server_started(local);
    let (tx, rx) = oneshot::channel::<()>();
    let app = router(engine.clone());
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the SCIM server stopped");
        }
        // The activity of the last requests is written before `stop` returns.
        if let Err(e) = engine.activity().flush().await {
            tracing::error!(error = %e, "the last activity rows could not be written");
        }
        engine.settings().server_stopped(local);
    });
    Ok(ServerHandle { addr: local, shutdown: Some(tx), task })
}

fn bind_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "the port is already in use by another program".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied (ports below 1024 need administrator rights)".into(),
        std::io::ErrorKind::AddrNotAvailable => "this machine has no such address".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests;
