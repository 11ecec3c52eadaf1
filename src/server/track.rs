//! The tracking layer: one log line per request (never headers or bodies), and what the request
//! did, as its handler told it, recorded in its source's Activity.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::extract::{SourceTag, Tagged};
use super::response::RequestRecord;
use crate::activity::RequestActivity;
use crate::Engine;

pub(super) async fn track(State(engine): State<Arc<Engine>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let tag = SourceTag::default();
    req.extensions_mut().insert(tag.clone());
    let mut resp = next.run(req).await;
    let latency = started.elapsed();
    let status = resp.status().as_u16();
    let record = resp.extensions_mut().remove::<RequestRecord>();
    tracing::info!(
        target: "scimdesk::request",
        method = %method,
        path = %path,
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        summary = record.as_ref().map_or("", |r| r.summary.as_str()),
        "request"
    );
    match (record, tag.get()) {
        (Some(record), Some(Tagged::Source(source_id, slug))) => engine.activity().record(RequestActivity {
            source_id: *source_id,
            slug: slug.clone(),
            method,
            path,
            status,
            change: record.change,
            resource_id: record.resource_id,
            summary: record.summary,
            latency,
        }),
        (_, Some(Tagged::UnknownSlug(slug))) => engine.activity().record_unknown_slug(slug),
        _ => {}
    }
    resp
}
