//! Normalisation and validation of incoming resources (names, string booleans, nulls, URNs),
//! and projection of outgoing ones (`attributes`, `excludedAttributes`, returned rules).

mod normalize;
mod projection;
#[cfg(test)]
mod tests_normalize;
#[cfg(test)]
mod tests_projection;

use std::collections::HashSet;

use serde_json::Value;

use super::error::ScimError;
use super::schema::{self, AttrPath};
use super::{ResourceKind, GROUP_SCHEMA};

/// The longest string attribute value accepted, in bytes.
pub const MAX_STRING_BYTES: usize = 64 * 1024;
/// The most elements a multi-valued attribute may hold (group `members` excepted). Entra and the
/// other providers send a handful of emails, phone numbers or addresses, and at most hundreds of
/// roles or entitlements; at 1,000 the largest such PATCH is answered in milliseconds, where
/// 10,000 emails took about 100 ms of CPU alone and over the 250 ms budget under attack
/// (BENCHMARKS.md, "Hostile load").
pub const MAX_ARRAY_ITEMS: usize = 1_000;
/// The most member ids one request may name (a POST or PUT group's `members`, or all the
/// membership operations of one PATCH together). Groups may be larger: this bounds the time one
/// request holds the writer (BENCHMARKS.md, "Hostile load"), and Entra sends far fewer at once.
pub const MAX_MEMBERS: usize = 10_000;

/// Turn a resource as a client sent it (POST/PUT body, or a document after PATCH) into the stored
/// document: an object without `id`, `meta`, `members` or `password`, with known attribute names
/// in their schema spelling, string booleans as booleans, nulls dropped, extension attributes
/// under their schema URN, a bare manager id as `{"value": id}`, and `schemas` listing the core
/// schema and each extension present. Checks required attributes and types.
pub fn normalize(kind: ResourceKind, input: Value) -> Result<Value, ScimError> {
    normalize::normalize(kind, input)
}

/// A member reference from a group's `members` (only `value` is kept; `display`/`type`/`$ref` are derived).
pub fn member_ids(members: &Value) -> Result<Vec<String>, ScimError> {
    let items = match members {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items.as_slice(),
        single @ Value::Object(_) => std::slice::from_ref(single),
        _ => return Err(ScimError::invalid_value(MEMBER_SHAPE)),
    };
    if items.len() > MAX_MEMBERS {
        return Err(ScimError::invalid_value(format!(
            "\"members\" lists {} members; send at most {MAX_MEMBERS} per request, and add the rest with PATCH",
            items.len()
        )));
    }
    let mut seen = HashSet::with_capacity(items.len());
    let mut ids = Vec::new();
    for item in items {
        let id = match item {
            // Old Entra tenants send nulls inside arrays; they name no member.
            Value::Null => continue,
            Value::Object(member) => match member.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
                Some((_, Value::String(id))) if !id.is_empty() => id,
                _ => return Err(ScimError::invalid_value(MEMBER_SHAPE)),
            },
            _ => return Err(ScimError::invalid_value(MEMBER_SHAPE)),
        };
        if seen.insert(id.as_str()) {
            ids.push(id.clone());
        }
    }
    Ok(ids)
}

const MEMBER_SHAPE: &str =
    "\"members\" must be an array of objects, each with a non-empty string \"value\" holding the member's id, such as [{\"value\": \"<user id>\"}]";

/// Parse an `attributes` / `excludedAttributes` query value (comma-separated attribute paths).
/// Known names come back in schema spelling; an extension URN alone (the whole extension
/// object) comes back as `AttrPath { uri: None, name: <urn>, sub: None }`.
pub fn parse_attribute_list(kind: ResourceKind, input: &str) -> Result<Vec<AttrPath>, ScimError> {
    input
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| parse_attribute_path(kind, item))
        .collect()
}

/// One `[uri:]name[.sub]` item. A known extension URN on its own names the whole extension
/// object, which the document keeps under that URN, so it becomes a top-level name.
fn parse_attribute_path(kind: ResourceKind, item: &str) -> Result<AttrPath, ScimError> {
    let invalid = || {
        ScimError::invalid_value(format!(
            "\"{item}\" is not an attribute path; use names such as userName, name.givenName or \
             urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager, separated by commas"
        ))
    };
    let is_urn = item.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    if let Some(uri) = is_urn.then(|| schema::canonical_schema_uri(kind, item)).flatten() {
        if uri == schema::core_schema(kind) {
            return Err(invalid());
        }
        return Ok(AttrPath { uri: None, name: uri.to_string(), sub: None });
    }
    let (uri, rest) = match item.rsplit_once(':') {
        Some((uri, rest)) if is_urn => match schema::canonical_schema_uri(kind, uri) {
            Some(core) if core == schema::core_schema(kind) => (None, rest),
            Some(extension) => (Some(extension.to_string()), rest),
            None => (Some(uri.to_string()), rest),
        },
        Some(_) => return Err(invalid()),
        None => (None, item),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if !is_attribute_name(name) || !sub.is_none_or(|sub| sub == "$ref" || is_attribute_name(sub)) {
        return Err(invalid());
    }
    let path = AttrPath { uri, name: name.to_string(), sub: sub.map(str::to_string) };
    Ok(schema::canonical_name(kind, &path).unwrap_or(path))
}

/// ATTRNAME of RFC 7644 §3.10: a letter, then letters, digits, `-` or `_`.
fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Apply `attributes` / `excludedAttributes` and the returned rules to a full resource
/// (with `id`, `meta`, `schemas`): `id` and other `returned: always` attributes stay.
pub fn project(resource: Value, kind: ResourceKind, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    projection::project(resource, kind, attributes, excluded)
}

fn is_members(path: &AttrPath) -> bool {
    path.name.eq_ignore_ascii_case("members")
        && path.uri.as_deref().is_none_or(|uri| uri.eq_ignore_ascii_case(GROUP_SCHEMA))
}

/// Whether `excludedAttributes`/`attributes` leave `members` out, so the store need not read them.
pub fn wants_members(attributes: &[AttrPath], excluded: &[AttrPath]) -> bool {
    if excluded.iter().any(|path| is_members(path) && path.sub.is_none()) {
        return false;
    }
    attributes.is_empty() || attributes.iter().any(is_members)
}

/// Whether [`project`] would return a stored resource rendered without members as it is: no
/// `attributes`, and nothing excluded but a group's `members`. (Stored documents hold no
/// `returned: never` or `request` attributes: normalisation drops `password`.) Such reads can
/// answer with the stored JSON text.
pub fn selects_all_stored(kind: ResourceKind, attributes: &[AttrPath], excluded: &[AttrPath]) -> bool {
    attributes.is_empty()
        && excluded.iter().all(|path| kind == ResourceKind::Group && is_members(path) && path.sub.is_none())
}
