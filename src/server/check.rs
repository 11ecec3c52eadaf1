//! The answer to a reachability check: a request at a source's SCIM Base URL carrying a check
//! code (see `check::proof`) gets the proof made with the data folder's check secret, and no
//! token is needed or looked at. Nothing in the directory is read or changed; the request is
//! recorded in the source's Activity as a check. Anyone can send one, so at most
//! [`CHECKS_PER_MINUTE`] are answered as checks: past that, a request is served as if it carried
//! no code, and a flood of them cannot push Entra's rows out of the Activity log.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::extract::SourceTag;
use super::response::RequestRecord;
use crate::change::Change;
use crate::check::proof::{self, CHECK_HEADER, PROOF_HEADER};
use crate::Engine;

/// Checks answered per minute, for all sources together: the window checks every 5 minutes.
pub(super) const CHECKS_PER_MINUTE: u32 = 30;

/// How many checks were answered in the current minute.
#[derive(Default)]
pub(super) struct CheckBudget(Mutex<Option<(Instant, u32)>>);

impl CheckBudget {
    fn take(&self) -> bool {
        let mut window = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match window.as_mut() {
            Some((start, used)) if now.duration_since(*start) < Duration::from_secs(60) => {
                *used += 1;
                *used <= CHECKS_PER_MINUTE
            }
            _ => {
                *window = Some((now, 1));
                true
            }
        }
    }
}

pub(super) async fn answer_check(
    State((engine, budget)): State<(Arc<Engine>, Arc<CheckBudget>)>,
    req: Request,
    next: Next,
) -> Response {
    let code = req.headers().get(CHECK_HEADER).and_then(|v| v.to_str().ok()).filter(|c| proof::is_code(c));
    let slug = req.uri().path().strip_prefix("/source/scim/").and_then(|rest| rest.split('/').next());
    let (Some(code), Some(slug)) = (code, slug) else { return next.run(req).await };
    if !budget.take() {
        return next.run(req).await;
    }
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
