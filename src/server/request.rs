//! Reading SCIM requests: JSON bodies with size and type limits, query parameters, preconditions.

use axum::body::Body;
use axum::http::{header, HeaderMap};
use serde_json::Value;

use crate::directory::{ListRequest, Precondition};
use crate::scim::ScimError;

/// Largest request body accepted (RFC 7644 leaves it to the server; Entra sends a few KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A body a little over the limit is read to its end (and dropped) before the 413 is sent, so
/// the client reads the answer instead of a reset connection; beyond this, the connection is
/// closed without reading on.
const MAX_DRAIN_BYTES: usize = 16 * MAX_BODY_BYTES;

/// Read the body, for at most `timeout` (a client trickling its body holds one of its source's
/// places for requests in flight).
async fn read_limited(body: Body, timeout: std::time::Duration) -> Result<bytes::Bytes, ScimError> {
    tokio::time::timeout(timeout, read_all(body)).await.unwrap_or_else(|_| {
        Err(ScimError::new(
            408,
            None,
            format!("the request body did not arrive within {} s; send it again", timeout.as_secs_f64()),
        ))
    })
}

async fn read_all(body: Body) -> Result<bytes::Bytes, ScimError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| ScimError::invalid_syntax("the request body could not be read completely"))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > MAX_DRAIN_BYTES {
                return Err(too_large());
            }
            if seen <= MAX_BODY_BYTES {
                buf.extend_from_slice(&data);
            }
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(buf.freeze())
}

/// RFC 7644 §3.12 has no `scimType` for a body that is too large (`tooMany` is for filters whose
/// results are too many), so the 413 carries none.
fn too_large() -> ScimError {
    ScimError::new(413, None, format!("the request body is larger than {} bytes", MAX_BODY_BYTES))
}

/// Read a JSON request body's bytes: `application/scim+json` or `application/json`, at most
/// 1 MiB, and not empty.
pub(super) async fn read_json_bytes(
    headers: &HeaderMap,
    body: Body,
    timeout: std::time::Duration,
) -> Result<bytes::Bytes, ScimError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let json = ct == "application/json" || ct == "application/scim+json" || ct.ends_with("+json");
        if !json {
            return Err(ScimError::new(
                415,
                None,
                format!("the request body must be application/scim+json or application/json, not \"{ct}\""),
            ));
        }
    }
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_DRAIN_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = read_limited(body, timeout).await?;
    if bytes.is_empty() {
        return Err(ScimError::invalid_syntax("the request has no body; send the resource as JSON"));
    }
    Ok(bytes)
}

/// Parse a request body read by [`read_json_bytes`].
pub(super) fn parse_json(bytes: &[u8]) -> Result<Value, ScimError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let what = if e.is_eof() { "ends too early" } else { "is not valid JSON" };
        ScimError::invalid_syntax(format!("the request body {what}: {e}"))
    })
}

/// A query parameter by name, compared without regard to case (`startindex` = `startIndex`).
pub fn query_param(params: &[(String, String)], name: &str) -> Option<String> {
    params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// Decode a query string: `+` and `%20` are spaces (Entra sends both forms).
pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

fn integer(params: &[(String, String)], name: &str) -> Result<Option<i64>, ScimError> {
    let Some(raw) = query_param(params, name) else { return Ok(None) };
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(n) => Ok(Some(n)),
        // All digits but too large: as large as can be (clamped later).
        Err(_) if raw.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) => {
            Ok(Some(if raw.starts_with('-') { i64::MIN } else { i64::MAX }))
        }
        Err(_) => Err(ScimError::invalid_value(format!("{name} must be a whole number, not \"{raw}\""))),
    }
}

pub fn list_request(params: &[(String, String)]) -> Result<ListRequest, ScimError> {
    Ok(ListRequest {
        filter: query_param(params, "filter"),
        start_index: integer(params, "startIndex")?,
        count: integer(params, "count")?,
        sort_by: query_param(params, "sortBy"),
        sort_order: query_param(params, "sortOrder"),
        attributes: query_param(params, "attributes"),
        excluded_attributes: query_param(params, "excludedAttributes"),
    })
}

/// The version an entity tag names: `W/"3"` or `"3"`; `None` for `*`; -1 for a tag that is not ours.
fn tag_version(tag: &str) -> Option<i64> {
    let tag = tag.trim();
    if tag == "*" {
        return None;
    }
    let inner = tag.trim_start_matches("W/").trim_matches('"');
    Some(inner.parse().unwrap_or(-1))
}

pub fn precondition(headers: &HeaderMap) -> Precondition {
    let if_match = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok());
    Precondition { if_match: if_match.and_then(|v| v.split(',').next()).and_then(tag_version) }
}

/// Whether `If-None-Match` names the current version (GET answers 304 then).
pub fn not_modified(headers: &HeaderMap, version: i64) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == "*" || tag_version(t) == Some(version)))
}
