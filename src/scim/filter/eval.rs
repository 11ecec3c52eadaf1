//! Evaluation of a filter against a resource document, or against one element of a multi-valued
//! attribute inside `attr[...]`.
//!
//! Choices beyond the RFC's text:
//! - `ne` is the negation of `eq`, so an absent attribute is `ne` anything and a multi-valued one
//!   is `ne "x"` only when no value equals `"x"` (the same answer as `not (attr eq "x")`).
//! - `eq null` asks whether the attribute is absent, `ne null` whether it is present.
//! - A boolean and the strings `"true"`/`"false"` (any letter case) compare equal, because Entra
//!   sends booleans as strings in some tenants.
//! - A dateTime attribute (`meta.created`, `meta.lastModified`) compares as an instant, so
//!   `"2026-01-01T01:00:00+01:00"` equals `"2026-01-01T00:00:00Z"` and fractions of seconds
//!   order correctly; a value that is no dateTime compares as text.
//! - A number compares as a number, also with an attribute value that is a number written as a
//!   string (custom attributes sent as text by some clients).
//! - For users, a name the document lacks at top level is looked for in the enterprise extension,
//!   because older Entra tenants filter on `manager eq "id"` without the extension's URN.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::super::schema::{self, AttrType, AttributeDef};
use super::super::{ResourceKind, ENTERPRISE_USER_SCHEMA};
use super::{comparison_key, AttrPath, CompareOp, Filter};

#[derive(Clone, Copy)]
pub(super) struct Scope<'a> {
    pub kind: ResourceKind,
    /// Inside `attr[...]`: paths are relative to one element of `attr`.
    pub parent: Option<&'a AttrPath>,
}

pub(super) fn eval(f: &Filter, node: &Value, scope: Scope) -> bool {
    match f {
        Filter::And(a, b) => eval(a, node, scope) && eval(b, node, scope),
        Filter::Or(a, b) => eval(a, node, scope) || eval(b, node, scope),
        Filter::Not(a) => !eval(a, node, scope),
        Filter::Present(path) => resolve(node, path, scope).values.into_iter().any(is_present),
        Filter::Compare { path, op, value } => compare_attr(node, path, *op, value, scope),
        Filter::ValuePath { path, filter } => {
            let target = resolve(node, &AttrPath { sub: None, ..path.clone() }, scope);
            let Some(parent) = target.schema_path else { return false };
            let inner = Scope { kind: scope.kind, parent: Some(&parent) };
            target.values.into_iter().any(|element| eval(filter, element, inner))
        }
    }
}

/// The values a path names in a node, arrays flattened, and the path to look its definition up
/// by (`None` when no schema could define it).
struct Resolved<'v> {
    values: Vec<&'v Value>,
    schema_path: Option<AttrPath>,
}

fn resolve<'v>(node: &'v Value, path: &AttrPath, scope: Scope) -> Resolved<'v> {
    let (base, schema_path) = match scope.parent {
        Some(parent) => {
            let schema_path = path.sub.is_none().then(|| AttrPath {
                uri: parent.uri.clone(),
                name: parent.name.clone(),
                sub: Some(path.name.clone()),
            });
            (get_ci(node, &path.name), schema_path)
        }
        None => {
            let container = match &path.uri {
                Some(uri) => get_ci(node, uri),
                None => Some(node),
            };
            let mut found = container.and_then(|c| get_ci(c, &path.name));
            let mut uri = path.uri.clone();
            if found.is_none() && uri.is_none() && scope.kind == ResourceKind::User {
                found = get_ci(node, ENTERPRISE_USER_SCHEMA).and_then(|ext| get_ci(ext, &path.name));
                if found.is_some() {
                    uri = Some(ENTERPRISE_USER_SCHEMA.to_string());
                }
            }
            (found, Some(AttrPath { uri, name: path.name.clone(), sub: path.sub.clone() }))
        }
    };
    let mut values = Vec::new();
    if let Some(base) = base {
        match (&path.sub, scope.parent) {
            (Some(sub), None) => {
                let mut parents = Vec::new();
                push_flat(base, &mut parents);
                for p in parents {
                    if let Some(v) = get_ci(p, sub) {
                        push_flat(v, &mut values);
                    }
                }
            }
            (Some(sub), Some(_)) => {
                if let Some(v) = get_ci(base, sub) {
                    push_flat(v, &mut values);
                }
            }
            (None, _) => push_flat(base, &mut values),
        }
    }
    Resolved { values, schema_path }
}

fn push_flat<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Array(items) => out.extend(items),
        other => out.push(other),
    }
}

/// The member of an object whose key equals `key` in any letter case (an exact match first).
fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let map = v.as_object()?;
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare_attr(node: &Value, path: &AttrPath, op: CompareOp, value: &Value, scope: Scope) -> bool {
    if value.is_null() {
        let present = resolve(node, path, scope).values.into_iter().any(is_present);
        return match op {
            CompareOp::Eq => !present,
            CompareOp::Ne => present,
            _ => false,
        };
    }
    if op == CompareOp::Ne {
        return !compare_attr(node, path, CompareOp::Eq, value, scope);
    }
    let r = resolve(node, path, scope);
    let lookup = |p: &AttrPath| schema::lookup(scope.kind, p);
    let rule = Rule::of(r.schema_path.as_ref().and_then(lookup));
    // A complex value compares through its `value` sub-attribute (RFC 7644 §3.4.2.2), as in
    // `emails co "@example.com"` or `manager eq "id"`.
    let value_rule = if r.values.iter().any(|v| v.is_object()) {
        Rule::of(
            r.schema_path
                .as_ref()
                .filter(|p| p.sub.is_none())
                .and_then(|p| lookup(&AttrPath { sub: Some("value".into()), ..p.clone() })),
        )
    } else {
        rule
    };
    r.values.into_iter().any(|v| match v {
        Value::Object(_) => get_ci(v, "value").is_some_and(|inner| compare_value(inner, op, value, value_rule)),
        other => compare_value(other, op, value, rule),
    })
}

/// How an attribute's values compare, from its schema definition (RFC 7643 §2.2 `caseExact` and
/// type); an attribute no schema defines compares as case-insensitive text.
#[derive(Clone, Copy)]
struct Rule {
    case_exact: bool,
    date_time: bool,
}

impl Rule {
    fn of(def: Option<&AttributeDef>) -> Rule {
        Rule {
            case_exact: def.is_some_and(|d| d.case_exact),
            date_time: def.is_some_and(|d| d.kind == AttrType::DateTime),
        }
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `attr op filter_value` for one attribute value; `op` is never `Ne` here.
fn compare_value(attr: &Value, op: CompareOp, filter_value: &Value, rule: Rule) -> bool {
    if attr.is_boolean() || filter_value.is_boolean() {
        return op == CompareOp::Eq && matches!((as_bool(attr), as_bool(filter_value)), (Some(a), Some(b)) if a == b);
    }
    match (attr, filter_value) {
        (Value::String(a), Value::String(b)) if rule.date_time && is_ordering(op) => match (instant(a), instant(b)) {
            (Some(a), Some(b)) => ordered(op, Some(a.cmp(&b))),
            _ => compare_str(a, b, op, rule.case_exact),
        },
        (Value::String(a), Value::String(b)) => compare_str(a, b, op, rule.case_exact),
        (Value::Number(a), Value::Number(b)) => ordered(op, compare_numbers(a, b)),
        (Value::String(a), Value::Number(b)) if is_ordering(op) => {
            a.trim().parse::<Number>().ok().is_some_and(|a| ordered(op, compare_numbers(&a, b)))
        }
        _ => false,
    }
}

/// `eq`, `gt`, `ge`, `lt`, `le`: the operators that compare whole values (not `co`/`sw`/`ew`).
fn is_ordering(op: CompareOp) -> bool {
    matches!(op, CompareOp::Eq | CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le)
}

/// An xsd:dateTime (RFC 7643 §2.3.5) as an instant; one without an offset is taken as UTC.
fn instant(text: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| time::OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339).ok())
}

/// Strings that are not case-exact compare by their [`comparison_key`], the key the store's
/// indexes hold, so a filter evaluated here agrees with one answered from an index.
fn compare_str(a: &str, b: &str, op: CompareOp, case_exact: bool) -> bool {
    let (a, b): (Cow<str>, Cow<str>) =
        if case_exact { (a.into(), b.into()) } else { (comparison_key(a).into(), comparison_key(b).into()) };
    match op {
        CompareOp::Co => a.contains(&*b),
        CompareOp::Sw => a.starts_with(&*b),
        CompareOp::Ew => a.ends_with(&*b),
        _ => ordered(op, Some(a.cmp(&b))),
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn ordered(op: CompareOp, ord: Option<Ordering>) -> bool {
    let Some(ord) = ord else { return false };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}
