//! The SCIM service of one source: create, read, list, replace, patch and delete users and
//! groups. HTTP handlers, the CLI and the window all come through here; it combines the pure
//! `scim` functions with the store, and says what each request changed.

mod browse;
mod error;
mod groups;
mod list;
mod render;
mod search;
mod users;

use serde_json::Value;

pub use browse::{GroupRef, SearchPage};
pub use error::{DirectoryError, Result};
pub use list::{selection, ListRequest, DEFAULT_PAGE_SIZE};
use render::render_text;
pub use render::{etag, render};

use crate::change::Change;
use crate::scim::filter::AttrPath;
use crate::scim::{resource, ResourceKind};
use crate::store::{DirectoryTx, Store, StoredResource};

/// The source a request is for, resolved and authorised by the caller.
#[derive(Debug, Clone)]
pub struct SourceRef {
    pub id: i64,
    pub slug: String,
    /// The SCIM Base URL of the source, used in `meta.location` and `$ref`.
    pub base_url: String,
}

/// The body of an answer: a document to serialise, or JSON text made without one.
#[derive(Debug, Clone)]
pub enum Body {
    Document(Value),
    Text(String),
}

impl Body {
    /// The body as a document (parsing it if it is text).
    pub fn into_value(self) -> Result<Value> {
        match self {
            Body::Document(v) => Ok(v),
            Body::Text(t) => serde_json::from_str(&t).map_err(|e| {
                crate::store::StoreError::Corrupt(format!("an answer made as text is not JSON: {e}")).into()
            }),
        }
    }
}

/// The answer to a SCIM request and what it changed.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The resource or list to return; `None` for 204.
    pub body: Option<Body>,
    /// `meta.version` of the single resource returned or changed, for the `ETag` header.
    pub version: Option<i64>,
    /// Set on 201: the new resource's location.
    pub location: Option<String>,
    pub created: bool,
    pub change: Change,
    pub resource_id: Option<String>,
    pub summary: String,
}

impl Outcome {
    /// A read: `body` to return (`None`: nothing to send).
    pub fn read(body: Option<Body>, version: Option<i64>, summary: String) -> Self {
        Outcome { body, version, location: None, created: false, change: Change::Read, resource_id: None, summary }
    }

    /// A change to an existing resource (`body` `None` answers 204).
    fn changed(change: Change, stored: &StoredResource, body: Option<Value>, summary: String) -> Self {
        Outcome {
            body: body.map(Body::Document),
            version: Some(stored.version),
            location: None,
            created: false,
            change,
            resource_id: Some(stored.id.clone()),
            summary,
        }
    }

    /// A new resource: 201 with its location.
    fn created(change: Change, stored: &StoredResource, body: Value, summary: String) -> Self {
        Outcome {
            location: body["meta"]["location"].as_str().map(str::to_string),
            body: Some(Body::Document(body)),
            version: Some(stored.version),
            created: true,
            change,
            resource_id: Some(stored.id.clone()),
            summary,
        }
    }
}

/// An `If-Match` precondition: the version the client last saw (`None`: `*` or absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct Precondition {
    pub if_match: Option<i64>,
}

impl Precondition {
    fn check(&self, current_version: i64) -> Result<()> {
        match self.if_match {
            Some(expected) if expected != current_version => {
                Err(DirectoryError::VersionMismatch { expected, current: current_version })
            }
            _ => Ok(()),
        }
    }
}

/// Provisioning operations over the store.
#[derive(Clone)]
pub struct Directory {
    store: Store,
}

impl Directory {
    pub fn new(store: Store) -> Self {
        Directory { store }
    }

    /// One write of the directory in one write transaction: durable when it returns `Ok`,
    /// undone when it returns a refusal.
    async fn write<T: Send + 'static>(
        &self,
        write: impl FnOnce(&mut dyn DirectoryTx) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.store.write(write).await
    }

    /// A user or group as the client selected it (`attributes`, `excludedAttributes`): its
    /// version, its id and the body. When the selection leaves the stored resource as it is
    /// (Entra's reads), the body is the stored text, not parsed again.
    pub async fn get(
        &self,
        source: &SourceRef,
        kind: ResourceKind,
        id: &str,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
    ) -> Result<(i64, String, Body)> {
        if answers_with_stored_text(kind, attributes, excluded) {
            let stored =
                self.store.resource(kind, source.id, id)?.ok_or_else(|| DirectoryError::not_found(kind, id))?;
            let body = render_text(kind, &stored, &source.base_url)?;
            return Ok((stored.version, stored.id, Body::Text(body)));
        }
        let (stored, full) = match kind {
            ResourceKind::User => self.get_user(source, id).await?,
            ResourceKind::Group => self.get_group(source, id, resource::wants_members(attributes, excluded)).await?,
        };
        Ok((stored.version, stored.id, Body::Document(resource::project(full, kind, attributes, excluded))))
    }

    /// Delete a user or group (honouring `If-Match`) with its memberships, in one write.
    pub async fn delete(&self, source: &SourceRef, kind: ResourceKind, id: &str, pre: Precondition) -> Result<Outcome> {
        let (source_id, id) = (source.id, id.to_string());
        let deleted = self
            .write(move |tx| {
                let current = tx.resource(kind, source_id, &id)?.ok_or_else(|| DirectoryError::not_found(kind, &id))?;
                pre.check(current.version)?;
                tx.delete(kind, source_id, &current.meta())?;
                Ok(current.parse()?)
            })
            .await?;
        let name = |attribute: &str| deleted.doc.get(attribute).and_then(Value::as_str).unwrap_or_default().to_string();
        let (change, summary) = match kind {
            ResourceKind::User => (Change::UserDeleted, format!("deleted user {}", name("userName"))),
            ResourceKind::Group => (Change::GroupDeleted, format!("deleted group {}", name("displayName"))),
        };
        Ok(Outcome { version: None, ..Outcome::changed(change, &deleted, None, summary) })
    }
}

/// Whether the answer for this selection is the stored resource as it is, so its stored text
/// can be sent without parsing: a selection that changes nothing, and for a group one that
/// leaves its members out (they are not in the stored document).
fn answers_with_stored_text(kind: ResourceKind, attributes: &[AttrPath], excluded: &[AttrPath]) -> bool {
    resource::selects_all_stored(kind, attributes, excluded)
        && !(kind == ResourceKind::Group && resource::wants_members(attributes, excluded))
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
