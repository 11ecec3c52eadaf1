//! The HTTP edge of every error: what a client sees is a SCIM Error body (RFC 7644 §3.12) with
//! the fitting status. Failures of the store are logged in full here and answered as a 500 that
//! reveals nothing, so that they are never shown to a client as its own mistake.

use std::net::SocketAddr;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::response::{scim_json, RequestRecord};
use crate::directory::DirectoryError;
use crate::scim::ScimError;
use crate::sources::AuthError;
use crate::store::StoreError;

/// The server could not listen where it was asked to.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {reason}. Pick another address or port (--bind, SCIMDESK_BIND or the bind setting)")]
pub struct BindError {
    pub addr: SocketAddr,
    pub reason: String,
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = scim_json(status, self.to_json().to_string());
        if self.status == 401 {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"ScimDesk\""));
        }
        if self.status == 429 {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.status == 503 {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_UNAVAILABLE));
        }
        resp.extensions_mut().insert(RequestRecord::refused(&self.detail));
        resp
    }
}

/// Seconds a client is asked to wait while the database is out of reach.
const RETRY_AFTER_UNAVAILABLE: &str = "5";

fn internal(error: StoreError) -> ScimError {
    if error.is_unavailable() {
        // Not the client's fault and not lasting: Entra retries a 503 (and says why in its log).
        tracing::warn!(error = %error, "the database is unavailable: answering 503");
        return ScimError::new(503, None, "ScimDesk cannot reach its database right now; retry in a few seconds");
    }
    tracing::error!(error = %error, "store failure");
    ScimError::internal()
}

impl From<DirectoryError> for ScimError {
    fn from(error: DirectoryError) -> Self {
        let detail = error.to_string();
        match error {
            DirectoryError::Invalid(e) => e,
            DirectoryError::NotFound { .. } => ScimError::not_found(detail),
            DirectoryError::VersionMismatch { .. } => ScimError::new(412, None, detail),
            DirectoryError::UserNameTaken(_) | DirectoryError::DisplayNameTaken(_) => ScimError::uniqueness(detail),
            DirectoryError::UnknownMember(_) | DirectoryError::SelfMember(_) => ScimError::invalid_value(detail),
            DirectoryError::Store(e) => internal(e),
        }
    }
}

impl From<AuthError> for ScimError {
    fn from(error: AuthError) -> Self {
        let detail = error.to_string();
        match error {
            AuthError::UnknownSource(_) => ScimError::not_found(detail),
            AuthError::MissingToken | AuthError::InvalidToken | AuthError::Disabled => ScimError::unauthorized(detail),
            AuthError::Store(e) => internal(e),
        }
    }
}
