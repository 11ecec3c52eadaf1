//! Handlers for `/ServiceProviderConfig`, `/Schemas` and `/ResourceTypes`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use super::resources::handle;
use crate::directory::{Body, Outcome};
use crate::scim::{discovery, ScimError};
use crate::Engine;

fn document(body: Value, what: &str) -> Outcome {
    Outcome::read(Some(Body::Document(body)), None, format!("read {what}"))
}

pub async fn service_provider_config(State(engine): State<Arc<Engine>>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    handle(&engine, &slug, &headers, |source| async move {
        Ok(document(discovery::service_provider_config(&source.base_url), "ServiceProviderConfig"))
    })
    .await
}

pub async fn schemas(State(engine): State<Arc<Engine>>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    handle(&engine, &slug, &headers, |source| async move { Ok(document(discovery::schemas(&source.base_url), "Schemas")) }).await
}

pub async fn schema(State(engine): State<Arc<Engine>>, Path((slug, uri)): Path<(String, String)>, headers: HeaderMap) -> Response {
    handle(&engine, &slug, &headers, |source| async move {
        discovery::schema(&source.base_url, &uri)
            .map(|s| document(s, "a schema"))
            .ok_or_else(|| ScimError::not_found(format!("no schema \"{uri}\"; /Schemas lists the schemas this server knows")))
    })
    .await
}

pub async fn resource_types(State(engine): State<Arc<Engine>>, Path(slug): Path<String>, headers: HeaderMap) -> Response {
    handle(&engine, &slug, &headers, |source| async move {
        Ok(document(discovery::resource_types(&source.base_url), "ResourceTypes"))
    })
    .await
}

pub async fn resource_type(State(engine): State<Arc<Engine>>, Path((slug, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    handle(&engine, &slug, &headers, |source| async move {
        discovery::resource_type(&source.base_url, &name)
            .map(|s| document(s, "a resource type"))
            .ok_or_else(|| ScimError::not_found(format!("no resource type \"{name}\"; the resource types are User and Group")))
    })
    .await
}
