//! Provisioned groups: create, get, replace, patch (document and membership), delete.

use serde_json::{json, Value};

use super::{new_id, render, Directory, DirectoryError, Outcome, Precondition, Result, SourceRef};
use crate::change::Change;
use crate::scim::patch::{self, MemberChange, PatchStep};
use crate::scim::{resource, ResourceKind};
use crate::store::{DirectoryTx, MemberRow, MembersAdded, StoredResource};

const GROUP: ResourceKind = ResourceKind::Group;

fn display_name(doc: &Value) -> &str {
    doc.get("displayName").and_then(Value::as_str).unwrap_or_default()
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Membership changes of one request, summed.
#[derive(Default, Clone, Copy)]
struct Delta {
    added: u64,
    removed: u64,
}

/// Add `ids` to the group: a group cannot contain itself, and every member must be a user or
/// group of the source. Returns how many were added.
fn add_members(tx: &mut dyn DirectoryTx, source_id: i64, group: &StoredResource, ids: &[String]) -> Result<u64> {
    if ids.contains(&group.id) {
        return Err(DirectoryError::SelfMember(group.id.clone()));
    }
    match tx.add_members(source_id, group, ids)? {
        MembersAdded::Added(n) => Ok(n),
        MembersAdded::UnknownMember(id) => Err(DirectoryError::UnknownMember(id)),
    }
}

fn apply_member_change(
    tx: &mut dyn DirectoryTx,
    source_id: i64,
    group: &StoredResource,
    change: MemberChange,
    delta: &mut Delta,
) -> Result<()> {
    match change {
        MemberChange::Add(ids) => delta.added += add_members(tx, source_id, group, &ids)?,
        MemberChange::Remove(ids) => delta.removed += tx.remove_members(group, &ids)?,
        MemberChange::RemoveAll => delta.removed += tx.remove_all_members(group)?,
        MemberChange::ReplaceAll(ids) => {
            delta.removed += tx.remove_all_members(group)?;
            delta.added += add_members(tx, source_id, group, &ids)?;
        }
        MemberChange::RemoveWhere(filter) => {
            let members = tx.members_of(group.rowid)?;
            let ids: Vec<String> = members
                .into_iter()
                .filter(|m| filter.matches(&json!({"value": m.value, "type": m.kind, "display": m.display}), GROUP))
                .map(|m| m.value)
                .collect();
            delta.removed += tx.remove_members(group, &ids)?;
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
    pub async fn create_group(&self, source: &SourceRef, mut body: Value) -> Result<Outcome> {
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
            .write(move |tx| {
                let group = tx
                    .insert_group(source_id, &id, &doc)
                    .map_err(|e| DirectoryError::on_name_clash(e, display_name(&doc)))?;
                let added = add_members(tx, source_id, &group, &member_ids)?;
                tx.adjust_count(group.rowid, added as i64)?;
                let members = tx.members_of(group.rowid)?;
                Ok((group, members))
            })
            .await?;
        let body = render(GROUP, &stored, &source.base_url, Some(&members));
        let mut summary = format!("created group {}", display_name(&stored.doc));
        if !members.is_empty() {
            summary.push_str(&format!(" with {}", plural(members.len() as u64, "member")));
        }
        Ok(Outcome::created(Change::GroupCreated, &stored, body, summary))
    }

    /// The group, with its members unless `with_members` is false (they are then not read).
    pub async fn get_group(&self, source: &SourceRef, id: &str, with_members: bool) -> Result<(StoredResource, Value)> {
        // The group and its members as of one moment.
        let (stored, members) = self
            .store
            .group_with_members(source.id, id, with_members)?
            .ok_or_else(|| DirectoryError::not_found(GROUP, id))?;
        let body = render(GROUP, &stored, &source.base_url, members.as_deref());
        Ok((stored, body))
    }

    pub(super) fn members(&self, group: &StoredResource) -> Result<Vec<MemberRow>> {
        Ok(self.store.members_of(group.rowid)?)
    }

    pub async fn replace_group(
        &self,
        source: &SourceRef,
        id: &str,
        mut body: Value,
        pre: Precondition,
    ) -> Result<Outcome> {
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

    pub async fn patch_group(&self, source: &SourceRef, id: &str, body: &Value, pre: Precondition) -> Result<Outcome> {
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
    ) -> Result<Outcome> {
        let (source_id, id) = (source.id, id.to_string());
        let (before, stored, delta) = self
            .write(move |tx| {
                let current = tx.group(source_id, &id)?.ok_or_else(|| DirectoryError::not_found(GROUP, &id))?;
                pre.check(current.version)?;
                let mut doc = replacement.unwrap_or_else(|| current.doc.clone());
                let mut delta = Delta::default();
                for step in steps {
                    match step {
                        PatchStep::Document(op) => patch::apply(&mut doc, GROUP, std::slice::from_ref(&op))?,
                        PatchStep::Members(change) => apply_member_change(tx, source_id, &current, change, &mut delta)?,
                    }
                }
                let doc = resource::normalize(GROUP, doc)?;
                if doc == current.doc && delta.added == 0 && delta.removed == 0 {
                    return Ok((current.doc.clone(), current, delta));
                }
                let member_delta = delta.added as i64 - delta.removed as i64;
                let updated = tx
                    .update_group(&current, &doc, member_delta)
                    .map_err(|e| DirectoryError::on_name_clash(e, display_name(&doc)))?;
                Ok((current.doc, updated, delta))
            })
            .await?;
        let (change, summary) = describe(&before, &stored.doc, delta);
        Ok(Outcome::changed(change, &stored, None, summary))
    }
}
