//! RFC 7644 §3.5.2 add/replace/remove on a stored resource document.
//!
//! Choices beyond the RFC's text, each for a client we must serve:
//! - `add`/`replace` on a value filter that matches nothing creates the element from the filter's
//!   `eq` comparisons (`emails[type eq "work"].value` -> `{"type": "work", "value": ...}`): Entra
//!   patches attributes the user never had this way.
//! - `remove` whose target does not exist (attribute absent, filter matching nothing) succeeds and
//!   changes nothing, where RFC 7644 would answer noTarget: Entra retries a failed request, and a
//!   retried remove must not fail because its first attempt already removed the value.
//! - `remove` of a multi-valued attribute with a `value` removes only the listed elements (the
//!   Entra form for members, applied to any multi-valued attribute).
//! - `replace` of a complex attribute sets the given sub-attributes and keeps the others
//!   (RFC 7644 §3.5.2.3), with or without a path; `manager` is the exception and is set whole,
//!   so a new manager id never keeps the old manager's `displayName`.
//! - Without a path, `id`, `meta` and other read-only attributes in the value are skipped (clients
//!   echo the whole resource back); with a path naming them the operation fails with mutability.

use serde_json::{Map, Value};

use super::super::error::ScimError;
use super::super::filter::{parse_patch_path, Filter, PatchPath};
use super::super::schema::AttrType;
use super::super::{ResourceKind, GROUP_SCHEMA, USER_SCHEMA};
use super::target::{container, find_key, insert_ci, remove_ci, remove_extension, tidy, Object, Target};
use super::values::{append_unique, derived_element, element_value, manager_is_empty, one_primary, LooseSet};
use super::{PatchOpKind, PatchOperation};

pub(super) fn operation(doc: &mut Object, kind: ResourceKind, op: &PatchOperation) -> Result<(), ScimError> {
    match &op.path {
        Some(path) => at_path(doc, kind, op.op, path, op.value.as_ref(), true),
        None => without_path(doc, kind, op.op, op.value.as_ref()),
    }
}

fn without_path(doc: &mut Object, kind: ResourceKind, op: PatchOpKind, value: Option<&Value>) -> Result<(), ScimError> {
    if op == PatchOpKind::Remove {
        return Err(ScimError::no_target("A remove needs a \"path\" naming the attribute to remove."));
    }
    let Some(Value::Object(attributes)) = value else {
        return Err(ScimError::invalid_value(
            "Without a \"path\", \"value\" must be an object of attributes to set, e.g. {\"displayName\": \"Sales\"}.",
        ));
    };
    for (key, v) in attributes {
        let is_core_urn = [USER_SCHEMA, GROUP_SCHEMA].iter().any(|urn| key.eq_ignore_ascii_case(urn));
        if is_core_urn && v.is_object() {
            without_path(doc, kind, op, Some(v))?;
            continue;
        }
        // Keys are attribute paths (`name.givenName`, `urn:...:User:department`), not literal keys.
        let path = parse_patch_path(key).map_err(|e| {
            ScimError::invalid_path(format!(
                "Without a \"path\", each key of \"value\" names an attribute. {}",
                e.detail
            ))
        })?;
        at_path(doc, kind, op, &path, Some(v), false)?;
    }
    Ok(())
}

/// The extension URN when `path` names an extension's whole object (`urn:...:enterprise:2.0:User`).
fn extension_object(path: &PatchPath) -> Option<&str> {
    let attr = &path.attr;
    let whole = attr.uri.is_none() && attr.sub.is_none() && path.filter.is_none() && path.sub.is_none();
    (whole && attr.name.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))).then_some(attr.name.as_str())
}

fn at_path(
    doc: &mut Object,
    kind: ResourceKind,
    op: PatchOpKind,
    path: &PatchPath,
    value: Option<&Value>,
    explicit: bool,
) -> Result<(), ScimError> {
    if let Some(ext) = extension_object(path) {
        return extension_whole(doc, kind, op, ext, value, explicit);
    }
    let t = Target::resolve(kind, &path.attr);
    if t.read_only() {
        return if explicit {
            Err(ScimError::mutability(format!("\"{path}\" is read-only: the server maintains it.")))
        } else {
            Ok(())
        };
    }
    if path.filter.is_some() && t.sub.is_some() {
        return Err(ScimError::invalid_path(format!(
            "\"{path}\": a value filter follows an attribute, not a sub-attribute."
        )));
    }
    // A simple single-valued attribute has no values to select, whatever the operation.
    if path.filter.is_some() && t.def.is_some_and(|d| !d.multi_valued && d.kind != AttrType::Complex) {
        return Err(ScimError::invalid_path(format!(
            "\"{path}\": \"{}\" is single-valued; a [filter] selects values of a multi-valued attribute such as emails.",
            t.name
        )));
    }
    let value = match (op, value) {
        (PatchOpKind::Remove, v) => v,
        (_, None) => return Err(ScimError::invalid_value(format!("The operation on \"{path}\" has no \"value\"."))),
        (_, Some(v)) if v.is_null() || t.is_manager() && t.sub.is_none() && manager_is_empty(v) => {
            // `replace` with null (or an empty manager) clears the attribute; `add` of nothing does nothing.
            if op == PatchOpKind::Replace {
                return remove(doc, &t, path, None);
            }
            return Ok(());
        }
        (_, v) => v,
    };
    match (op, value) {
        (PatchOpKind::Remove, _) => remove(doc, &t, path, value),
        (_, Some(value)) => match (&path.filter, &t.sub) {
            (Some(filter), _) => set_filtered(doc, &t, filter, path.sub.as_deref(), op, value.clone()),
            (None, Some(sub)) => set_sub(doc, &t, sub, value.clone()),
            (None, None) => set_attr(doc, &t, op, value.clone()),
        },
        (_, None) => unreachable!("add and replace without a value returned above"),
    }
}

/// `add`/`replace` with the extension's object as value set each attribute in it; `remove`
/// drops the extension.
fn extension_whole(
    doc: &mut Object,
    kind: ResourceKind,
    op: PatchOpKind,
    ext: &str,
    value: Option<&Value>,
    explicit: bool,
) -> Result<(), ScimError> {
    match value {
        _ if op == PatchOpKind::Remove => {
            remove_extension(doc, ext);
            Ok(())
        }
        Some(Value::Object(attributes)) => {
            for (key, v) in attributes {
                let path = parse_patch_path(&format!("{ext}:{key}")).map_err(|e| {
                    ScimError::invalid_path(format!("\"{key}\" in \"{ext}\" is not an attribute name. {}", e.detail))
                })?;
                at_path(doc, kind, op, &path, Some(v), explicit)?;
            }
            Ok(())
        }
        Some(Value::Null) if op == PatchOpKind::Replace => {
            remove_extension(doc, ext);
            Ok(())
        }
        Some(Value::Null) => Ok(()),
        _ => Err(ScimError::invalid_value(format!("The value for \"{ext}\" must be an object of its attributes."))),
    }
}

fn set_attr(doc: &mut Object, t: &Target, op: PatchOpKind, value: Value) -> Result<(), ScimError> {
    let c = container(doc, t, true)?.expect("created on demand");
    let key = find_key(c, &t.name).unwrap_or_else(|| t.key_name().to_string());
    if t.is_manager() {
        let value = match value {
            Value::String(id) => Value::Object(Map::from_iter([("value".to_string(), Value::String(id))])),
            other => other,
        };
        c.insert(key, value);
        return Ok(());
    }
    let existing = c.get(&key).filter(|v| !v.is_null());
    if t.multi_valued(existing, &value) {
        let items = match value {
            Value::Array(items) => items,
            one => vec![one],
        };
        if op == PatchOpKind::Replace || existing.is_none() {
            c.insert(key.clone(), Value::Array(vec![]));
        }
        let slot = c.get_mut(&key).expect("inserted above");
        if !slot.is_array() {
            *slot = Value::Array(vec![slot.take()]);
        }
        let list = slot.as_array_mut().expect("made an array above");
        append_unique(list, items);
        if list.is_empty() {
            c.shift_remove(&key);
        }
        return Ok(());
    }
    match (existing, value) {
        (_, Value::Object(subs)) if t.complex(existing) => {
            if !c.get(&key).is_some_and(Value::is_object) {
                c.insert(key.clone(), Value::Object(Map::new()));
            }
            let Some(Value::Object(target)) = c.get_mut(&key) else { unreachable!("made an object above") };
            for (sub, v) in subs {
                let new_name = t.sub_key_name(&sub).to_string();
                if v.is_null() {
                    remove_ci(target, &sub);
                } else {
                    insert_ci(target, &sub, &new_name, v);
                }
            }
            if target.is_empty() {
                c.shift_remove(&key);
            }
        }
        (_, value) => {
            c.insert(key, value);
        }
    }
    Ok(())
}

/// `name.familyName`: set one sub-attribute, creating the parent; on a multi-valued attribute
/// without a filter, on every element.
fn set_sub(doc: &mut Object, t: &Target, sub: &str, value: Value) -> Result<(), ScimError> {
    let c = container(doc, t, true)?.expect("created on demand");
    let key = find_key(c, &t.name).unwrap_or_else(|| t.key_name().to_string());
    let new_sub = t.sub_key_name(sub).to_string();
    let fresh = || Value::Object(Map::from_iter([(new_sub.clone(), value.clone())]));
    let multi = t.def.is_some_and(|d| d.multi_valued);
    match c.get_mut(&key) {
        None | Some(Value::Null) => {
            c.insert(key, if multi { Value::Array(vec![fresh()]) } else { fresh() });
        }
        Some(Value::Object(parent)) => insert_ci(parent, sub, &new_sub, value),
        Some(Value::Array(items)) if items.is_empty() => items.push(fresh()),
        Some(Value::Array(items)) => {
            for item in items.iter_mut() {
                let Value::Object(element) = item else {
                    return Err(ScimError::invalid_path(format!(
                        "\"{}.{sub}\": the values of \"{}\" are not objects with sub-attributes.",
                        t.name, t.name
                    )));
                };
                insert_ci(element, sub, &new_sub, value.clone());
            }
        }
        Some(_) => {
            return Err(ScimError::invalid_path(format!(
                "\"{}.{sub}\": \"{}\" holds a single value, which has no sub-attribute \"{sub}\".",
                t.name, t.name
            )))
        }
    }
    Ok(())
}

/// `emails[type eq "work"]` / `emails[type eq "work"].value`.
fn set_filtered(
    doc: &mut Object,
    t: &Target,
    filter: &Filter,
    sub: Option<&str>,
    op: PatchOpKind,
    value: Value,
) -> Result<(), ScimError> {
    let shown = format!("{}[{filter}]", t.name);
    if sub.is_none() && !value.is_object() {
        return Err(ScimError::invalid_value(format!(
            "\"{shown}\" selects values of \"{}\"; its \"value\" must be an object of sub-attributes.",
            t.name
        )));
    }
    let c = container(doc, t, true)?.expect("created on demand");
    let key = find_key(c, &t.name).unwrap_or_else(|| t.key_name().to_string());
    let slot = c.entry(key).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Array(vec![]);
    }
    let Value::Array(list) = slot else {
        return Err(ScimError::invalid_path(format!(
            "\"{shown}\": \"{}\" is not multi-valued; a [filter] selects values of a multi-valued attribute such as emails.",
            t.name
        )));
    };
    let parent = t.element_path();
    let matched: Vec<usize> =
        (0..list.len()).filter(|&i| list[i].is_object() && filter.matches_element(&list[i], t.kind, &parent)).collect();
    let derived = derived_element(filter, t);
    if matched.is_empty() {
        if derived.is_empty() {
            return Err(ScimError::no_target(format!(
                "No value of \"{}\" matches \"{shown}\", and the filter does not say what a new one would hold (only comparisons like type eq \"work\" joined by \"and\" can create one).",
                t.name
            )));
        }
        let mut element = derived;
        set_element(&mut element, t, sub, value);
        list.push(Value::Object(element));
        let created = list.len() - 1;
        one_primary(list, &[created]);
        return Ok(());
    }
    for &i in &matched {
        let Value::Object(element) = &mut list[i] else { unreachable!("only objects match") };
        if op == PatchOpKind::Replace && sub.is_none() {
            // The filter's own comparisons still describe the replaced value (its `type`, say).
            let kept: Object =
                derived.keys().filter_map(|k| find_key(element, k)).map(|k| (k.clone(), element[&k].clone())).collect();
            *element = kept;
        }
        set_element(element, t, sub, value.clone());
    }
    one_primary(list, &matched);
    Ok(())
}

fn set_element(element: &mut Object, t: &Target, sub: Option<&str>, value: Value) {
    match (sub, value) {
        (Some(sub), value) => insert_ci(element, sub, t.sub_key_name(sub), value),
        (None, Value::Object(subs)) => {
            for (sub, v) in subs {
                let new_name = t.sub_key_name(&sub).to_string();
                insert_ci(element, &sub, &new_name, v);
            }
            element.retain(|_, v| !v.is_null());
        }
        (None, _) => unreachable!("checked to be an object by the caller"),
    }
}

fn remove(doc: &mut Object, t: &Target, path: &PatchPath, listed: Option<&Value>) -> Result<(), ScimError> {
    let parent = t.element_path();
    let Some(c) = container(doc, t, false)? else { return Ok(()) };
    let Some(key) = find_key(c, &t.name) else { return Ok(()) };
    let slot = c.get_mut(&key).expect("key found above");
    match (&path.filter, t.sub.as_deref().or(path.sub.as_deref()), slot) {
        (None, None, Value::Array(items)) if listed.is_some_and(|v| !v.is_null()) => {
            let listed: &[Value] = match listed {
                Some(Value::Array(many)) => many,
                Some(one) => std::slice::from_ref(one),
                None => &[],
            };
            let gone = ListedValues::new(listed);
            items.retain(|item| !gone.names(item));
        }
        (None, None, _) => {
            c.shift_remove(&key);
        }
        (Some(filter), sub, Value::Array(items)) => {
            let hit = |item: &Value| item.is_object() && filter.matches_element(item, t.kind, &parent);
            match sub {
                None => items.retain(|item| !hit(item)),
                Some(sub) => {
                    for item in items.iter_mut().filter(|item| hit(item)) {
                        if let Value::Object(element) = item {
                            remove_ci(element, sub);
                        }
                    }
                    items.retain(|item| !item.as_object().is_some_and(Map::is_empty));
                }
            }
        }
        (None, Some(sub), Value::Array(items)) => {
            for item in items.iter_mut() {
                if let Value::Object(element) = item {
                    remove_ci(element, sub);
                }
            }
            items.retain(|item| !item.as_object().is_some_and(Map::is_empty));
        }
        (filter, sub, Value::Object(parent_obj)) => {
            let selected =
                filter.as_ref().is_none_or(|f| f.matches_element(&Value::Object(parent_obj.clone()), t.kind, &parent));
            match (selected, sub) {
                (false, _) => {}
                (true, Some(sub)) => remove_ci(parent_obj, sub),
                (true, None) => {
                    c.shift_remove(&key);
                }
            }
        }
        // A sub-attribute or filter on a simple value selects nothing.
        _ => {}
    }
    tidy(doc, t);
    Ok(())
}

/// The values a `remove` with a `value` lists. An element goes when a listed value with a `value`
/// has the same `value` as the element, or when a listed value equals the whole element (the
/// only comparison when either side has no `value`). Hash lookups: linear in both lists.
struct ListedValues<'a> {
    listed: &'a [Value],
    /// `value`s of the listed elements that have one (indexes into `values`).
    values: Vec<Value>,
    by_value: LooseSet,
    /// Listed elements without a `value`, whole, and all listed elements, whole.
    without_value: LooseSet,
    all: LooseSet,
}

impl<'a> ListedValues<'a> {
    fn new(listed: &'a [Value]) -> Self {
        let mut set = ListedValues {
            listed,
            values: Vec::new(),
            by_value: LooseSet::default(),
            without_value: LooseSet::default(),
            all: LooseSet::default(),
        };
        for (i, gone) in listed.iter().enumerate() {
            set.all.insert(gone, i);
            match element_value(gone) {
                Some(v) => {
                    set.values.push(v.clone());
                    set.by_value.insert(v, set.values.len() - 1);
                }
                None => set.without_value.insert(gone, i),
            }
        }
        set
    }

    fn names(&self, item: &Value) -> bool {
        match element_value(item) {
            Some(have) => {
                self.by_value.find(have, &self.values).is_some() || self.without_value.find(item, self.listed).is_some()
            }
            None => self.all.find(item, self.listed).is_some(),
        }
    }
}
