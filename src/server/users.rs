//! `/Users`: create, replace and patch; list, read and delete are shared with groups.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::Router;

use super::extract::{AuthorizedSource, IfMatch, ResourceId, ScimJson, ScimPath};
use super::resources::{self, Users};
use super::scim_path;
use crate::directory::Outcome;
use crate::scim::ScimError;
use crate::Engine;

pub(super) fn router() -> Router<super::ServerState> {
    Router::new().route(&scim_path("/Users"), get(resources::list::<Users>).post(create)).route(
        &scim_path("/Users/{id}"),
        get(resources::get::<Users>).put(replace).patch(patch).delete(resources::delete::<Users>),
    )
}

async fn create(
    State(engine): State<Arc<Engine>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimJson(body): ScimJson,
) -> Result<Outcome, ScimError> {
    Ok(engine.directory().create_user(&source, body).await?)
}

async fn replace(
    State(engine): State<Arc<Engine>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    IfMatch(precondition): IfMatch,
    ScimJson(body): ScimJson,
) -> Result<Outcome, ScimError> {
    Ok(engine.directory().replace_user(&source, &id, body, precondition).await?)
}

async fn patch(
    State(engine): State<Arc<Engine>>,
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceId { id }): ScimPath<ResourceId>,
    IfMatch(precondition): IfMatch,
    ScimJson(body): ScimJson,
) -> Result<Outcome, ScimError> {
    Ok(engine.directory().patch_user(&source, &id, &body, precondition).await?)
}
