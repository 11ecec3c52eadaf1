//! The SCIM HTTP server (axum), per source under `/source/scim/{slug}/v2`: a router per kind of
//! resource, merged here; extractors that authorise the source and read the body; the
//! directory's outcomes and errors as responses; a tracking layer that logs and records.

mod bulk;
mod check;
mod connections;
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
use std::time::Duration;

use axum::extract::{FromRef, OriginalUri};
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

/// What one client or source may hold of the server. The defaults suit Entra through a tunnel;
/// `scimdesk serve` can change them (see its `--help`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From the first byte of a request's head to its end (a slow or stalled sender is cut).
    pub header_read_timeout: Duration,
    /// From a request's head to the end of its body (408 after).
    pub body_read_timeout: Duration,
    /// A keep-alive connection with no request for this long is closed. Longer than the tunnels'
    /// and Entra's own idle times (90 s, 2 min), so that ScimDesk never closes a connection they
    /// are about to reuse.
    pub idle_timeout: Duration,
    /// Connections open at once; at the limit the oldest that never sent a request (else the one
    /// idle the longest) makes room. Each is a file descriptor: the server raises its own limit
    /// of open files to fit (Linux and macOS allow that up to the hard limit).
    pub max_connections: usize,
    /// Requests of one source served at once; more wait their turn, so that one source's burst
    /// cannot crowd out another's requests, nor hold more than this many places in the
    /// writer's queue. Enough for the writes that arrive together to share one commit (group
    /// commit): 8 cut the throughput of POST /Users by half at 32 connections.
    pub requests_per_source: usize,
    /// How long a request waits for its turn before it is answered 429 (Entra retries later).
    pub queue_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(15),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(150),
            max_connections: 4096,
            requests_per_source: 32,
            queue_timeout: Duration::from_secs(30),
        }
    }
}

/// The router's state: the engine, each source's places for requests in flight, and the bulk
/// lane for the largest requests.
#[derive(Clone)]
struct ServerState {
    engine: Arc<Engine>,
    limits: Limits,
    in_flight: Arc<extract::InFlight>,
    bulk: Arc<bulk::BulkLane>,
}

impl FromRef<ServerState> for Arc<Engine> {
    fn from_ref(state: &ServerState) -> Self {
        state.engine.clone()
    }
}

impl FromRef<ServerState> for Arc<bulk::BulkLane> {
    fn from_ref(state: &ServerState) -> Self {
        state.bulk.clone()
    }
}

/// The SCIM routes of every source, with SCIM errors for unknown routes and methods.
pub fn router(engine: Arc<Engine>) -> Router {
    router_with(engine, Limits::default())
}

fn router_with(engine: Arc<Engine>, limits: Limits) -> Router {
    let state = ServerState {
        engine: engine.clone(),
        limits,
        in_flight: Arc::new(extract::InFlight::new(limits)),
        bulk: Arc::new(bulk::BulkLane::start()),
    };
    Router::new()
        .merge(users::router())
        .merge(groups::router())
        .merge(discovery::router())
        .route(&scim_path("/.search"), axum::routing::post(resources::search_all))
        .fallback(no_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            (engine.clone(), Arc::new(check::CheckBudget::default())),
            check::answer_check,
        ))
        .layer(middleware::from_fn_with_state(engine, track::track))
        .with_state(state)
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
    /// The listening socket, kept so that it can be handed to the next program of this process
    /// ([`ServerHandle::stop_keeping_listener`]); closed with the handle otherwise.
    listener: std::net::TcpListener,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, let requests in flight finish, and return when the server has stopped.
    pub async fn stop(self) {
        drop(self.stop_keeping_listener().await);
    }

    /// [`ServerHandle::stop`], but the socket stays open and listening: connections that arrive
    /// now wait in its queue for whoever serves it next ([`start_on`], in the program this
    /// process becomes).
    pub async fn stop_keeping_listener(mut self) -> std::net::TcpListener {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.listener
    }

    /// Wait until the server stops on its own (it does not, unless it fails).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Bind `addr` and serve the engine's sources there in the background, with the default limits.
pub async fn start(engine: Arc<Engine>, addr: SocketAddr) -> Result<ServerHandle, BindError> {
    start_with(engine, addr, Limits::default()).await
}

/// [`start`] with other [`Limits`].
pub async fn start_with(engine: Arc<Engine>, addr: SocketAddr, limits: Limits) -> Result<ServerHandle, BindError> {
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| BindError { addr, reason: bind_reason(&e) })?;
    let listener = listener.into_std().map_err(|e| BindError { addr, reason: e.to_string() })?;
    start_on(engine, listener, limits).await
}

/// Serve the engine's sources on `listener`, a socket already bound and listening (handed over by
/// the program this process ran before; see [`crate::handover`]).
pub async fn start_on(
    engine: Arc<Engine>,
    listener: std::net::TcpListener,
    limits: Limits,
) -> Result<ServerHandle, BindError> {
    let unknown = SocketAddr::from(([0, 0, 0, 0], 0));
    let local = listener.local_addr().map_err(|e| BindError { addr: unknown, reason: e.to_string() })?;
    let failed = |e: std::io::Error| BindError { addr: local, reason: e.to_string() };
    let kept = listener.try_clone().map_err(failed)?;
    listener.set_nonblocking(true).map_err(failed)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(failed)?;
    engine.settings().server_started(local);
    // The refusal counters go on from what the log holds now (a server that stopped before this
    // one started wrote its last rows at its stop).
    if let Err(e) = engine.activity().recount_refused() {
        tracing::warn!(error = %e, "the refusal counters could not be read from the activity log");
    }
    let (tx, rx) = oneshot::channel::<()>();
    let app = router_with(engine.clone(), limits);
    let task = tokio::spawn(async move {
        connections::serve(listener, app, limits, async {
            let _ = rx.await;
        })
        .await;
        // The activity of the last requests is written before `stop` returns.
        if let Err(e) = engine.activity().flush().await {
            tracing::error!(error = %e, "the last activity rows could not be written");
        }
        engine.settings().server_stopped(local);
    });
    Ok(ServerHandle { addr: local, shutdown: Some(tx), task, listener: kept })
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
