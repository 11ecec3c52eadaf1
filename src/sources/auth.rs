//! Bearer authentication per source. Tokens are compared as SHA-256 hashes in constant time;
//! nothing here logs or stores the presented token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Sources;
use crate::directory::SourceRef;
use crate::store::{SourceRow, StoreError};
use crate::tokens;

/// How long a source read for authentication is trusted before it is read again, so that a
/// source disabled or rotated by another process (the CLI) takes effect within this time.
const AUTH_CACHE_TTL: Duration = Duration::from_secs(1);

/// Why a request's source or token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no SCIM source \"{0}\" exists in ScimDesk; check the Tenant URL (it ends in /source/scim/<slug>/v2)")]
    UnknownSource(String),
    #[error("the request has no bearer token; send the source's token as \"Authorization: Bearer <token>\"")]
    MissingToken,
    #[error(
        "the bearer token is not valid for this source; copy the current token from ScimDesk into Entra's Secret Token"
    )]
    InvalidToken,
    #[error("this source is disabled in ScimDesk; enable it to accept provisioning")]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A refused request: why, and the source it was for when that source exists (its Activity
/// records the refusal).
#[derive(Debug)]
pub struct Refusal {
    pub error: AuthError,
    pub source_id: Option<i64>,
}

impl Sources {
    fn auth_source(&self, slug: &str, fresh: bool) -> Result<Option<Arc<SourceRow>>, StoreError> {
        if !fresh {
            if let Some((row, at)) = self.auth_cache.lock().expect("auth cache lock").get(slug) {
                if at.elapsed() < AUTH_CACHE_TTL {
                    return Ok(Some(row.clone()));
                }
            }
        }
        let row = self.store.source_by_slug(slug)?.map(Arc::new);
        let mut cache = self.auth_cache.lock().expect("auth cache lock");
        match &row {
            Some(r) => {
                cache.insert(slug.to_string(), (r.clone(), Instant::now()));
            }
            None => {
                cache.remove(slug);
            }
        }
        Ok(row)
    }

    /// Resolve the source `slug` of a request and check the bearer token it presented.
    /// `base_url` is the source's SCIM Base URL as the request reached it.
    pub fn authenticate(&self, slug: &str, bearer: Option<&str>, base_url: String) -> Result<SourceRef, Refusal> {
        let refuse = |error: AuthError, source_id: Option<i64>| Refusal { error, source_id };
        let row = match self.auth_source(slug, false) {
            Ok(Some(row)) => row,
            Ok(None) => return Err(refuse(AuthError::UnknownSource(slug.to_string()), None)),
            Err(e) => return Err(refuse(e.into(), None)),
        };
        let source_id = Some(row.id);
        let Some(token) = bearer else { return Err(refuse(AuthError::MissingToken, source_id)) };
        let accepted = |r: &SourceRow| {
            tokens::verify(token, &r.token_hash)
                || r.previous_token_hash.as_deref().is_some_and(|h| {
                    r.previous_token_expires.as_deref().is_some_and(|until| until > crate::store::now().as_str())
                        && tokens::verify(token, h)
                })
        };
        let row = if accepted(&row) {
            row
        } else {
            // The cached row may predate a rotation done by another process: read it again once.
            match self.auth_source(slug, true) {
                Ok(Some(fresh)) if accepted(&fresh) => fresh,
                _ => return Err(refuse(AuthError::InvalidToken, source_id)),
            }
        };
        if !row.enabled {
            return Err(refuse(AuthError::Disabled, source_id));
        }
        Ok(SourceRef { id: row.id, slug: row.slug.clone(), base_url })
    }
}
