//! Provisioned groups: create, get, replace, patch (document and membership), delete.

use serde_json::{json, Value};

use super::{new_id, not_found, render, scim_err, Directory, Outcome, Precondition, SourceRef};
use crate::events::Change;
use crate::scim::patch::{self, MemberChange, PatchStep};
use crate::scim::{resource, ResourceKind, ScimError};
use crate::store::groups as store_groups;
use crate::store::StoredResource;
use crate::store::{Connection, MemberRow, StoreError};

const GROUP: ResourceKind = ResourceKind::Group;

fn display_name(doc: &Value) -> &str {
    doc.get("displayName").and_then(Value::as_str).unwrap_or_default()
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// Membership changes of one request, summed.
#[derive(Default, Clone, Copy)]
struct Delta {
    added: u64,
    removed: u64,
}

fn apply_member_change(
    conn: &Connection,
    source_id: i64,
    group: &StoredResource,
    change: MemberChange,
    delta: &mut Delta,
) -> Result<(), StoreError> {
    match change {
        MemberChange::Add(ids) => delta.added += store_groups::add_members(conn, source_id, group, &ids)?,
        MemberChange::Remove(ids) => delta.removed += store_groups::remove_members(conn, group, &ids)?,
        MemberChange::RemoveAll => delta.removed += store_groups::remove_all_members(conn, group)?,
        MemberChange::ReplaceAll(ids) => {
            delta.removed += store_groups::remove_all_members(conn, group)?;
            delta.added += store_groups::add_members(conn, source_id, group, &ids)?;
        }
        MemberChange::RemoveWhere(filter) => {
            let members = store_groups::members_of(conn, group.rowid)?;
            let ids: Vec<String> = members
                .into_iter()
                .filter(|m| filter.matches(&json!({"value": m.value, "type": m.kind, "display": m.display}), GROUP))
                .map(|m| m.value)
                .collect();
            delta.removed += store_groups::remove_members(conn, group, &ids)?;
        }
    }
    Ok(())
}

fn describe(before: &Value, after: &Value, delta: Delta) -> (Change, String) {
    let name = display_name(after);
    let mut parts = Vec::new();
    let mut change = Change::GroupUpdated;
    if display_name(before) != name {
        parts.push(format!("renamed group {} to {name}", display_name(before)));
        change = Change::GroupRenamed;
    } else if before != after {
        parts.push(format!("updated group {name}"));
    }
    if delta.added > 0 {
        parts.push(format!("added {} to {name}", plural(delta.added, "member")));
    }
    if delta.removed > 0 {
        parts.push(format!("removed {} from {name}", plural(delta.removed, "member")));
    }
    if (delta.added > 0 || delta.removed > 0) && change == Change::GroupUpdated && before == after {
        change = Change::MembersChanged { added: delta.added, removed: delta.removed };
    }
    if parts.is_empty() {
        parts.push(format!("group {name} unchanged"));
    }
    (change, parts.join("; "))
}

impl Directory {
    pub async fn create_group(&self, source: &SourceRef, mut body: Value) -> Result<Outcome, ScimError> {
        let member_ids = match body.as_object_mut().and_then(|o| {
            let key = o.keys().find(|k| k.eq_ignore_ascii_case("members")).cloned();
            key.and_then(|k| o.remove(&k))
        }) {
            Some(Value::Null) | None => vec![],
            Some(members) => resource::member_ids(&members)?,
        };
        let doc = resource::normalize(GROUP, body)?;
        let (id, source_id) = (new_id(), source.id);
        let (stored, members) = self
            .store
            .writer()
            .write(move |conn| {
                let group = store_groups::insert_group(conn, source_id, &id, &doc)?;
                let added = store_groups::add_members(conn, source_id, &group, &member_ids)?;
                store_groups::adjust_count(conn, group.rowid, added as i64)?;
                let members = store_groups::members_of(conn, group.rowid)?;
                Ok((group, members))
            })
            .await
            .map_err(scim_err)?;
        let body = render(GROUP, &stored, &source.base_url, Some(&members));
        let mut summary = format!("created group {}", display_name(&stored.doc));
        if !members.is_empty() {
            summary.push_str(&format!(" with {}", plural(members.len() as u64, "member")));
        }
        Ok(Outcome::created(Change::GroupCreated, &stored, body, summary))
    }

    /// The group, with its members unless `with_members` is false (they are then not read).
    pub async fn get_group(&self, source: &SourceRef, id: &str, with_members: bool) -> Result<(StoredResource, Value), ScimError> {
        // The group and its members as of one moment.
        let (stored, members) = self
            .store
            .snapshot(|conn| {
                let Some(group) = store_groups::get_group(conn, source.id, id)? else { return Ok(None) };
                let members = if with_members { Some(store_groups::members_of(conn, group.rowid)?) } else { None };
                Ok(Some((group, members)))
            })
            .map_err(scim_err)?
            .ok_or_else(|| not_found("group", id))?;
        let body = render(GROUP, &stored, &source.base_url, members.as_deref());
        Ok((stored, body))
    }

    pub(super) fn members(&self, group: &StoredResource) -> Result<Vec<MemberRow>, ScimError> {
        self.store.read(|conn| store_groups::members_of(conn, group.rowid)).map_err(scim_err)
    }

    pub async fn replace_group(&self, source: &SourceRef, id: &str, mut body: Value, pre: Precondition) -> Result<Outcome, ScimError> {
        // PUT replaces the whole group: members absent or empty means no members.
        let members = body
            .as_object_mut()
            .and_then(|o| o.keys().find(|k| k.eq_ignore_ascii_case("members")).cloned().and_then(|k| o.remove(&k)));
        let ids = match members {
            Some(Value::Null) | None => vec![],
            Some(m) => resource::member_ids(&m)?,
        };
        let doc = resource::normalize(GROUP, body)?;
        self.update_group(source, id, pre, vec![PatchStep::Members(MemberChange::ReplaceAll(ids))], Some(doc)).await
    }

    pub async fn patch_group(&self, source: &SourceRef, id: &str, body: &Value, pre: Precondition) -> Result<Outcome, ScimError> {
        let steps = patch::plan(GROUP, patch::parse_patch_request(body)?)?;
        self.update_group(source, id, pre, steps, None).await
    }

    /// Apply `steps` (and a replacement document, for PUT) to the group in one write.
    async fn update_group(
        &self,
        source: &SourceRef,
        id: &str,
        pre: Precondition,
        steps: Vec<PatchStep>,
        replacement: Option<Value>,
    ) -> Result<Outcome, ScimError> {
        let (source_id, id_owned) = (source.id, id.to_string());
        let (before, stored, delta) = self
            .store
            .writer()
            .write(move |conn| {
                let current = store_groups::get_group(conn, source_id, &id_owned)?.ok_or_else(|| not_found("group", &id_owned))?;
                pre.check(current.version)?;
                let mut doc = replacement.unwrap_or_else(|| current.doc.clone());
                let mut delta = Delta::default();
                for step in steps {
                    match step {
                        PatchStep::Document(op) => patch::apply(&mut doc, GROUP, std::slice::from_ref(&op))?,
                        PatchStep::Members(change) => apply_member_change(conn, source_id, &current, change, &mut delta)?,
                    }
                }
                let doc = resource::normalize(GROUP, doc)?;
                if doc == current.doc && delta.added == 0 && delta.removed == 0 {
                    return Ok((current.doc.clone(), current, delta));
                }
                let member_delta = delta.added as i64 - delta.removed as i64;
                let updated = store_groups::update_group(conn, &current, &doc, member_delta)?;
                Ok((current.doc, updated, delta))
            })
            .await
            .map_err(scim_err)?;
        let (change, summary) = describe(&before, &stored.doc, delta);
        Ok(Outcome::changed(change, &stored, None, summary))
    }

    pub async fn delete_group(&self, source: &SourceRef, id: &str, pre: Precondition) -> Result<Outcome, ScimError> {
        let deleted = self.delete_resource(source, GROUP, id, pre).await?;
        let summary = format!("deleted group {}", display_name(&deleted.doc));
        Ok(Outcome { version: None, ..Outcome::changed(Change::GroupDeleted, &deleted, None, summary) })
    }
}
