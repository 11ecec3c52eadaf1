//! `/Users`: create, replace and patch; list, read and delete are shared with groups.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;

use super::bulk::{BulkLane, BULK_BODY_BYTES};
use super::extract::{AuthorizedSource, IfMatch, ResourceId, ScimJson, ScimPath};
use super::resources::{self, Users};
use super::scim_path;
use crate::directory::Outcome;
use crate::scim::ScimError;
use crate::Engine;

pub(super) fn router() -> Router<super::ServerState> {
    Router::new()
        .route(&scim_path("/Users"), get(resources::list::<Users>).post(create))
        .route(&scim_path("/Users/.search"), post(resources::search::<Users>))
        .route(
            &scim_path("/Users/{id}"),
            get(resources::get::<Users>).put(replace).patch(patch).delete(resources::delete::<Users>),
        )
}

// A large body is applied on the bulk lane: normalising it, and a PATCH's new document, take
// milliseconds.

async fn create(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimJson(body, size): ScimJson,
) -> Result<Outcome, ScimError> {
    let work = async move { Ok(engine.directory().create_user(&source, body).await?) };
    bulk.run_if(size, BULK_BODY_BYTES, work).await
}

async fn replace(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    IfMatch(precondition): IfMatch,
    ScimJson(body, size): ScimJson,
) -> Result<Outcome, ScimError> {
    let work = async move { Ok(engine.directory().replace_user(&source, &id, body, precondition).await?) };
    bulk.run_if(size, BULK_BODY_BYTES, work).await
}

async fn patch(
    State(engine): State<Arc<Engine>>,
    State(bulk): State<Arc<BulkLane>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    IfMatch(precondition): IfMatch,
    ScimJson(body, size): ScimJson,
) -> Result<Outcome, ScimError> {
    let work = async move { Ok(engine.directory().patch_user(&source, &id, &body, precondition).await?) };
    bulk.run_if(size, BULK_BODY_BYTES, work).await
}
