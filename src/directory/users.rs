//! Provisioned users: create, get, replace, patch, delete.

use serde_json::Value;

use super::{new_id, not_found, render, scim_err, Directory, Outcome, Precondition, SourceRef};
use crate::events::Change;
use crate::scim::{patch, resource, ResourceKind, ScimError};
use crate::store::users as store_users;
use crate::store::StoredResource;

const USER: ResourceKind = ResourceKind::User;

fn user_name(doc: &Value) -> &str {
    doc.get("userName").and_then(Value::as_str).unwrap_or_default()
}

fn active(doc: &Value) -> bool {
    doc.get("active").and_then(Value::as_bool).unwrap_or(true)
}

/// What an update did, in the Activity feed's words.
fn describe_update(before: &Value, after: &Value) -> (Change, String) {
    let name = user_name(after);
    match (active(before), active(after)) {
        (true, false) => (Change::UserDisabled, format!("disabled user {name}")),
        (false, true) => (Change::UserEnabled, format!("enabled user {name}")),
        _ if before == after => (Change::UserUpdated, format!("user {name} unchanged")),
        _ => {
            let changed: Vec<&str> = after
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, v)| before.get(k.as_str()) != Some(*v))
                .map(|(k, _)| k.as_str())
                .chain(before.as_object().into_iter().flatten().filter(|(k, _)| after.get(k.as_str()).is_none()).map(|(k, _)| k.as_str()))
                .filter(|k| *k != "schemas")
                .map(|k| k.rsplit(':').next().unwrap_or(k))
                .collect();
            (Change::UserUpdated, format!("updated user {name} ({})", changed.join(", ")))
        }
    }
}

impl Directory {
    pub async fn create_user(&self, source: &SourceRef, body: Value) -> Result<Outcome, ScimError> {
        let doc = resource::normalize(USER, body)?;
        let id = new_id();
        let source_id = source.id;
        let stored = self.store.writer().create_user(source_id, id, doc).await.map_err(scim_err)?;
        let body = render(USER, &stored, &source.base_url, None);
        let summary = format!("created user {}", user_name(&stored.doc));
        Ok(Outcome::created(Change::UserCreated, &stored, body, summary))
    }

    pub async fn get_user(&self, source: &SourceRef, id: &str) -> Result<(StoredResource, Value), ScimError> {
        let stored = self
            .store
            .read(|conn| store_users::get_user(conn, source.id, id))
            .map_err(scim_err)?
            .ok_or_else(|| not_found("user", id))?;
        let body = render(USER, &stored, &source.base_url, None);
        Ok((stored, body))
    }

    pub async fn replace_user(&self, source: &SourceRef, id: &str, body: Value, pre: Precondition) -> Result<Outcome, ScimError> {
        let doc = resource::normalize(USER, body)?;
        self.update_user(source, id, pre, move |_| Ok(doc)).await
    }

    pub async fn patch_user(&self, source: &SourceRef, id: &str, body: &Value, pre: Precondition) -> Result<Outcome, ScimError> {
        let ops = patch::parse_patch_request(body)?;
        self.update_user(source, id, pre, move |current| {
            let mut doc = current.clone();
            patch::apply(&mut doc, USER, &ops)?;
            resource::normalize(USER, doc)
        })
        .await
    }

    /// Read the user, compute its new document with `change`, store it: all in one write.
    async fn update_user<F>(&self, source: &SourceRef, id: &str, pre: Precondition, change: F) -> Result<Outcome, ScimError>
    where
        F: FnOnce(&Value) -> Result<Value, ScimError> + Send + 'static,
    {
        let (source_id, id_owned) = (source.id, id.to_string());
        let (before, stored) = self
            .store
            .writer()
            .write(move |conn| {
                let current = store_users::get_user(conn, source_id, &id_owned)?.ok_or_else(|| not_found("user", &id_owned))?;
                pre.check(current.version)?;
                let doc = change(&current.doc)?;
                if doc == current.doc {
                    return Ok((current.doc.clone(), current));
                }
                let updated = store_users::update_user(conn, source_id, &current, &doc)?;
                Ok((current.doc, updated))
            })
            .await
            .map_err(scim_err)?;
        let (change, summary) = describe_update(&before, &stored.doc);
        let body = render(USER, &stored, &source.base_url, None);
        Ok(Outcome::changed(change, &stored, Some(body), summary))
    }

    pub async fn delete_user(&self, source: &SourceRef, id: &str, pre: Precondition) -> Result<Outcome, ScimError> {
        let deleted = self.delete_resource(source, USER, id, pre).await?;
        let summary = format!("deleted user {}", user_name(&deleted.doc));
        Ok(Outcome { version: None, ..Outcome::changed(Change::UserDeleted, &deleted, None, summary) })
    }
}
