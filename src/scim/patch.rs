//! PatchOp (RFC 7644 §3.5.2) parsed and applied to a resource document, plus the Entra forms
//! listed in ENTRA.md.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::error::ScimError;
use super::filter::{parse_patch_path, CompareOp, Filter, PatchPath};
use super::resource::{MAX_ARRAY_ITEMS, MAX_MEMBERS};
use super::{ResourceKind, GROUP_SCHEMA, PATCH_OP_SCHEMA};

mod apply;
mod target;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_apply;
mod values;

/// More operations than this in one request are refused: Entra sends a handful, and each one
/// costs a pass over the document.
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Replace,
    Remove,
}

/// One operation of a PatchOp request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// A change to a group's membership, executed by the store against the `group_members` table
/// so that its cost does not depend on the group's size.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberChange {
    /// Add these member ids (already present ones are left alone).
    Add(Vec<String>),
    /// Remove exactly these member ids.
    Remove(Vec<String>),
    /// Remove the members for which this filter (relative to a member `{value, display, type, $ref}`) holds.
    RemoveWhere(Filter),
    /// Remove every member.
    RemoveAll,
    /// Make the membership exactly these ids.
    ReplaceAll(Vec<String>),
}

/// A PatchOp request split into what changes the document and what changes the membership,
/// in request order.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchStep {
    Document(PatchOperation),
    Members(MemberChange),
}

/// The member of an object whose key equals `key` in any letter case (an exact match first).
fn get_ci<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// Parse and check a PatchOp request body.
pub fn parse_patch_request(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let Some(body) = body.as_object() else {
        return Err(ScimError::invalid_syntax(format!(
            "The PATCH body must be a JSON object with \"schemas\": [\"{PATCH_OP_SCHEMA}\"] and \"Operations\"."
        )));
    };
    let names_patch_op = |v: &Value| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA));
    match get_ci(body, "schemas") {
        None | Some(Value::Null) => {
            return Err(ScimError::invalid_syntax(format!(
                "The PATCH body has no \"schemas\"; send \"schemas\": [\"{PATCH_OP_SCHEMA}\"]."
            )))
        }
        Some(Value::Array(schemas)) if schemas.iter().any(names_patch_op) => {}
        Some(other) => {
            return Err(ScimError::invalid_value(format!(
                "The PATCH body's \"schemas\" is {other}; it must be [\"{PATCH_OP_SCHEMA}\"]."
            )))
        }
    }
    let ops = match get_ci(body, "Operations") {
        Some(Value::Array(ops)) => ops,
        None | Some(Value::Null) => {
            return Err(ScimError::invalid_syntax("The PATCH body has no \"Operations\" array of operations."))
        }
        Some(_) => {
            return Err(ScimError::invalid_syntax("The PATCH body's \"Operations\" must be an array of operations."))
        }
    };
    if ops.is_empty() {
        return Err(ScimError::invalid_value("The PATCH body's \"Operations\" is empty; send at least one operation."));
    }
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "The PATCH body has {} operations; the limit is {MAX_OPERATIONS} per request. Split it into several requests.",
            ops.len()
        )));
    }
    check_sizes(ops)?;
    ops.iter().enumerate().map(|(i, op)| parse_operation(i + 1, op)).collect()
}

/// Refuse, before any operation is parsed or applied, a request whose values are larger than
/// what applying them may cost: more than [`MAX_ARRAY_ITEMS`] values for one attribute (a
/// group's `members` have their own limit, [`MAX_MEMBERS`], checked by [`plan`]), or more than
/// [`MAX_OPERATIONS`] attributes set in all (each key of a path-less value counts as one
/// operation: applying it costs a pass over the document's attributes).
fn check_sizes(ops: &[Value]) -> Result<(), ScimError> {
    let mut attributes = 0usize;
    for (i, op) in ops.iter().enumerate() {
        let Some(op) = op.as_object() else { continue };
        let path = get_ci(op, "path").and_then(Value::as_str).map(str::trim).filter(|p| !p.is_empty());
        let value = get_ci(op, "value");
        let is_members = |name: &str| is_members_key(name.split('[').next().unwrap_or(name).trim());
        match (path, value) {
            (Some(path), Some(Value::Array(items))) if items.len() > MAX_ARRAY_ITEMS && !is_members(path) => {
                return Err(too_many_values(i + 1, path, items.len()));
            }
            (None, Some(Value::Object(map))) => {
                attributes += map.len();
                for (key, v) in map {
                    let nested = match v {
                        // `{"urn:...:User": {...}}` and an extension's object hold attributes too.
                        Value::Object(inner) if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) => {
                            attributes += inner.len();
                            inner.iter().filter_map(|(k, v)| v.as_array().map(|a| (k, a.len()))).max_by_key(|(_, n)| *n)
                        }
                        Value::Array(items) => Some((key, items.len())),
                        _ => None,
                    };
                    if let Some((name, n)) = nested.filter(|(name, n)| *n > MAX_ARRAY_ITEMS && !is_members(name)) {
                        return Err(too_many_values(i + 1, name, n));
                    }
                }
            }
            _ => attributes += 1,
        }
    }
    if attributes > MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "The PATCH body sets {attributes} attributes; the limit is {MAX_OPERATIONS} per request (each key of a \
             value without a \"path\" counts as one). Split it into several requests."
        )));
    }
    Ok(())
}

fn too_many_values(n: usize, name: &str, count: usize) -> ScimError {
    ScimError::invalid_value(format!(
        "Operation {n}: \"{name}\" has {count} values; ScimDesk accepts at most {MAX_ARRAY_ITEMS} values per attribute."
    ))
}

/// `n` counts from 1, as a person reading the request would.
fn parse_operation(n: usize, op: &Value) -> Result<PatchOperation, ScimError> {
    let Some(op) = op.as_object() else {
        return Err(ScimError::invalid_syntax(format!(
            "Operation {n} must be an object with \"op\", \"path\" and \"value\"."
        )));
    };
    let kind = match get_ci(op, "op") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("add") => PatchOpKind::Add,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("replace") => PatchOpKind::Replace,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("remove") => PatchOpKind::Remove,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "Operation {n} has \"op\": {other}; use \"add\", \"replace\" or \"remove\"."
            )))
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "Operation {n} has no \"op\"; use \"add\", \"replace\" or \"remove\"."
            )))
        }
    };
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        // Some clients send an empty path for "the resource itself".
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(parse_patch_path(s.trim()).map_err(|mut e| {
            e.detail = format!("Operation {n}: {}", e.detail);
            e
        })?),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "Operation {n} has \"path\": {other}; a path is a string such as \"name.familyName\"."
            )))
        }
    };
    // An explicit `null` is kept apart from a missing value: `replace` with null removes.
    let value = get_ci(op, "value").cloned();
    match kind {
        PatchOpKind::Add | PatchOpKind::Replace if value.is_none() => {
            let verb = if kind == PatchOpKind::Add { "add" } else { "replace" };
            return Err(ScimError::invalid_value(format!("Operation {n} ({verb}) has no \"value\".")));
        }
        PatchOpKind::Remove if path.is_none() => {
            return Err(ScimError::no_target(format!(
                "Operation {n} is a remove without a \"path\"; name the attribute to remove, e.g. \"path\": \"title\"."
            )));
        }
        _ => {}
    }
    Ok(PatchOperation { op: kind, path, value })
}

fn is_members_path(path: &PatchPath) -> bool {
    path.attr.uri.is_none() && path.attr.name.eq_ignore_ascii_case("members")
}

fn is_members_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("members")
        || key.len() == GROUP_SCHEMA.len() + 8
            && key.get(..GROUP_SCHEMA.len()).is_some_and(|p| p.eq_ignore_ascii_case(GROUP_SCHEMA))
            && key[GROUP_SCHEMA.len()..].eq_ignore_ascii_case(":members")
}

/// For groups: turn operations on `members` into [`MemberChange`]s; other operations stay
/// document steps. For users every operation is a document step.
///
/// A filtered path on members is accepted only by `remove` (`members[value eq "id"]`): an `add`
/// or `replace` there has no meaning RFC 7644 defines for a membership (members have no
/// sub-attributes a client may change), so it is refused with invalidPath rather than guessed at.
pub fn plan(kind: ResourceKind, ops: Vec<PatchOperation>) -> Result<Vec<PatchStep>, ScimError> {
    if kind == ResourceKind::User {
        return Ok(ops.into_iter().map(PatchStep::Document).collect());
    }
    let mut steps = Vec::new();
    let mut budget = MemberBudget(MAX_MEMBERS);
    for op in ops {
        match &op.path {
            Some(path) if is_members_path(path) => steps.extend(plan_members_path(&op, path, &mut budget)?),
            None if op.op != PatchOpKind::Remove => plan_pathless(op, &mut steps, &mut budget)?,
            _ => steps.push(PatchStep::Document(op)),
        }
    }
    Ok(steps)
}

/// How many more member ids the request may still name: [`MAX_MEMBERS`] for the whole request,
/// counted before the ids are read, so a long list is refused without being looked at.
struct MemberBudget(usize);

impl MemberBudget {
    fn take(&mut self, value: Option<&Value>) -> Result<(), ScimError> {
        let n = match value {
            None | Some(Value::Null) => 0,
            Some(Value::Array(items)) => items.len(),
            Some(_) => 1,
        };
        if n > self.0 {
            return Err(ScimError::invalid_value(format!(
                "The request names more than {MAX_MEMBERS} members; send at most {MAX_MEMBERS} member ids per \
                 request (split the change into several PATCH requests)."
            )));
        }
        self.0 -= n;
        Ok(())
    }
}

fn plan_members_path(
    op: &PatchOperation,
    path: &PatchPath,
    budget: &mut MemberBudget,
) -> Result<Option<PatchStep>, ScimError> {
    if let Some(sub) = path.attr.sub.as_ref().or(path.sub.as_ref()) {
        return Err(ScimError::invalid_path(format!(
            "\"{path}\": a member's \"{sub}\" cannot be changed; add or remove the member instead."
        )));
    }
    let value = op.value.as_ref().filter(|v| !v.is_null());
    budget.take(value)?;
    let change = match (op.op, &path.filter) {
        (PatchOpKind::Remove, Some(filter)) => match value_eq_ids(filter) {
            Some(ids) => MemberChange::Remove(ids),
            None => MemberChange::RemoveWhere(filter.clone()),
        },
        (_, Some(_)) => {
            return Err(ScimError::invalid_path(format!(
                "\"{path}\": a filtered members path can only be removed; to add members use \"path\": \"members\" with \"value\": [{{\"value\": \"<id>\"}}]."
            )))
        }
        (PatchOpKind::Add, None) => MemberChange::Add(member_ids(value)?),
        (PatchOpKind::Replace, None) => match value {
            None => MemberChange::RemoveAll,
            some => MemberChange::ReplaceAll(member_ids(some)?),
        },
        // Remove only the members listed: emptying the group here is a known bug of naive servers.
        (PatchOpKind::Remove, None) => match value {
            None => MemberChange::RemoveAll,
            some => MemberChange::Remove(member_ids(some)?),
        },
    };
    Ok(match &change {
        MemberChange::Add(ids) | MemberChange::Remove(ids) if ids.is_empty() => None,
        _ => Some(PatchStep::Members(change)),
    })
}

/// A path-less `add`/`replace` whose value carries `members`: the membership part becomes a
/// member change, the rest stays a document operation.
fn plan_pathless(op: PatchOperation, steps: &mut Vec<PatchStep>, budget: &mut MemberBudget) -> Result<(), ScimError> {
    let Some(Value::Object(map)) = &op.value else {
        steps.push(PatchStep::Document(op));
        return Ok(());
    };
    let Some(key) = map.keys().find(|k| is_members_key(k)).cloned() else {
        steps.push(PatchStep::Document(op));
        return Ok(());
    };
    let mut rest = map.clone();
    let members = rest.shift_remove(&key).unwrap_or(Value::Null);
    budget.take(Some(&members))?;
    if !rest.is_empty() {
        steps.push(PatchStep::Document(PatchOperation { op: op.op, path: None, value: Some(Value::Object(rest)) }));
    }
    let change = match (op.op, members.is_null()) {
        (PatchOpKind::Replace, true) => Some(MemberChange::RemoveAll),
        (PatchOpKind::Replace, false) => Some(MemberChange::ReplaceAll(member_ids(Some(&members))?)),
        (_, true) => None,
        (_, false) => Some(MemberChange::Add(member_ids(Some(&members))?)).filter(|c| c != &MemberChange::Add(vec![])),
    };
    steps.extend(change.map(PatchStep::Members));
    Ok(())
}

/// Ids from a members value: an array of `{value}` objects, or a single one (bare id strings are
/// taken too). `display`, `type` and `$ref` are ignored: the server derives them. Repeated ids
/// are kept once, in first-seen order (a hash set: linear in the list, however many repeats).
fn member_ids(value: Option<&Value>) -> Result<Vec<String>, ScimError> {
    let items: Vec<&Value> = match value {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    let mut ids: Vec<String> = Vec::with_capacity(items.len());
    let mut seen: HashSet<&str> = HashSet::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let id = match item {
            Value::Object(m) => get_ci(m, "value").and_then(Value::as_str),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        let Some(id) = id.map(str::trim).filter(|id| !id.is_empty()) else {
            return Err(ScimError::invalid_value(format!(
                "Member {} has no \"value\"; each member must be {{\"value\": \"<id of a user or group>\"}}, found {item}.",
                i + 1
            )));
        };
        if seen.insert(id) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

/// The ids of `value eq "a"` or `value eq "a" or value eq "b" ...`; `None` for any other filter.
fn value_eq_ids(filter: &Filter) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    collect_value_eq_ids(filter, &mut ids)?;
    let mut seen = HashSet::with_capacity(ids.len());
    ids.retain(|id| seen.insert(id.clone()));
    Some(ids)
}

fn collect_value_eq_ids(filter: &Filter, ids: &mut Vec<String>) -> Option<()> {
    match filter {
        Filter::Compare { path, op: CompareOp::Eq, value: Value::String(id) }
            if path.uri.is_none() && path.sub.is_none() && path.name.eq_ignore_ascii_case("value") =>
        {
            ids.push(id.clone());
            Some(())
        }
        Filter::Or(a, b) => {
            collect_value_eq_ids(a, ids)?;
            collect_value_eq_ids(b, ids)
        }
        _ => None,
    }
}

/// Apply document operations to `doc` (the stored document: no `id`, `meta` or `members`).
/// All or nothing: on error `doc` is unchanged.
pub fn apply(doc: &mut Value, kind: ResourceKind, ops: &[PatchOperation]) -> Result<(), ScimError> {
    let mut work = doc.clone();
    let map =
        work.as_object_mut().ok_or_else(|| ScimError::invalid_value("The resource to patch is not a JSON object."))?;
    for op in ops {
        apply::operation(map, kind, op)?;
    }
    *doc = work;
    Ok(())
}
