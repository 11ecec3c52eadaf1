//! The SCIM HTTP server (axum): per source under `/source/scim/{slug}/v2`. Handlers stay thin;
//! the tracking layer logs one line per request and turns each into an activity row and event.

mod auth;
mod discovery;
mod request;
mod resources;
mod response;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;

pub use request::MAX_BODY_BYTES;
use response::{error_response, RequestRecord};

use crate::error::{EngineError, Result};
use crate::events::ProvisioningEvent;
use crate::scim::{ResourceKind, ScimError};
use crate::store::ActivityEntry;
use crate::Engine;

/// The SCIM routes of every source, with tracking and SCIM errors for unknown routes and methods.
pub fn router(engine: Arc<Engine>) -> Router {
    use resources as r;
    let base = "/source/scim/{slug}/v2";
    let mut router = Router::new();
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let endpoint = format!("{base}/{}", kind.endpoint());
        router = router
            .route(&endpoint, get(move |s, p, h, q| r::list(s, p, h, q, kind)).post(move |s, p, h, b| r::create(s, p, h, kind, b)))
            .route(
                &format!("{endpoint}/{{id}}"),
                get(move |s, p, h, q| r::get(s, p, h, q, kind))
                    .put(move |s, p, h, q, b| r::replace(s, p, h, q, kind, b))
                    .patch(move |s, p, h, q, b| r::patch(s, p, h, q, kind, b))
                    .delete(move |s, p, h| r::delete(s, p, h, kind)),
            );
    }
    router
        .route(&format!("{base}/ServiceProviderConfig"), get(discovery::service_provider_config))
        .route(&format!("{base}/Schemas"), get(discovery::schemas))
        .route(&format!("{base}/Schemas/{{uri}}"), get(discovery::schema))
        .route(&format!("{base}/ResourceTypes"), get(discovery::resource_types))
        .route(&format!("{base}/ResourceTypes/{{name}}"), get(discovery::resource_type))
        .fallback(|| async {
            error_response(&ScimError::not_found(
                "no SCIM endpoint at this path; the SCIM Base URL is <address>/source/scim/<slug>/v2",
            ))
        })
        .layer(middleware::from_fn_with_state(engine.clone(), track))
        .with_state(engine)
}

/// Log one line per request (never headers or bodies), answer 405s in the SCIM format, and
/// record what the request did as an activity row and a ProvisioningEvent.
async fn track(State(engine): State<Arc<Engine>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED && !resp.headers().contains_key(header::CONTENT_TYPE) {
        let allow = resp.headers().get(header::ALLOW).cloned();
        resp = error_response(&ScimError::new(405, None, format!("{method} is not allowed on {path}")));
        if let Some(allow) = allow {
            resp.headers_mut().insert(header::ALLOW, allow);
        }
    } else if resp.status().is_client_error() && !is_scim(&resp) {
        // An extractor's rejection (e.g. a path segment that is not UTF-8) answers in plain text;
        // clients get every error in the SCIM format.
        resp = scim_rejection(resp).await;
    }
    let latency = started.elapsed();
    let status = resp.status().as_u16();
    let record = resp.extensions_mut().remove::<RequestRecord>();
    let summary = record.as_ref().map(|r| r.summary.as_str()).unwrap_or("");
    tracing::info!(
        target: "scimdesk::request",
        method = %method,
        path = %path,
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        summary,
        "request"
    );
    if let Some(record) = record {
        let time = crate::store::now();
        if let Some(source_id) = record.source_id {
            engine.store().record_activity(
                source_id,
                ActivityEntry {
                    id: 0,
                    time: time.clone(),
                    method: method.clone(),
                    path: path.clone(),
                    status: status as i64,
                    summary: record.summary.clone(),
                    latency_us: latency.as_micros() as i64,
                    change: record.change.clone(),
                },
            );
            engine.events.publish(ProvisioningEvent {
                seq: 0,
                source: record.slug,
                time,
                method,
                path,
                status,
                change: record.change,
                resource_id: record.resource_id,
                summary: record.summary,
                latency_ms: latency.as_secs_f64() * 1000.0,
            });
        }
    }
    resp
}

fn is_scim(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with(response::SCIM_JSON))
}

/// A plain-text client error turned into a SCIM error with the same status and its text as detail.
async fn scim_rejection(resp: Response) -> Response {
    let status = resp.status().as_u16();
    let text = axum::body::to_bytes(resp.into_body(), 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let detail = match text.trim() {
        "" => format!("the request was refused ({status})"),
        t => format!("the request was refused: {t}"),
    };
    error_response(&ScimError::new(status, None, detail))
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

impl Engine {
    /// Bind `addr` and serve SCIM there in the background.
    pub async fn start_server(self: &Arc<Self>, addr: SocketAddr) -> Result<ServerHandle> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| EngineError::Bind { addr, reason: bind_reason(&e) })?;
        let local = listener.local_addr().map_err(|e| EngineError::Bind { addr, reason: e.to_string() })?;
        *self.listen_addr.lock().expect("listen addr lock") = Some(local);
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(self.clone());
        let engine = self.clone();
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
            if let Err(e) = engine.store().flush_activity().await {
                tracing::error!(error = %e, "the last activity rows could not be written");
            }
            let mut listen = engine.listen_addr.lock().expect("listen addr lock");
            if *listen == Some(local) {
                *listen = None;
            }
        });
        Ok(ServerHandle { addr: local, shutdown: Some(tx), task })
    }
}

fn bind_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "the port is already in use by another program".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied (ports below 1024 need administrator rights)".into(),
        std::io::ErrorKind::AddrNotAvailable => "this machine has no such address".into(),
        _ => e.to_string(),
    }
}
