//! `/ServiceProviderConfig`, `/Schemas` and `/ResourceTypes`.

use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use super::extract::{AuthorizedSource, ScimPath};
use super::scim_path;
use crate::directory::{Body, Outcome};
use crate::scim::{discovery, ScimError};

pub(super) fn router() -> Router<super::ServerState> {
    Router::new()
        .route(&scim_path("/ServiceProviderConfig"), get(service_provider_config))
        .route(&scim_path("/Schemas"), get(schemas))
        .route(&scim_path("/Schemas/{uri}"), get(schema))
        .route(&scim_path("/ResourceTypes"), get(resource_types))
        .route(&scim_path("/ResourceTypes/{name}"), get(resource_type))
}

fn document(body: Value, what: &str) -> Outcome {
    Outcome::read(Some(Body::Document(body)), None, format!("read {what}"))
}

async fn service_provider_config(AuthorizedSource(source, _turn): AuthorizedSource) -> Outcome {
    document(discovery::service_provider_config(&source.base_url), "ServiceProviderConfig")
}

async fn schemas(AuthorizedSource(source, _turn): AuthorizedSource) -> Outcome {
    document(discovery::schemas(&source.base_url), "Schemas")
}

#[derive(Deserialize)]
struct SchemaUri {
    uri: String,
}

async fn schema(
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(SchemaUri { uri }): ScimPath<SchemaUri>,
) -> Result<Outcome, ScimError> {
    discovery::schema(&source.base_url, &uri).map(|s| document(s, "a schema")).ok_or_else(|| {
        ScimError::not_found(format!("no schema \"{uri}\"; /Schemas lists the schemas this server knows"))
    })
}

async fn resource_types(AuthorizedSource(source, _turn): AuthorizedSource) -> Outcome {
    document(discovery::resource_types(&source.base_url), "ResourceTypes")
}

#[derive(Deserialize)]
struct ResourceTypeName {
    name: String,
}

async fn resource_type(
    AuthorizedSource(source, _turn): AuthorizedSource,
    ScimPath(ResourceTypeName { name }): ScimPath<ResourceTypeName>,
) -> Result<Outcome, ScimError> {
    discovery::resource_type(&source.base_url, &name).map(|s| document(s, "a resource type")).ok_or_else(|| {
        ScimError::not_found(format!("no resource type \"{name}\"; the resource types are User and Group"))
    })
}
