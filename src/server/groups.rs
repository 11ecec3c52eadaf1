//! `/Groups`: create, replace and patch; list, read and delete are shared with users.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;

use super::bulk::{BulkLane, BULK_BODY_BYTES};
use super::extract::{AuthorizedSource, IfMatch, ResourceId, ScimJson, ScimPath, ScimQuery};
use super::resources::{self, Groups};
use super::scim_path;
use crate::directory::{selection, Outcome, SourceRef};
use crate::scim::{ResourceKind, ScimError};
use crate::Engine;

pub(super) fn router() -> Router<super::ServerState> {
    Router::new()
        .route(&scim_path("/Groups"), get(resources::list::<Groups>).post(create))
        .route(&scim_path("/Groups/.search"), post(resources::search::<Groups>))
        .route(
            &scim_path("/Groups/{id}"),
            get(resources::get::<Groups>).put(replace).patch(patch).delete(resources::delete::<Groups>),
        )
}

// A large body (thousands of members) is applied on the bulk lane.

async fn create(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimJson(body, size): ScimJson,
) -> Result<Outcome, ScimError> {
    let work = async move { Ok(engine.directory().create_group(&source, body).await?) };
    bulk.run_if(size, BULK_BODY_BYTES, work).await
}

/// PUT answers 200 with the group, as RFC 7644 §3.5.1 requires.
async fn replace(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    IfMatch(precondition): IfMatch,
    query: ScimQuery,
    ScimJson(body, size): ScimJson,
) -> Result<Outcome, ScimError> {
    let work = async move {
        let outcome = engine.directory().replace_group(&source, &id, body, precondition).await?;
        with_group(&engine, &source, &id, &query, outcome).await
    };
    bulk.run_if(size, BULK_BODY_BYTES, work).await
}

/// PATCH answers 204 (the members of a large group are not read back) unless the client asked
/// for attributes.
async fn patch(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    IfMatch(precondition): IfMatch,
    query: ScimQuery,
    ScimJson(body, size): ScimJson,
) -> Result<Outcome, ScimError> {
    let work = async move {
        let outcome = engine.directory().patch_group(&source, &id, &body, precondition).await?;
        if query.param("attributes").is_none() && query.param("excludedAttributes").is_none() {
            return Ok(outcome);
        }
        with_group(&engine, &source, &id, &query, outcome).await
    };
    bulk.run_if(size, BULK_BODY_BYTES, work).await
}

/// The outcome of a change, answered with the group as the query selects it.
async fn with_group(
    engine: &Engine,
    source: &SourceRef,
    id: &str,
    query: &ScimQuery,
    mut outcome: Outcome,
) -> Result<Outcome, ScimError> {
    let kind = ResourceKind::Group;
    let (attributes, excluded) =
        selection(kind, query.param("attributes").as_deref(), query.param("excludedAttributes").as_deref())?;
    let (version, _, body) = engine.directory().get(source, kind, id, &attributes, &excluded).await?;
    outcome.version = Some(version);
    outcome.body = Some(body);
    Ok(outcome)
}
