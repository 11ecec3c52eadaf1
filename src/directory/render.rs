//! A stored resource turned into the SCIM resource a client receives.

use serde_json::{json, Map, Value};

use crate::scim::ResourceKind;
use crate::store::users::StoredResource;
use crate::store::MemberRow;

/// The weak ETag for a version: `W/"3"`.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// `schemas`, `id`, the document's attributes, `members` (groups, when given) and `meta`.
pub fn render(kind: ResourceKind, resource: &StoredResource, base_url: &str, members: Option<&[MemberRow]>) -> Value {
    let mut out = Map::new();
    let default_schema = match kind {
        ResourceKind::User => crate::scim::USER_SCHEMA,
        ResourceKind::Group => crate::scim::GROUP_SCHEMA,
    };
    out.insert("schemas".into(), resource.doc.get("schemas").cloned().unwrap_or_else(|| json!([default_schema])));
    out.insert("id".into(), Value::String(resource.id.clone()));
    if let Some(doc) = resource.doc.as_object() {
        for (k, v) in doc {
            if k != "schemas" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(members) = members {
        let list = members
            .iter()
            .map(|m| {
                let endpoint = if m.kind == "Group" { "Groups" } else { "Users" };
                let mut o = Map::new();
                o.insert("value".into(), Value::String(m.value.clone()));
                if let Some(d) = &m.display {
                    o.insert("display".into(), Value::String(d.clone()));
                }
                o.insert("type".into(), Value::String(m.kind.clone()));
                o.insert("$ref".into(), Value::String(format!("{base_url}/{endpoint}/{}", m.value)));
                Value::Object(o)
            })
            .collect();
        out.insert("members".into(), Value::Array(list));
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": kind.as_str(),
            "created": resource.created,
            "lastModified": resource.last_modified,
            "location": format!("{base_url}/{}/{}", kind.endpoint(), resource.id),
            "version": etag(resource.version),
        }),
    );
    Value::Object(out)
}
