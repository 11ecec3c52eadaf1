//! Handlers for `/Users` and `/Groups`: thin adapters from HTTP to the directory.

use std::future::Future;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::request::{list_request, not_modified, parse_query, precondition, query_param, read_json};
use super::response::{outcome_response, refused};
use crate::directory::{Outcome, SourceRef};
use crate::scim::{ResourceKind, ScimError};
use crate::Engine;

/// The SCIM Base URL of a source as this request reached it: the public URL when one is set,
/// else the Host the client used.
async fn base_url(engine: &Engine, slug: &str, headers: &HeaderMap) -> String {
    let public = engine.public_url().await;
    let root = match public {
        Some(url) => url,
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
                .map(str::to_string)
                .or_else(|| engine.listen_addr().map(|a| a.to_string()))
                .unwrap_or_else(|| "localhost".into());
            format!("http://{host}")
        }
    };
    format!("{root}/source/scim/{slug}/v2")
}

/// Authorise, run `op`, and answer with its outcome or its SCIM error.
pub(super) async fn handle<F, Fut>(engine: &Arc<Engine>, slug: &str, headers: &HeaderMap, op: F) -> Response
where
    F: FnOnce(SourceRef) -> Fut,
    Fut: Future<Output = Result<Outcome, ScimError>>,
{
    let base = base_url(engine, slug, headers).await;
    let source = match engine.authorize(slug, headers, base).await {
        Ok(s) => s,
        Err(r) => return refused(&r.error, r.source_id, slug),
    };
    let (source_id, slug) = (source.id, source.slug.clone());
    match op(source).await {
        Ok(outcome) => outcome_response(outcome, source_id, &slug),
        Err(e) => refused(&e, Some(source_id), &slug),
    }
}

pub async fn list(State(engine): State<Arc<Engine>>, Path(slug): Path<String>, headers: HeaderMap, RawQuery(q): RawQuery, kind: ResourceKind) -> Response {
    let params = parse_query(q.as_deref());
    let e = engine.clone();
    handle(&engine, &slug, &headers, |source| async move {
        let req = list_request(&params)?;
        e.directory().list(&source, kind, &req).await
    })
    .await
}

pub async fn create(State(engine): State<Arc<Engine>>, Path(slug): Path<String>, headers: HeaderMap, kind: ResourceKind, body: Body) -> Response {
    let h = &headers;
    let e = engine.clone();
    handle(&engine, &slug, &headers, |source| async move {
        let body = read_json(h, body).await?;
        match kind {
            ResourceKind::User => e.directory().create_user(&source, body).await,
            ResourceKind::Group => e.directory().create_group(&source, body).await,
        }
    })
    .await
}

pub async fn get(
    State(engine): State<Arc<Engine>>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    kind: ResourceKind,
) -> Response {
    let params = parse_query(q.as_deref());
    let h = &headers;
    let e = engine.clone();
    let mut resp = handle(&engine, &slug, &headers, |source| async move {
        let (attributes, excluded) = crate::directory::selection(
            kind,
            query_param(&params, "attributes").as_deref(),
            query_param(&params, "excludedAttributes").as_deref(),
        )?;
        let summary = format!("read {} {id}", kind.as_str().to_lowercase());
        let (version, id, body) = e.directory().get(&source, kind, &id, &attributes, &excluded).await?;
        // A cached copy that is still current: no body. Recorded as the read it is.
        let body = (!not_modified(h, version)).then_some(body);
        Ok(Outcome { resource_id: Some(id), ..Outcome::read(body, Some(version), summary) })
    })
    .await;
    // A GET without a body is a 304 (no other GET answers 204).
    if resp.status() == StatusCode::NO_CONTENT {
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        resp.headers_mut().remove(axum::http::header::CONTENT_TYPE);
    }
    resp
}

pub async fn replace(
    State(engine): State<Arc<Engine>>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    kind: ResourceKind,
    body: Body,
) -> Response {
    let h = &headers;
    let e = engine.clone();
    handle(&engine, &slug, &headers, |source| async move {
        let body = read_json(h, body).await?;
        let pre = precondition(h);
        match kind {
            ResourceKind::User => e.directory().replace_user(&source, &id, body, pre).await,
            ResourceKind::Group => {
                let outcome = e.directory().replace_group(&source, &id, body, pre).await?;
                with_group_body(&e, &source, &id, q.as_deref(), outcome, true).await
            }
        }
    })
    .await
}

pub async fn patch(
    State(engine): State<Arc<Engine>>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    kind: ResourceKind,
    body: Body,
) -> Response {
    let h = &headers;
    let e = engine.clone();
    handle(&engine, &slug, &headers, |source| async move {
        let body = read_json(h, body).await?;
        let pre = precondition(h);
        match kind {
            ResourceKind::User => e.directory().patch_user(&source, &id, &body, pre).await,
            ResourceKind::Group => {
                let outcome = e.directory().patch_group(&source, &id, &body, pre).await?;
                with_group_body(&e, &source, &id, q.as_deref(), outcome, false).await
            }
        }
    })
    .await
}

/// Group PATCH answers 204 (members of a large group are not read back) unless the client asked
/// for attributes; PUT answers 200 with the group, as RFC 7644 §3.5.1 requires.
async fn with_group_body(
    engine: &Engine,
    source: &SourceRef,
    id: &str,
    query: Option<&str>,
    mut outcome: Outcome,
    always: bool,
) -> Result<Outcome, ScimError> {
    let params = parse_query(query);
    let attributes = query_param(&params, "attributes");
    let excluded = query_param(&params, "excludedAttributes");
    if !always && attributes.is_none() && excluded.is_none() {
        return Ok(outcome);
    }
    let kind = ResourceKind::Group;
    let (attributes, excluded) = crate::directory::selection(kind, attributes.as_deref(), excluded.as_deref())?;
    let (version, _, body) = engine.directory().get(source, kind, id, &attributes, &excluded).await?;
    outcome.version = Some(version);
    outcome.body = Some(body);
    Ok(outcome)
}

pub async fn delete(State(engine): State<Arc<Engine>>, Path((slug, id)): Path<(String, String)>, headers: HeaderMap, kind: ResourceKind) -> Response {
    let h = &headers;
    let e = engine.clone();
    handle(&engine, &slug, &headers, |source| async move {
        let pre = precondition(h);
        match kind {
            ResourceKind::User => e.directory().delete_user(&source, &id, pre).await,
            ResourceKind::Group => e.directory().delete_group(&source, &id, pre).await,
        }
    })
    .await
}
