//! Bearer authentication per source. Tokens are compared as SHA-256 hashes in constant time;
//! nothing here logs or stores the presented token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};

use crate::directory::SourceRef;
use crate::scim::ScimError;
use crate::store::SourceRow;
use crate::tokens;
use crate::Engine;

/// How long a source read for authentication is trusted before it is read again, so that a
/// source disabled or rotated by another process (the CLI) takes effect within this time.
const AUTH_CACHE_TTL: Duration = Duration::from_secs(1);

/// Why a request was refused before reaching its resource.
pub struct Refusal {
    pub error: ScimError,
    pub source_id: Option<i64>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

impl Engine {
    async fn auth_source(&self, slug: &str, fresh: bool) -> Result<Option<Arc<SourceRow>>, ScimError> {
        if !fresh {
            if let Some((row, at)) = self.auth_cache.lock().expect("auth cache lock").get(slug) {
                if at.elapsed() < AUTH_CACHE_TTL {
                    return Ok(Some(row.clone()));
                }
            }
        }
        let row = self.store.source_by_slug(slug).map_err(|e| e.into_scim())?.map(Arc::new);
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

    /// Resolve the source of a request and check its bearer token.
    pub(crate) async fn authorize(&self, slug: &str, headers: &HeaderMap, base_url: String) -> Result<SourceRef, Refusal> {
        let row = match self.auth_source(slug, false).await {
            Ok(Some(row)) => row,
            Ok(None) => {
                return Err(Refusal {
                    error: ScimError::not_found(format!(
                        "no SCIM source \"{slug}\" exists in ScimDesk; check the Tenant URL (it ends in /source/scim/<slug>/v2)"
                    )),
                    source_id: None,
                })
            }
            Err(error) => return Err(Refusal { error, source_id: None }),
        };
        let source_id = Some(row.id);
        let refuse = |detail: &str| Refusal { error: ScimError::unauthorized(detail), source_id };
        let Some(token) = bearer(headers) else {
            return Err(refuse("the request has no bearer token; send the source's token as \"Authorization: Bearer <token>\""));
        };
        let accepted = |r: &SourceRow| {
            tokens::verify(token, &r.token_hash)
                || r.previous_token_hash.as_deref().is_some_and(|h| {
                    r.previous_token_expires.as_deref().is_some_and(|until| until > crate::store::now().as_str()) && tokens::verify(token, h)
                })
        };
        let row = if accepted(&row) {
            row
        } else {
            // The cached row may predate a rotation done by another process: read it again once.
            match self.auth_source(slug, true).await {
                Ok(Some(fresh)) if accepted(&fresh) => fresh,
                _ => return Err(refuse("the bearer token is not valid for this source; copy the current token from ScimDesk into Entra's Secret Token")),
            }
        };
        if !row.enabled {
            return Err(refuse("this source is disabled in ScimDesk; enable it to accept provisioning"));
        }
        Ok(SourceRef { id: row.id, slug: row.slug.clone(), base_url })
    }
}
