//! Provisioned users: create, get, replace, patch, delete.

use serde_json::Value;

use super::{new_id, render, Directory, DirectoryError, Outcome, Precondition, Result, SourceRef};
use crate::change::Change;
use crate::scim::{patch, resource, ResourceKind, ScimError};
use crate::store::{PreparedUser, StoredResource};

const USER: ResourceKind = ResourceKind::User;

/// How often a user update is computed again because another write to the user came first,
/// before it is computed inside the write instead.
const OPTIMISTIC_TRIES: usize = 3;

/// Requests with more JSON values than this have the user's new document computed outside the
/// writer. Entra's have tens: computed inside, they cost the writer microseconds and share a
/// commit with the writes around them (computed outside, they added a fifth to a PATCH's CPU in
/// the benchmark); the largest the limits allow took tens of milliseconds of the writer's time.
const COMPUTED_OUTSIDE_ABOVE: usize = 1_000;

/// The number of JSON values in `v`, counted up to `limit`.
fn json_values(v: &Value, limit: usize) -> usize {
    let mut count = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        count += 1;
        if count > limit {
            break;
        }
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(fields) => stack.extend(fields.values()),
            _ => {}
        }
    }
    count
}

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
                .chain(
                    before
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(k, _)| after.get(k.as_str()).is_none())
                        .map(|(k, _)| k.as_str()),
                )
                .filter(|k| *k != "schemas")
                .map(|k| k.rsplit(':').next().unwrap_or(k))
                .collect();
            (Change::UserUpdated, format!("updated user {name} ({})", changed.join(", ")))
        }
    }
}

impl Directory {
    pub async fn create_user(&self, source: &SourceRef, body: Value) -> Result<Outcome> {
        let doc = resource::normalize(USER, body)?;
        let name = user_name(&doc).to_string();
        let stored = (self.store.create_user(source.id, new_id(), doc).await)
            .map_err(|e| DirectoryError::on_name_clash(e, &name))?;
        let body = render(USER, &stored, &source.base_url, None);
        let summary = format!("created user {}", user_name(&stored.doc));
        Ok(Outcome::created(Change::UserCreated, &stored, body, summary))
    }

    pub async fn get_user(&self, source: &SourceRef, id: &str) -> Result<(StoredResource, Value)> {
        let stored = (self.store.user(source.id, id)?).ok_or_else(|| DirectoryError::not_found(USER, id))?;
        let body = render(USER, &stored, &source.base_url, None);
        Ok((stored, body))
    }

    pub async fn replace_user(&self, source: &SourceRef, id: &str, body: Value, pre: Precondition) -> Result<Outcome> {
        let large = json_values(&body, COMPUTED_OUTSIDE_ABOVE) > COMPUTED_OUTSIDE_ABOVE;
        let doc = resource::normalize(USER, body)?;
        self.update_user(source, id, pre, large, move |_| Ok(doc.clone())).await
    }

    pub async fn patch_user(&self, source: &SourceRef, id: &str, body: &Value, pre: Precondition) -> Result<Outcome> {
        let large = json_values(body, COMPUTED_OUTSIDE_ABOVE) > COMPUTED_OUTSIDE_ABOVE;
        let ops = patch::parse_patch_request(body)?;
        self.update_user(source, id, pre, large, move |current| {
            let mut doc = current.clone();
            patch::apply(&mut doc, USER, &ops)?;
            resource::normalize(USER, doc)
        })
        .await
    }

    /// Compute the user's new document with `change` and store it, as if read, changed and
    /// written at one moment. For a `large` request the document is computed outside the writer
    /// (it takes milliseconds, and the writer serves every source) and stored only if the
    /// user's version has not moved since it was read; when other writes keep coming first, or
    /// for a small request, it is computed inside the write.
    async fn update_user<F>(
        &self,
        source: &SourceRef,
        id: &str,
        pre: Precondition,
        large: bool,
        change: F,
    ) -> Result<Outcome>
    where
        F: Fn(&Value) -> Result<Value, ScimError> + Send + Sync + 'static,
    {
        for _ in 0..if large { OPTIMISTIC_TRIES } else { 0 } {
            let current = (self.store.user(source.id, id)?).ok_or_else(|| DirectoryError::not_found(USER, id))?;
            pre.check(current.version)?;
            let doc = change(&current.doc)?;
            if doc == current.doc {
                return Ok(self.updated(source, &current.doc.clone(), current));
            }
            let prepared = PreparedUser::new(&current.doc, doc);
            let name = user_name(prepared.doc()).to_string();
            let (source_id, meta) = (source.id, current.meta());
            let written = self
                .write(move |tx| {
                    tx.update_user_if_current(source_id, &meta, prepared)
                        .map_err(|e| DirectoryError::on_name_clash(e, &name))
                })
                .await?;
            if let Some(stored) = written {
                return Ok(self.updated(source, &current.doc, stored));
            }
        }
        let (source_id, id) = (source.id, id.to_string());
        let (before, stored) = self
            .write(move |tx| {
                let current = tx.user(source_id, &id)?.ok_or_else(|| DirectoryError::not_found(USER, &id))?;
                pre.check(current.version)?;
                let doc = change(&current.doc)?;
                if doc == current.doc {
                    return Ok((current.doc.clone(), current));
                }
                let name = user_name(&doc).to_string();
                let prepared = PreparedUser::new(&current.doc, doc);
                let updated = tx
                    .update_user_if_current(source_id, &current.meta(), prepared)
                    .map_err(|e| DirectoryError::on_name_clash(e, &name))?
                    .ok_or_else(|| DirectoryError::not_found(USER, &id))?;
                Ok((current.doc, updated))
            })
            .await?;
        Ok(self.updated(source, &before, stored))
    }

    /// The outcome of an update from `before` to `stored`.
    fn updated(&self, source: &SourceRef, before: &Value, stored: StoredResource) -> Outcome {
        let (change, summary) = describe_update(before, &stored.doc);
        let body = render(USER, &stored, &source.base_url, None);
        Outcome::changed(change, &stored, Some(body), summary)
    }
}
