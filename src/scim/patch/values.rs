//! Comparing and combining attribute values: duplicates, `primary`, elements a filter describes.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::super::filter::{CompareOp, Filter};
use super::target::{insert_ci, Object, Target};

/// Whether a manager value carries no id (`""`, `{"value": ""}`, `{}`), which clears the manager.
pub(super) fn manager_is_empty(v: &Value) -> bool {
    let id = if v.is_object() { element_value(v) } else { Some(v) };
    match id {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// The element a value filter describes: its `sub eq value` comparisons joined by `and`.
pub(super) fn derived_element(filter: &Filter, t: &Target) -> Object {
    let mut element = Map::new();
    let mut stack = vec![filter];
    let mut comparisons = Vec::new();
    while let Some(f) = stack.pop() {
        match f {
            Filter::And(a, b) => stack.extend([b.as_ref(), a.as_ref()]),
            Filter::Compare { path, op: CompareOp::Eq, value } if path.sub.is_none() && !value.is_null() => {
                comparisons.push((path.name.as_str(), value));
            }
            _ => {}
        }
    }
    for (name, value) in comparisons {
        insert_ci(&mut element, name, t.sub_key_name(name), value.clone());
    }
    element
}

pub(super) fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

pub(super) fn is_primary(v: &Value) -> bool {
    v.as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("primary")))
        .is_some_and(|(_, p)| as_bool(p) == Some(true))
}

/// RFC 7643 §2.4: `primary: true` appears at most once, so a value just made primary takes
/// the flag from the others.
pub(super) fn one_primary(list: &mut [Value], changed: &[usize]) {
    let Some(&winner) = changed.iter().find(|&&i| is_primary(&list[i])) else { return };
    for (i, item) in list.iter_mut().enumerate() {
        if i != winner && is_primary(item) {
            if let Value::Object(m) = item {
                insert_ci(m, "primary", "primary", Value::Bool(false));
            }
        }
    }
}

/// Equality that ignores key case, null members and string-vs-real booleans, so that an element
/// re-sent after normalisation (`"primary": "True"` vs `true`) is still recognised.
pub(super) fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let present = |m: &Object| m.values().filter(|v| !v.is_null()).count();
            present(x) == present(y)
                && x.iter().filter(|(_, v)| !v.is_null()).all(|(k, v)| {
                    y.iter().find(|(yk, _)| yk.eq_ignore_ascii_case(k)).is_some_and(|(_, w)| loose_eq(v, w))
                })
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| loose_eq(v, w)),
        (Value::Bool(_), Value::String(_)) | (Value::String(_), Value::Bool(_)) => {
            as_bool(a).is_some() && as_bool(a) == as_bool(b)
        }
        _ => a == b,
    }
}

/// `add` to a multi-valued attribute: append what is not already there. Linear in the two
/// lists (a [`LooseSet`]), not their product: both may hold 1,000 values.
pub(super) fn append_unique(list: &mut Vec<Value>, items: Vec<Value>) {
    let mut known = LooseSet::default();
    for (i, v) in list.iter().enumerate() {
        known.insert(v, i);
    }
    let mut added = Vec::new();
    for item in items {
        if item.is_null() || known.find(&item, list).is_some() {
            continue;
        }
        list.push(item);
        let i = list.len() - 1;
        known.insert(&list[i], i);
        added.push(i);
    }
    one_primary(list, &added);
}

/// Values of a list grouped by a hash key that [`loose_eq`] values always share, so finding a
/// value costs one hash lookup plus `loose_eq` on the few values of its bucket. (`loose_eq` is
/// not transitive, `"True"` ~ `true` ~ `"true"`, so the key cannot be an exact canonical form.)
#[derive(Default)]
pub(super) struct LooseSet {
    buckets: HashMap<String, Vec<usize>>,
}

impl LooseSet {
    /// Remember that `list[index]` is `v`.
    pub(super) fn insert(&mut self, v: &Value, index: usize) {
        self.buckets.entry(loose_key(v)).or_default().push(index);
    }

    /// The index of a value of `list` (the list the indexes refer to) that is `loose_eq` to `v`.
    pub(super) fn find(&self, v: &Value, list: &[Value]) -> Option<usize> {
        self.buckets.get(&loose_key(v))?.iter().copied().find(|&i| loose_eq(&list[i], v))
    }
}

/// A key equal for any two values that [`loose_eq`] finds equal: object keys lower-cased and
/// sorted, nulls left out, booleans and their string spellings alike.
pub(super) fn loose_key(v: &Value) -> String {
    let mut out = String::new();
    write_loose_key(v, &mut out);
    out
}

fn write_loose_key(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, &Value)> =
                m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (k, v) in entries {
                let _ = write!(out, "{}:{k}=", k.len());
                write_loose_key(v, out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for item in items {
                write_loose_key(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Bool(_) | Value::String(_) if as_bool(v).is_some() => {
            let _ = write!(out, "b{}", as_bool(v).unwrap_or_default());
        }
        Value::String(s) => {
            let _ = write!(out, "s{}:{s}", s.len());
        }
        other => {
            let _ = write!(out, "o{other}");
        }
    }
}

pub(super) fn element_value(v: &Value) -> Option<&Value> {
    v.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")).map(|(_, v)| v)
}
