//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) and the `returned` characteristic
//! (RFC 7643 §2.2) applied to an outgoing resource.

use serde_json::{Map, Value};

use super::super::schema::{self, AttrPath, AttributeDef, Returned};
use super::super::ResourceKind;

pub(super) fn project(resource: Value, kind: ResourceKind, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    let Value::Object(map) = resource else {
        return resource;
    };
    let mut out = Map::new();
    for (key, value) in map {
        // `schemas` is no attribute but says how to read the rest, so it always goes out.
        if key == "schemas" {
            out.insert(key, value);
            continue;
        }
        let projected = if is_extension_key(&key, &value) {
            project_extension(kind, &key, value, attributes, excluded)
        } else {
            let in_core = |path: &&AttrPath| is_core(kind, path) && path.name.eq_ignore_ascii_case(&key);
            let def = schema::lookup(kind, &AttrPath { uri: None, name: key.clone(), sub: None });
            let selection = Selection {
                given: !attributes.is_empty(),
                requested: attributes.iter().filter(in_core).collect(),
                excluded: excluded.iter().filter(in_core).collect(),
            };
            project_attribute(def, value, &selection)
        };
        if let Some(value) = projected {
            out.insert(key, value);
        }
    }
    Value::Object(out)
}

/// The paths of `attributes` and `excludedAttributes` that name one attribute (or its subs).
struct Selection<'a> {
    /// Whether `attributes` was given at all: then only what it names (and `always`) goes out.
    given: bool,
    requested: Vec<&'a AttrPath>,
    excluded: Vec<&'a AttrPath>,
}

fn project_attribute(def: Option<&'static AttributeDef>, value: Value, selection: &Selection) -> Option<Value> {
    match def.map_or(Returned::Default, |def| def.returned) {
        Returned::Never => return None,
        // RFC 7644 §3.4.2.5: excludedAttributes has no effect on these.
        Returned::Always => return Some(value),
        Returned::Request if selection.requested.is_empty() => return None,
        Returned::Default | Returned::Request => {}
    }
    let mut value = value;
    if selection.given {
        if selection.requested.is_empty() {
            return None;
        }
        if selection.requested.iter().all(|path| path.sub.is_some()) {
            let subs: Vec<&str> = selection.requested.iter().filter_map(|path| path.sub.as_deref()).collect();
            value = retain_subs(value, |name| subs.iter().any(|sub| sub.eq_ignore_ascii_case(name)))?;
        }
    }
    if selection.excluded.iter().any(|path| path.sub.is_none()) {
        return None;
    }
    let subs: Vec<&str> = selection.excluded.iter().filter_map(|path| path.sub.as_deref()).collect();
    if subs.is_empty() {
        return Some(value);
    }
    retain_subs(value, |name| !subs.iter().any(|sub| sub.eq_ignore_ascii_case(name)))
}

/// Keep the sub-attributes `keep` accepts, in a complex value or in each element of a
/// multi-valued one. What ends up empty is left out, as the resource would not have it.
fn retain_subs(value: Value, keep: impl Fn(&str) -> bool + Copy) -> Option<Value> {
    match value {
        Value::Object(mut subs) => {
            subs.retain(|name, _| keep(name));
            (!subs.is_empty()).then_some(Value::Object(subs))
        }
        Value::Array(items) => {
            let items: Vec<Value> = items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(_) => retain_subs(item, keep),
                    other => Some(other),
                })
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        // A sub-attribute of a simple attribute names nothing.
        _ => None,
    }
}

fn is_extension_key(key: &str, value: &Value) -> bool {
    value.is_object() && key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

fn is_core(kind: ResourceKind, path: &AttrPath) -> bool {
    match path.uri.as_deref() {
        None => true,
        Some(uri) => schema::canonical_schema_uri(kind, uri) == Some(schema::core_schema(kind)),
    }
}

/// Whether `uri` names the extension stored under `key`.
fn same_schema(kind: ResourceKind, uri: &str, key: &str) -> bool {
    uri.eq_ignore_ascii_case(key)
        || schema::canonical_schema_uri(kind, uri).is_some_and(|c| Some(c) == schema::canonical_schema_uri(kind, key))
}

/// An extension object: a path selects all of it by its URN alone (`uri: None, name: <urn>`,
/// or an unknown URN split at its last colon), or one of its attributes by `uri: <urn>`.
fn project_extension(
    kind: ResourceKind,
    key: &str,
    value: Value,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Option<Value> {
    let whole = |path: &&AttrPath| {
        path.sub.is_none()
            && match path.uri.as_deref() {
                None => same_schema(kind, &path.name, key),
                Some(uri) => format!("{uri}:{}", path.name).eq_ignore_ascii_case(key),
            }
    };
    if excluded.iter().any(|path| whole(&path)) {
        return None;
    }
    let whole_requested = attributes.iter().any(|path| whole(&path));
    let Value::Object(inner) = value else {
        return None;
    };
    let defs = schema::extension_attributes(kind, key).unwrap_or(&[]);
    let mut out = Map::new();
    for (name, value) in inner {
        let names = |path: &&AttrPath| {
            path.uri.as_deref().is_some_and(|uri| same_schema(kind, uri, key)) && path.name.eq_ignore_ascii_case(&name)
        };
        let selection = Selection {
            given: !attributes.is_empty() && !whole_requested,
            requested: attributes.iter().filter(names).collect(),
            excluded: excluded.iter().filter(names).collect(),
        };
        if let Some(value) = project_attribute(schema::find_attribute(defs, &name), value, &selection) {
            out.insert(name, value);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}
