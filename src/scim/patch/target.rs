//! Where a PATCH path points in a stored document: the attribute's container (top level or an
//! extension's object), its key spelling, and what the schema says about it.

use serde_json::{Map, Value};

use super::super::error::ScimError;
use super::super::filter::AttrPath;
use super::super::schema::{self, AttrType, AttributeDef, Mutability};
use super::super::{ResourceKind, ENTERPRISE_USER_SCHEMA};

pub(super) type Object = Map<String, Value>;

/// Where an attribute lives and what the schema says about it.
pub(super) struct Target {
    pub(super) kind: ResourceKind,
    /// The extension whose object holds the attribute; `None` for the top level.
    pub(super) ext: Option<String>,
    pub(super) name: String,
    pub(super) sub: Option<String>,
    pub(super) def: Option<&'static AttributeDef>,
}

impl Target {
    pub(super) fn resolve(kind: ResourceKind, attr: &AttrPath) -> Target {
        let lookup = |uri: Option<&str>| {
            schema::lookup(kind, &AttrPath { uri: uri.map(str::to_string), name: attr.name.clone(), sub: None })
        };
        let mut ext = attr.uri.clone();
        let mut def = lookup(ext.as_deref());
        // Enterprise attributes named without their URN (`department`) still go to the extension.
        if def.is_none() && ext.is_none() && kind == ResourceKind::User {
            if let Some(found) = lookup(Some(ENTERPRISE_USER_SCHEMA)) {
                (def, ext) = (Some(found), Some(ENTERPRISE_USER_SCHEMA.to_string()));
            }
        }
        Target { kind, ext, name: attr.name.clone(), sub: attr.sub.clone(), def }
    }

    pub(super) fn read_only(&self) -> bool {
        let protected = self.ext.is_none() && ["id", "meta"].iter().any(|n| self.name.eq_ignore_ascii_case(n));
        protected || self.def.is_some_and(|d| d.mutability == Mutability::ReadOnly)
    }

    pub(super) fn is_manager(&self) -> bool {
        self.ext.as_deref() == Some(ENTERPRISE_USER_SCHEMA) && self.name.eq_ignore_ascii_case("manager")
    }

    /// The schema's spelling for a new key, else the client's.
    pub(super) fn key_name(&self) -> &str {
        self.def.map_or(&self.name, |d| d.name)
    }

    pub(super) fn sub_key_name<'a>(&self, sub: &'a str) -> &'a str {
        match self.def.and_then(|d| d.sub_attribute(sub)) {
            Some(def) => def.name,
            None => sub,
        }
    }

    pub(super) fn multi_valued(&self, existing: Option<&Value>, value: &Value) -> bool {
        match self.def {
            Some(def) => def.multi_valued,
            None => existing.map_or(value.is_array(), Value::is_array),
        }
    }

    pub(super) fn complex(&self, existing: Option<&Value>) -> bool {
        match self.def {
            Some(def) => def.kind == AttrType::Complex,
            None => existing.is_some_and(Value::is_object),
        }
    }

    pub(super) fn element_path(&self) -> AttrPath {
        AttrPath { uri: self.ext.clone(), name: self.name.clone(), sub: None }
    }
}

pub(super) fn find_key(map: &Object, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_string());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Set `name` keeping the spelling of an existing key (any letter case), else as `new_name`.
pub(super) fn insert_ci(map: &mut Object, name: &str, new_name: &str, value: Value) {
    let key = find_key(map, name).unwrap_or_else(|| new_name.to_string());
    map.insert(key, value);
}

pub(super) fn remove_ci(map: &mut Object, name: &str) {
    if let Some(key) = find_key(map, name) {
        map.shift_remove(&key);
    }
}

pub(super) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The object holding `t`'s attribute: the document, or its extension's object (created, with
/// the URN added to `schemas`, when `create`).
pub(super) fn container<'a>(
    doc: &'a mut Object,
    t: &Target,
    create: bool,
) -> Result<Option<&'a mut Object>, ScimError> {
    let Some(ext) = t.ext.as_deref() else { return Ok(Some(doc)) };
    let key = match find_key(doc, ext) {
        Some(key) => key,
        None if !create => return Ok(None),
        None => {
            add_schema(doc, t.kind, ext);
            doc.insert(ext.to_string(), Value::Object(Map::new()));
            ext.to_string()
        }
    };
    let slot = doc.get_mut(&key).expect("key found above");
    if slot.is_null() {
        if !create {
            return Ok(None);
        }
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => Ok(Some(m)),
        _ => Err(ScimError::invalid_value(format!(
            "\"{key}\" in the resource is not an object of extension attributes."
        ))),
    }
}

pub(super) fn add_schema(doc: &mut Object, kind: ResourceKind, uri: &str) {
    let key = find_key(doc, "schemas").unwrap_or_else(|| "schemas".to_string());
    let core = schema::core_schema(kind);
    let schemas = doc.entry(key).or_insert_with(|| Value::Array(vec![core.into()]));
    if let Value::Array(list) = schemas {
        if !list.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(uri))) {
            list.push(uri.into());
        }
    }
}

pub(super) fn remove_extension(doc: &mut Object, ext: &str) {
    remove_ci(doc, ext);
    if let Some(Value::Array(list)) = find_key(doc, "schemas").and_then(|k| doc.get_mut(&k)) {
        list.retain(|s| !s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(ext)));
    }
}

/// After a removal: drop what became empty, up to the extension object and its `schemas` entry.
pub(super) fn tidy(doc: &mut Object, t: &Target) {
    if let Ok(Some(c)) = container(doc, t, false) {
        if let Some(key) = find_key(c, &t.name) {
            if is_empty(&c[&key]) {
                c.shift_remove(&key);
            }
        }
    }
    if let Some(ext) = t.ext.as_deref() {
        if find_key(doc, ext).is_some_and(|k| is_empty(&doc[&k])) {
            remove_extension(doc, ext);
        }
    }
}
