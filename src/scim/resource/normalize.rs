//! From what a client sent to the stored document. Clients disagree about spelling, types and
//! where extension attributes go (ENTRA.md lists Entra's habits); the stored document has one
//! shape, so filters, PATCH and the store only ever see that.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::super::error::ScimError;
use super::super::schema::{self, AttrType, AttributeDef, Mutability};
use super::super::{ResourceKind, ENTERPRISE_USER_SCHEMA};
use super::{MAX_ARRAY_ITEMS, MAX_STRING_BYTES};

pub(super) fn normalize(kind: ResourceKind, input: Value) -> Result<Value, ScimError> {
    let Value::Object(input) = input else {
        return Err(ScimError::invalid_syntax(format!(
            "the request body must be a JSON object holding the {}'s attributes, such as {{\"schemas\": [\"{}\"], ...}}",
            kind.as_str(),
            schema::core_schema(kind),
        )));
    };
    let listed = listed_schemas(kind, &input)?;
    let listed_by_key = listed.iter().map(|uri| (uri.to_ascii_lowercase(), uri.clone())).collect();
    let mut doc = Document { kind, listed, listed_by_key, attrs: Map::new() };
    for (key, value) in input {
        doc.place(key, value)?;
    }
    doc.finish()
}

/// The URNs the client's `schemas` lists, known ones in canonical spelling.
fn listed_schemas(kind: ResourceKind, input: &Map<String, Value>) -> Result<Vec<String>, ScimError> {
    let invalid = || ScimError::invalid_value("\"schemas\" must be an array of schema URNs (strings)");
    let items = match input.iter().find(|(k, _)| k.eq_ignore_ascii_case("schemas")).map(|(_, v)| v) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    if items.len() > MAX_ARRAY_ITEMS {
        return Err(too_many("schemas"));
    }
    // Each URN once (a hash set: a long list of repeats costs one pass).
    let mut listed = Vec::new();
    let mut seen = HashSet::new();
    for item in items {
        match item {
            Value::Null => {}
            Value::String(uri) => {
                let uri = schema::canonical_schema_uri(kind, uri).map_or_else(|| uri.clone(), str::to_string);
                if seen.insert(uri.to_ascii_lowercase()) {
                    listed.push(uri);
                }
            }
            _ => return Err(invalid()),
        }
    }
    Ok(listed)
}

/// The document being built: attributes in the order first sent, extension objects under their URN.
struct Document {
    kind: ResourceKind,
    listed: Vec<String>,
    /// `listed` by lower-cased URN, so finding a URN key's spelling is one lookup.
    listed_by_key: HashMap<String, String>,
    attrs: Map<String, Value>,
}

impl Document {
    fn place(&mut self, key: String, value: Value) -> Result<(), ScimError> {
        if value.is_null() || self.ignored(&key) {
            return Ok(());
        }
        if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
            return self.place_urn(key, value);
        }
        set_attribute(&mut self.attrs, Scope::Core(self.kind), &key, value)
    }

    /// Attributes a client may send but the stored document never holds. (Read-only ones such
    /// as `id`, `meta` and a user's `groups` are dropped by `set_attribute`.)
    fn ignored(&self, key: &str) -> bool {
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        // `schemas` is rebuilt from what is present. `password`: ScimDesk never stores passwords
        // (it authenticates nobody), so it is dropped rather than kept anywhere.
        is("schemas") || is("password")
            // A group's members live in their own table; the caller takes them via `member_ids`.
            || (self.kind == ResourceKind::Group && is("members"))
    }

    fn place_urn(&mut self, key: String, value: Value) -> Result<(), ScimError> {
        let core = schema::core_schema(self.kind);
        if let Some(uri) = schema::canonical_schema_uri(self.kind, &key) {
            let Value::Object(inner) = value else {
                return Err(ScimError::invalid_value(format!(
                    "\"{key}\" must be an object holding that schema's attributes"
                )));
            };
            for (name, value) in inner {
                if uri == core {
                    self.place(name, value)?;
                } else if !value.is_null() {
                    let scope = Scope::extension(self.kind, uri);
                    set_attribute(object_entry(&mut self.attrs, uri), scope, &name, value)?;
                }
            }
            return Ok(());
        }
        if let Some(listed) = self.listed_spelling(&key) {
            // An extension ScimDesk does not know (Entra may send custom ones): kept as sent.
            return match clean_unknown(&key, value)? {
                Some(Value::Object(inner)) => {
                    object_entry(&mut self.attrs, &listed).extend(inner);
                    Ok(())
                }
                Some(other) => {
                    self.attrs.insert(key, other);
                    Ok(())
                }
                None => Ok(()),
            };
        }
        // A URN-qualified attribute name: `<schema urn>:<attribute>[.<sub>]` goes to its place.
        if let Some((prefix, name)) = key.rsplit_once(':') {
            if let Some(uri) = schema::canonical_schema_uri(self.kind, prefix) {
                if uri == core {
                    return self.place(name.to_string(), value);
                }
                let scope = Scope::extension(self.kind, uri);
                return set_attribute(object_entry(&mut self.attrs, uri), scope, name, value);
            }
            if let Some(listed) = self.listed_spelling(prefix) {
                return set_attribute(object_entry(&mut self.attrs, &listed), Scope::Unknown, name, value);
            }
        }
        set_attribute(&mut self.attrs, Scope::Unknown, &key, value)
    }

    fn listed_spelling(&self, uri: &str) -> Option<String> {
        self.listed_by_key.get(&uri.to_ascii_lowercase()).cloned()
    }

    fn finish(mut self) -> Result<Value, ScimError> {
        let required = match self.kind {
            ResourceKind::User => "userName",
            ResourceKind::Group => "displayName",
        };
        if self.attrs.get(required).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
            return Err(ScimError::invalid_value(format!(
                "\"{required}\" is required: every {} needs a non-empty string {required}",
                self.kind.as_str()
            )));
        }
        if let Some(Value::Object(enterprise)) = self.attrs.get_mut(ENTERPRISE_USER_SCHEMA) {
            // An empty manager id is how clients say "no manager".
            let no_manager = enterprise
                .get("manager")
                .is_some_and(|m| m.get("value").and_then(Value::as_str).is_none_or(str::is_empty));
            if no_manager {
                enterprise.remove("manager");
            }
        }
        let core = schema::core_schema(self.kind);
        let mut extensions: Vec<String> =
            schema::extension_schemas(self.kind).iter().map(|uri| uri.to_string()).collect();
        let mut known: HashSet<String> = extensions.iter().cloned().collect();
        for uri in &self.listed {
            if uri != core && known.insert(uri.clone()) {
                extensions.push(uri.clone());
            }
        }
        let mut schemas = vec![Value::from(core)];
        for uri in extensions {
            match self.attrs.get(&uri) {
                Some(Value::Object(inner)) if !inner.is_empty() => schemas.push(uri.into()),
                Some(Value::Object(_)) => {
                    self.attrs.remove(&uri);
                }
                _ => {}
            }
        }
        let mut out = Map::new();
        out.insert("schemas".into(), schemas.into());
        out.extend(self.attrs);
        Ok(Value::Object(out))
    }
}

/// Which attributes a map of the document holds.
#[derive(Clone, Copy)]
enum Scope {
    /// The top level: the core schema and the common attributes.
    Core(ResourceKind),
    Extension(&'static [AttributeDef]),
    /// An extension no schema table describes.
    Unknown,
}

impl Scope {
    fn extension(kind: ResourceKind, uri: &str) -> Self {
        schema::extension_attributes(kind, uri).map_or(Scope::Unknown, Scope::Extension)
    }

    fn find(self, name: &str) -> Option<&'static AttributeDef> {
        match self {
            Scope::Core(kind) => schema::find_attribute(schema::core_attributes(kind), name)
                .or_else(|| schema::find_attribute(schema::COMMON_ATTRIBUTES, name)),
            Scope::Extension(defs) => schema::find_attribute(defs, name),
            Scope::Unknown => None,
        }
    }
}

/// The object under `key`, created (or replacing a non-object) when needed.
fn object_entry<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = map.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("just made an object")
}

/// Put `key: value` into `target`, whose attributes `scope` describes: a known name in schema
/// spelling with its value checked and converted, `parent.sub` into the parent's object, an
/// unknown name as sent. A complex value merges into one already there.
fn set_attribute(target: &mut Map<String, Value>, scope: Scope, key: &str, value: Value) -> Result<(), ScimError> {
    if let Some((parent, sub)) = key.split_once('.') {
        let Some(def) = scope.find(parent) else {
            return insert_unknown(target, key, value);
        };
        if def.mutability == Mutability::ReadOnly {
            return Ok(());
        }
        if def.kind != AttrType::Complex || def.multi_valued {
            return Err(ScimError::invalid_value(format!(
                "\"{key}\": only a single-valued complex attribute such as name.givenName can be set with a dotted name; send \"{}\" as a whole instead",
                def.name
            )));
        }
        let parent = object_entry(target, def.name);
        return match def.sub_attribute(sub) {
            Some(sub_def) => {
                let label = format!("{}.{}", def.name, sub_def.name);
                insert_known(parent, sub_def, &label, value)
            }
            None => insert_unknown(parent, sub, value),
        };
    }
    match scope.find(key) {
        Some(def) => {
            let value = if def.name == "manager" { manager_from_bare_id(value) } else { value };
            insert_known(target, def, def.name, value)
        }
        None => insert_unknown(target, key, value),
    }
}

/// Entra sends the enterprise manager as the manager's id alone; the schema's shape is `{"value": id}`.
fn manager_from_bare_id(value: Value) -> Value {
    match value {
        Value::String(_) | Value::Number(_) => serde_json::json!({ "value": value }),
        other => other,
    }
}

fn insert_known(
    target: &mut Map<String, Value>,
    def: &'static AttributeDef,
    label: &str,
    value: Value,
) -> Result<(), ScimError> {
    // RFC 7643 §2.2: a read-only value in a request is ignored; the server sets its own
    // (`id`, `meta`, a user's `groups`, the manager's displayName).
    if def.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    if let Some(value) = attribute_value(def, label, value)? {
        merge(target, def.name.to_string(), value);
    }
    Ok(())
}

fn insert_unknown(target: &mut Map<String, Value>, key: &str, value: Value) -> Result<(), ScimError> {
    if let Some(value) = clean_unknown(key, value)? {
        merge(target, key.to_string(), value);
    }
    Ok(())
}

/// Two spellings of one complex attribute (`name` and `name.givenName`) add up; otherwise the later wins.
fn merge(target: &mut Map<String, Value>, key: String, value: Value) {
    match (target.get_mut(&key), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
        (_, value) => {
            target.insert(key, value);
        }
    }
}

/// The checked, converted value of attribute `def` (`label` names it in errors), or `None` when
/// nothing is left of it (null, or a complex value whose sub-attributes were all null).
fn attribute_value(def: &'static AttributeDef, label: &str, value: Value) -> Result<Option<Value>, ScimError> {
    if !def.multi_valued {
        return single_value(def, label, value, false);
    }
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        // A client that sends one object where an array belongs means a list of one.
        Value::Object(_) => vec![value],
        _ if def.kind == AttrType::Complex => return Err(must_be_objects(label)),
        other => vec![other],
    };
    if items.len() > MAX_ARRAY_ITEMS {
        return Err(too_many(label));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(item) = single_value(def, label, item, true)? {
            out.push(item);
        }
    }
    Ok(Some(Value::Array(out)))
}

fn single_value(
    def: &'static AttributeDef,
    label: &str,
    value: Value,
    in_array: bool,
) -> Result<Option<Value>, ScimError> {
    let converted = match (def.kind, value) {
        (_, Value::Null) => return Ok(None),
        (AttrType::Complex, Value::Object(subs)) => {
            let mut out = Map::new();
            for (key, value) in subs {
                if value.is_null() {
                    continue;
                }
                match def.sub_attribute(&key) {
                    Some(sub) => insert_known(&mut out, sub, &format!("{label}.{}", sub.name), value)?,
                    None => insert_unknown(&mut out, &key, value)?,
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Object(out)
        }
        (AttrType::Complex, _) if in_array => return Err(must_be_objects(label)),
        (AttrType::Complex, _) => return Err(ScimError::invalid_value(format!("\"{label}\" must be an object"))),
        (AttrType::Boolean, Value::Bool(b)) => Value::Bool(b),
        // Entra tenants without the aadOptscim062020 flag send booleans as "True"/"False".
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        (AttrType::Boolean, _) => return Err(ScimError::invalid_value(format!("\"{label}\" must be true or false"))),
        (AttrType::Integer | AttrType::Decimal, Value::Number(n)) => Value::Number(n),
        (AttrType::Integer | AttrType::Decimal, _) => {
            return Err(ScimError::invalid_value(format!("\"{label}\" must be a number")))
        }
        (_, Value::String(s)) => Value::String(check_string(label, s)?),
        // Lenient: some clients map numeric source attributes (employeeNumber) without quoting them.
        // Not for the attributes that identify a resource (userName, a group's displayName): a
        // number there is a client bug, and "42" would then collide with a real "42".
        (_, Value::Number(n)) if !def.required => Value::String(n.to_string()),
        (_, _) => return Err(ScimError::invalid_value(format!("\"{label}\" must be a string"))),
    };
    Ok(Some(converted))
}

/// An attribute no schema defines, kept as sent except for nulls, and within the size limits.
fn clean_unknown(label: &str, value: Value) -> Result<Option<Value>, ScimError> {
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::String(s) => Value::String(check_string(label, s)?),
        Value::Array(items) => {
            if items.len() > MAX_ARRAY_ITEMS {
                return Err(too_many(label));
            }
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.extend(clean_unknown(label, item)?);
            }
            Value::Array(out)
        }
        Value::Object(entries) => {
            let mut out = Map::new();
            for (key, value) in entries {
                if let Some(value) = clean_unknown(&format!("{label}.{key}"), value)? {
                    out.insert(key, value);
                }
            }
            Value::Object(out)
        }
        other => other,
    }))
}

/// A string value as stored: at most [`MAX_STRING_BYTES`], and without NUL (U+0000), which no
/// identity provider sends and PostgreSQL cannot store in a text column (refused the same on
/// both backends, so that they accept the same requests).
fn check_string(label: &str, s: String) -> Result<String, ScimError> {
    if s.contains('\0') {
        return Err(ScimError::invalid_value(format!(
            "\"{label}\" contains a NUL character (U+0000), which ScimDesk does not store"
        )));
    }
    if s.len() > MAX_STRING_BYTES {
        return Err(ScimError::invalid_value(format!(
            "\"{label}\" is {} bytes long; ScimDesk accepts strings of at most {MAX_STRING_BYTES} bytes (64 KiB)",
            s.len()
        )));
    }
    Ok(s)
}

fn must_be_objects(label: &str) -> ScimError {
    ScimError::invalid_value(format!("\"{label}\" must be an array of objects"))
}

fn too_many(label: &str) -> ScimError {
    ScimError::invalid_value(format!("\"{label}\" has more than {MAX_ARRAY_ITEMS} values, the most ScimDesk accepts"))
}
