//! A stored resource turned into the SCIM resource a client receives.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::scim::ResourceKind;
use crate::store::MemberRow;
use crate::store::StoredResource;

/// The weak ETag for a version: `W/"3"`.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// `meta` of a resource (RFC 7643 §3.1).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meta<'a> {
    resource_type: &'static str,
    created: &'a str,
    last_modified: &'a str,
    location: String,
    version: String,
}

fn meta<'a, D>(kind: ResourceKind, resource: &'a StoredResource<D>, base_url: &str) -> Meta<'a> {
    Meta {
        resource_type: kind.as_str(),
        created: &resource.created,
        last_modified: &resource.last_modified,
        location: format!("{base_url}/{}/{}", kind.endpoint(), resource.id),
        version: etag(resource.version),
    }
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
    out.insert("meta".into(), serde_json::to_value(meta(kind, resource, base_url)).expect("meta serialises"));
    Value::Object(out)
}

/// [`render`] without members, as JSON text, made from the stored text without parsing it: the
/// stored document is a JSON object that starts with its `schemas` and holds no `id` or `meta`
/// (normalisation makes it so), so the answer is that object with `id` and `meta` added.
/// A document of another shape goes through [`render`].
pub fn render_text(
    kind: ResourceKind,
    resource: &StoredResource<String>,
    base_url: &str,
) -> Result<String, crate::store::StoreError> {
    let Some(attributes) =
        resource.doc.strip_prefix('{').and_then(|d| d.strip_suffix('}')).filter(|d| d.starts_with("\"schemas\":"))
    else {
        return Ok(render(kind, &resource.clone().parse()?, base_url, None).to_string());
    };
    let mut out = Vec::with_capacity(resource.doc.len() + 256);
    out.push(b'{');
    out.extend_from_slice(attributes.as_bytes());
    out.extend_from_slice(b",\"id\":");
    serde_json::to_writer(&mut out, &resource.id).expect("a string serialises");
    out.extend_from_slice(b",\"meta\":");
    serde_json::to_writer(&mut out, &meta(kind, resource, base_url)).expect("meta serialises");
    out.push(b'}');
    Ok(String::from_utf8(out).expect("JSON text is UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::resource::normalize;

    fn stored(kind: ResourceKind, body: Value) -> StoredResource {
        StoredResource {
            rowid: 1,
            id: "2819c223-7f76-453a-919d-413861904646".into(),
            doc: normalize(kind, body).unwrap(),
            created: "2026-11-29T01:00:00Z".into(),
            last_modified: "2026-11-29T02:00:00Z".into(),
            version: 3,
        }
    }

    /// The text made without parsing says exactly what the parsed rendering says.
    #[test]
    fn text_rendering_equals_parsed_rendering() {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com",
            "active": true,
            "displayName": "Test \"Quoted\" User ünïcode",
            "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "manager": {"value": "m-1"}}
        });
        let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "externalId": "g-1"});
        for (kind, body) in [(ResourceKind::User, user), (ResourceKind::Group, group)] {
            let resource = stored(kind, body);
            let parsed = render(kind, &resource, "https://scim.example/source/scim/entra/v2", None);
            let text =
                render_text(kind, &resource.clone().to_text(), "https://scim.example/source/scim/entra/v2").unwrap();
            assert!(resource.clone().to_text().doc.starts_with("{\"schemas\":"), "the fast path is the one tested");
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), parsed, "{text}");
        }
    }

    #[test]
    fn a_document_of_another_shape_is_rendered_by_parsing_it() {
        let mut resource = stored(ResourceKind::User, json!({"userName": "a"})).to_text();
        resource.doc = r#"{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}"#.into();
        let text = render_text(ResourceKind::User, &resource, "https://x").unwrap();
        let expected = render(ResourceKind::User, &resource.clone().parse().unwrap(), "https://x", None);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
    }
}
