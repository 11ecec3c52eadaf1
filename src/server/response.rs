//! SCIM answers: `application/scim+json` bodies, error bodies, and the record of what a request
//! did that the tracking layer turns into an activity row and an event.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::directory::{etag, Body, Outcome};
use crate::events::Change;
use crate::scim::ScimError;

pub const SCIM_JSON: &str = "application/scim+json";

/// What a request did, attached to its response for the tracking layer.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub source_id: Option<i64>,
    pub slug: String,
    pub change: Change,
    pub resource_id: Option<String>,
    pub summary: String,
}

pub fn json_response(status: StatusCode, body: &Value) -> Response {
    text_response(status, body.to_string())
}

/// An answer whose body is JSON text already.
fn text_response(status: StatusCode, json: String) -> Response {
    let mut resp = (status, json).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    resp
}

pub fn error_response(err: &ScimError) -> Response {
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = json_response(status, &err.to_json());
    if err.status == 401 {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"ScimDesk\""));
    }
    resp
}

/// A refused request: the error answer, recorded with the reason.
pub fn refused(err: &ScimError, source_id: Option<i64>, slug: &str) -> Response {
    let mut resp = error_response(err);
    resp.extensions_mut().insert(RequestRecord {
        source_id,
        slug: slug.to_string(),
        change: Change::Refused,
        resource_id: None,
        summary: format!("refused: {}", err.detail),
    });
    resp
}

pub fn outcome_response(outcome: Outcome, source_id: i64, slug: &str) -> Response {
    let status = if outcome.created {
        StatusCode::CREATED
    } else if outcome.body.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NO_CONTENT
    };
    let mut resp = match outcome.body {
        Some(Body::Document(body)) => json_response(status, &body),
        Some(Body::Text(json)) => text_response(status, json),
        None => {
            let mut r = status.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
            r
        }
    };
    if let Some(v) = outcome.version {
        if let Ok(value) = HeaderValue::from_str(&etag(v)) {
            resp.headers_mut().insert(header::ETAG, value);
        }
    }
    if let Some(loc) = outcome.location.as_deref().and_then(|l| HeaderValue::from_str(l).ok()) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    resp.extensions_mut().insert(RequestRecord {
        source_id: Some(source_id),
        slug: slug.to_string(),
        change: outcome.change,
        resource_id: outcome.resource_id,
        summary: outcome.summary,
    });
    resp
}
