//! The handlers users and groups share (list, read, delete), for either kind of resource.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::bulk::{BulkLane, BULK_FILTER_BYTES};
use super::extract::{AuthorizedSource, IfMatch, ResourceId, ScimJson, ScimPath, ScimQuery};
use super::request::{list_request, not_modified};
use super::response::NotModified;
use crate::directory::{selection, ListRequest, Outcome, SourceRef};
use crate::scim::search::parse_search_request;
use crate::scim::{ResourceKind, ScimError};
use crate::Engine;

/// A kind of resource, as a type, so that one handler serves `/Users` and `/Groups`.
pub(super) trait Endpoint: Send + 'static {
    const KIND: ResourceKind;
}

pub(super) struct Users;
pub(super) struct Groups;

impl Endpoint for Users {
    const KIND: ResourceKind = ResourceKind::User;
}

impl Endpoint for Groups {
    const KIND: ResourceKind = ResourceKind::Group;
}

/// A list; one with a long filter is answered on the bulk lane.
pub(super) async fn list<E: Endpoint>(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    query: ScimQuery,
) -> Result<Outcome, ScimError> {
    answer_list::<E>(engine, &bulk, source, list_request(&query.0)?).await
}

/// `POST /Users/.search`, `POST /Groups/.search`: a list whose parameters come in the body
/// (RFC 7644 §3.4.3), answered as the same GET would be.
pub(super) async fn search<E: Endpoint>(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimJson(body, _): ScimJson,
) -> Result<Outcome, ScimError> {
    answer_list::<E>(engine, &bulk, source, parse_search_request(&body)?).await
}

/// A list, from a GET's query or a search's body; one with a long filter on the bulk lane.
async fn answer_list<E: Endpoint>(
    engine: Arc<Engine>,
    bulk: &BulkLane,
    source: SourceRef,
    request: ListRequest,
) -> Result<Outcome, ScimError> {
    let size = request.filter.as_ref().map_or(0, String::len);
    let work = async move { Ok(engine.directory().list(&source, E::KIND, &request).await?) };
    bulk.run_if(size, BULK_FILTER_BYTES, work).await
}

/// `POST /.search` at the SCIM Base URL: users and groups together (RFC 7644 §3.4.3).
pub(super) async fn search_all(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimJson(body, _): ScimJson,
) -> Result<Outcome, ScimError> {
    let request = parse_search_request(&body)?;
    let size = request.filter.as_ref().map_or(0, String::len);
    let work = async move { Ok(engine.directory().search_all(&source, &request).await?) };
    bulk.run_if(size, BULK_FILTER_BYTES, work).await
}

/// One resource; 304 when `If-None-Match` names its current version.
pub(super) async fn get<E: Endpoint>(
    State(engine): State<Arc<Engine>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    query: ScimQuery,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let (attributes, excluded) =
        selection(E::KIND, query.param("attributes").as_deref(), query.param("excludedAttributes").as_deref())?;
    let summary = format!("read {} {id}", E::KIND.as_str().to_lowercase());
    let (version, id, body) = engine.directory().get(&source, E::KIND, &id, &attributes, &excluded).await?;
    if not_modified(&headers, version) {
        return Ok(NotModified { version, id, summary }.into_response());
    }
    Ok(Outcome { resource_id: Some(id), ..Outcome::read(Some(body), Some(version), summary) }.into_response())
}

pub(super) async fn delete<E: Endpoint>(
    State(engine): State<Arc<Engine>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    IfMatch(precondition): IfMatch,
) -> Result<Outcome, ScimError> {
    Ok(engine.directory().delete(&source, E::KIND, &id, precondition).await?)
}
