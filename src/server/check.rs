//! The answer to a reachability check: a request at a source's SCIM Base URL carrying a check
//! code (see `check::proof`) gets the proof made with the data folder's check secret, and no
//! token is needed or looked at. Nothing in the directory is read or changed; the request is
//! recorded in the source's Activity as a check.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::extract::SourceTag;
use super::response::RequestRecord;
use crate::change::Change;
use crate::check::proof::{self, CHECK_HEADER, PROOF_HEADER};
use crate::Engine;

pub(super) async fn answer_check(State(engine): State<Arc<Engine>>, req: Request, next: Next) -> Response {
    let code = req.headers().get(CHECK_HEADER).and_then(|v| v.to_str().ok()).filter(|c| proof::is_code(c));
    let slug = req.uri().path().strip_prefix("/source/scim/").and_then(|rest| rest.split('/').next());
    let (Some(code), Some(slug)) = (code, slug) else { return next.run(req).await };
    let secret = match engine.settings().check_secret().await {
        Ok(secret) => secret,
        Err(e) => {
            tracing::error!(error = %e, "the check secret could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if let (Ok(source), Some(tag)) = (engine.sources().source_ref(slug), req.extensions().get::<SourceTag>()) {
        tag.set(source.id, &source.slug);
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let proof = HeaderValue::from_str(&proof::proof(&secret, code)).expect("hex is a header value");
    resp.headers_mut().insert(PROOF_HEADER, proof);
    resp.extensions_mut().insert(RequestRecord {
        change: Change::Checked,
        resource_id: None,
        summary: "reachability check through the public URL".into(),
    });
    resp
}
