//! SCIM answers: `application/scim+json` bodies, the directory's [`Outcome`] as a response, and
//! the record of what a request did that the tracking layer turns into an activity row.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::change::Change;
use crate::directory::{etag, Body, Outcome};

pub const SCIM_JSON: &str = "application/scim+json";

/// What a request did, attached to its response for the tracking layer.
#[derive(Debug, Clone)]
pub(super) struct RequestRecord {
    pub change: Change,
    pub resource_id: Option<String>,
    pub summary: String,
}

impl RequestRecord {
    pub fn refused(detail: &str) -> Self {
        RequestRecord { change: Change::Refused, resource_id: None, summary: format!("refused: {detail}") }
    }
}

/// An answer whose body is JSON text.
pub(super) fn scim_json(status: StatusCode, json: String) -> Response {
    let mut resp = (status, json).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    resp
}

fn with_etag(mut resp: Response, version: Option<i64>) -> Response {
    if let Some(value) = version.and_then(|v| HeaderValue::from_str(&etag(v)).ok()) {
        resp.headers_mut().insert(header::ETAG, value);
    }
    resp
}

/// 201 with the new resource, 200 with a body, 204 without one.
impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let status = if self.created {
            StatusCode::CREATED
        } else if self.body.is_some() {
            StatusCode::OK
        } else {
            StatusCode::NO_CONTENT
        };
        let mut resp = match self.body {
            Some(Body::Document(body)) => scim_json(status, body.to_string()),
            Some(Body::Text(json)) => scim_json(status, json),
            None => {
                let mut r = status.into_response();
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
                r
            }
        };
        if let Some(loc) = self.location.as_deref().and_then(|l| HeaderValue::from_str(l).ok()) {
            resp.headers_mut().insert(header::LOCATION, loc);
        }
        let mut resp = with_etag(resp, self.version);
        resp.extensions_mut().insert(RequestRecord {
            change: self.change,
            resource_id: self.resource_id,
            summary: self.summary,
        });
        resp
    }
}

/// A GET whose `If-None-Match` names the current version: 304 with no body, recorded as the
/// read it is.
pub(super) struct NotModified {
    pub version: i64,
    pub id: String,
    pub summary: String,
}

impl IntoResponse for NotModified {
    fn into_response(self) -> Response {
        let mut resp = with_etag(StatusCode::NOT_MODIFIED.into_response(), Some(self.version));
        resp.extensions_mut().insert(RequestRecord {
            change: Change::Read,
            resource_id: Some(self.id),
            summary: self.summary,
        });
        resp
    }
}
