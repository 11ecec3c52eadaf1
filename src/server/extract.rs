//! Extractors: the authorised source of a request, its JSON body, path and query, each refusing
//! with a SCIM error so that every rejection a client sees is in the SCIM format.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::bulk::BULK_BODY_BYTES;
use super::request::{parse_json, parse_query, precondition, query_param, read_json_bytes};
use super::{Limits, ServerState};
use crate::directory::{Precondition, SourceRef};
use crate::scim::ScimError;
use crate::sources::AuthError;
use crate::Engine;

/// The source a request was for, once known (set by [`AuthorizedSource`], read by the tracking
/// layer to record the request in that source's Activity, refused or not), or the slug it named
/// when no source has it.
#[derive(Clone, Default)]
pub(super) struct SourceTag(Arc<OnceLock<Tagged>>);

pub(super) enum Tagged {
    Source(i64, String),
    UnknownSlug(String),
}

impl SourceTag {
    pub fn set(&self, id: i64, slug: &str) {
        let _ = self.0.set(Tagged::Source(id, slug.to_string()));
    }

    pub fn set_unknown(&self, slug: &str) {
        let _ = self.0.set(Tagged::UnknownSlug(slug.to_string()));
    }

    pub fn get(&self) -> Option<&Tagged> {
        self.0.get()
    }
}

/// Path parameters, refused with a SCIM 400 when they are not UTF-8.
pub(super) struct ScimPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ScimPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ScimError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ScimPath(value)),
            Err(rejection) => Err(ScimError::new(
                rejection.status().as_u16(),
                None,
                format!("the request was refused: {}", rejection.body_text()),
            )),
        }
    }
}

#[derive(Deserialize)]
struct SlugParam {
    slug: String,
}

/// The `{id}` of `/Users/{id}` and `/Groups/{id}`.
#[derive(Deserialize)]
pub(super) struct ResourceId {
    pub id: String,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// The SCIM Base URL of a source as this request reached it: the public URL when one is set,
/// else the Host the client used.
fn base_url(engine: &Engine, slug: &str, headers: &HeaderMap) -> String {
    let root = match engine.settings().public_url() {
        Some(url) => url,
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
                .map(str::to_string)
                .or_else(|| engine.settings().listen_addr().map(|a| a.to_string()))
                .unwrap_or_else(|| "localhost".into());
            format!("http://{host}")
        }
    };
    format!("{root}/source/scim/{slug}/v2")
}

/// Each source's places for requests served at once ([`Limits::requests_per_source`]).
pub(super) struct InFlight {
    limits: Limits,
    places: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

impl InFlight {
    pub fn new(limits: Limits) -> Self {
        InFlight { limits, places: Mutex::new(HashMap::new()) }
    }

    /// Wait for one of the source's places; 429 after [`Limits::queue_timeout`].
    async fn take(&self, source_id: i64) -> Result<OwnedSemaphorePermit, ScimError> {
        let places = (self.places.lock().expect("in-flight places").entry(source_id))
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.requests_per_source)))
            .clone();
        if let Ok(turn) = places.clone().try_acquire_owned() {
            return Ok(turn);
        }
        match tokio::time::timeout(self.limits.queue_timeout, places.acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(ScimError::new(
                429,
                None,
                format!(
                    "this source already has {} requests being served and more waiting; retry shortly",
                    self.limits.requests_per_source
                ),
            )),
        }
    }
}

/// The source of `/source/scim/{slug}/v2/...`, its bearer token checked, and the request's turn
/// among the source's requests in flight (held until the handler returns).
pub(super) struct AuthorizedSource(pub SourceRef, pub OwnedSemaphorePermit);

impl FromRequestParts<ServerState> for AuthorizedSource {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, ScimError> {
        let engine = &state.engine;
        let ScimPath(SlugParam { slug }) = ScimPath::from_request_parts(parts, state).await?;
        let tag = parts.extensions.get::<SourceTag>().cloned().unwrap_or_default();
        let base = base_url(engine, &slug, &parts.headers);
        match engine.sources().authenticate(&slug, bearer(&parts.headers), base) {
            Ok(source) => {
                tag.set(source.id, &source.slug);
                // Refused requests do not keep the machine awake: anyone can send those.
                engine.keep_awake().touch(&source.slug);
                let turn = state.in_flight.take(source.id).await?;
                Ok(AuthorizedSource(source, turn))
            }
            Err(refusal) => {
                match (refusal.source_id, &refusal.error) {
                    (Some(id), _) => tag.set(id, &slug),
                    (None, AuthError::UnknownSource(_)) => tag.set_unknown(&slug),
                    (None, _) => {}
                }
                Err(refusal.error.into())
            }
        }
    }
}

/// A JSON request body (`application/scim+json` or `application/json`, at most 1 MiB) and its
/// size in bytes. A large one is parsed on the bulk lane.
pub(super) struct ScimJson(pub Value, pub usize);

impl FromRequest<ServerState> for ScimJson {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &ServerState) -> Result<Self, ScimError> {
        let (parts, body) = req.into_parts();
        let bytes = read_json_bytes(&parts.headers, body, state.limits.body_read_timeout).await?;
        let size = bytes.len();
        let value = state.bulk.run_if(size, BULK_BODY_BYTES, async move { parse_json(&bytes) }).await?;
        Ok(ScimJson(value, size))
    }
}

/// The query parameters, looked up without regard to the case of their names.
pub(super) struct ScimQuery(pub Vec<(String, String)>);

impl ScimQuery {
    pub fn param(&self, name: &str) -> Option<String> {
        query_param(&self.0, name)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ScimQuery {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ScimQuery(parse_query(parts.uri.query())))
    }
}

/// The `If-Match` precondition of a change.
pub(super) struct IfMatch(pub Precondition);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(IfMatch(precondition(&parts.headers)))
    }
}
