//! The discovery documents of RFC 7644 §4 and RFC 7643 §5–7: `/ServiceProviderConfig`,
//! `/ResourceTypes` and `/Schemas`, built from the schema tables so they cannot drift from what
//! the server enforces.

use serde_json::{json, Map, Value};

use super::schema::{self, AttrType, AttributeDef, Mutability, Returned, SchemaDef, Uniqueness};
use super::{ResourceKind, ENTERPRISE_USER_SCHEMA, LIST_RESPONSE_SCHEMA};

pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// The most resources one list answer holds; advertised as `filter.maxResults`, and the cap on `count`.
pub const MAX_PAGE_SIZE: usize = 1000;

/// `/Schemas`: a ListResponse of the User, Group and EnterpriseUser schema documents.
pub fn schemas(base_url: &str) -> Value {
    list_response(schema::SCHEMAS.iter().map(|def| schema_document(base_url, def)).collect())
}

/// `/Schemas/{uri}`: one schema document, the URN matched in any letter case.
pub fn schema(base_url: &str, uri: &str) -> Option<Value> {
    let uri =
        if uri.eq_ignore_ascii_case(schema::MISTYPED_ENTERPRISE_USER_SCHEMA) { ENTERPRISE_USER_SCHEMA } else { uri };
    schema::SCHEMAS.iter().find(|def| def.id.eq_ignore_ascii_case(uri)).map(|def| schema_document(base_url, def))
}

/// `/ResourceTypes`: a ListResponse of the User and Group resource types.
pub fn resource_types(base_url: &str) -> Value {
    list_response(
        [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .map(|kind| resource_type_document(base_url, kind))
            .collect(),
    )
}

/// `/ResourceTypes/{name}`: `User` or `Group`, in any letter case.
pub fn resource_type(base_url: &str, name: &str) -> Option<Value> {
    [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
        .map(|kind| resource_type_document(base_url, kind))
}

/// `/ServiceProviderConfig`: what this server supports (RFC 7643 §5).
pub fn service_provider_config(base_url: &str) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_PAGE_SIZE },
        // ScimDesk never stores passwords, so there is nothing to change.
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with the source's secret token, sent as an OAuth 2.0 bearer token (Authorization: Bearer <token>).",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", trim(base_url)),
        },
    })
}

fn trim(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

fn resource_type_document(base_url: &str, kind: ResourceKind) -> Value {
    let description = match kind {
        ResourceKind::User => "User Account",
        ResourceKind::Group => "Group",
    };
    let extensions = schema::extension_schemas(kind);
    let mut doc = json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": kind.as_str(),
        "name": kind.as_str(),
        "endpoint": format!("/{}", kind.endpoint()),
        "description": description,
        "schema": schema::core_schema(kind),
    });
    // RFC 7643 §8.6 leaves `schemaExtensions` out for a type without any.
    if !extensions.is_empty() {
        doc["schemaExtensions"] =
            extensions.iter().map(|uri| json!({ "schema": uri, "required": false })).collect::<Vec<_>>().into();
    }
    doc["meta"] = json!({
        "resourceType": "ResourceType",
        "location": format!("{}/ResourceTypes/{}", trim(base_url), kind.as_str()),
    });
    doc
}

fn schema_document(base_url: &str, def: &SchemaDef) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": def.id,
        "name": def.name,
        "description": def.description,
        "attributes": def.attributes.iter().map(attribute_document).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{}/Schemas/{}", trim(base_url), def.id),
        },
    })
}

/// One attribute in the JSON form of RFC 7643 §7, with every characteristic spelled out so a
/// client never has to know the defaults.
fn attribute_document(def: &AttributeDef) -> Value {
    let mut doc = Map::new();
    doc.insert("name".into(), def.name.into());
    doc.insert("type".into(), type_name(def.kind).into());
    doc.insert("multiValued".into(), def.multi_valued.into());
    doc.insert("description".into(), def.description.into());
    doc.insert("required".into(), def.required.into());
    doc.insert("caseExact".into(), def.case_exact.into());
    if !def.canonical_values.is_empty() {
        doc.insert("canonicalValues".into(), def.canonical_values.into());
    }
    if def.kind == AttrType::Reference {
        doc.insert("referenceTypes".into(), def.reference_types.into());
    }
    doc.insert("mutability".into(), mutability_name(def.mutability).into());
    doc.insert("returned".into(), returned_name(def.returned).into());
    doc.insert("uniqueness".into(), uniqueness_name(def.uniqueness).into());
    if def.kind == AttrType::Complex {
        let subs: Vec<Value> = def.sub_attributes.iter().map(attribute_document).collect();
        doc.insert("subAttributes".into(), subs.into());
    }
    Value::Object(doc)
}

fn type_name(kind: AttrType) -> &'static str {
    match kind {
        AttrType::String => "string",
        AttrType::Boolean => "boolean",
        AttrType::Decimal => "decimal",
        AttrType::Integer => "integer",
        AttrType::DateTime => "dateTime",
        AttrType::Reference => "reference",
        AttrType::Complex => "complex",
        AttrType::Binary => "binary",
    }
}

fn mutability_name(mutability: Mutability) -> &'static str {
    match mutability {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

fn returned_name(returned: Returned) -> &'static str {
    match returned {
        Returned::Always => "always",
        Returned::Never => "never",
        Returned::Default => "default",
        Returned::Request => "request",
    }
}

fn uniqueness_name(uniqueness: Uniqueness) -> &'static str {
    match uniqueness {
        Uniqueness::None => "none",
        Uniqueness::Server => "server",
        Uniqueness::Global => "global",
    }
}

#[cfg(test)]
mod tests {
    use super::super::{GROUP_SCHEMA, USER_SCHEMA};
    use super::*;

    const BASE: &str = "http://127.0.0.1:7643/source/scim/entra/v2";

    fn attribute<'a>(doc: &'a Value, name: &str) -> &'a Value {
        doc["attributes"].as_array().unwrap().iter().find(|a| a["name"] == name).expect(name)
    }

    #[test]
    fn schemas_lists_user_group_and_enterprise_documents() {
        let list = schemas(BASE);
        assert_eq!(list["schemas"], json!([LIST_RESPONSE_SCHEMA]));
        assert_eq!(list["totalResults"], 3);
        let ids: Vec<&str> = list["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);
        for doc in list["Resources"].as_array().unwrap() {
            assert_eq!(doc["schemas"], json!([SCHEMA_SCHEMA]));
            assert_eq!(doc["meta"]["resourceType"], "Schema");
            assert_eq!(doc["meta"]["location"], format!("{BASE}/Schemas/{}", doc["id"].as_str().unwrap()));
        }
    }

    #[test]
    fn user_name_is_published_required_server_unique_and_case_insensitive() {
        let user = schema(BASE, USER_SCHEMA).unwrap();
        let user_name = attribute(&user, "userName");
        assert_eq!(user_name["type"], "string");
        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["caseExact"], false);
        assert_eq!(user_name["uniqueness"], "server");
        assert_eq!(user_name["mutability"], "readWrite");
        assert_eq!(user_name["returned"], "default");
        assert_eq!(user_name["multiValued"], false);
    }

    #[test]
    fn schema_documents_use_rfc_json_names_for_characteristics() {
        let user = schema(BASE, USER_SCHEMA).unwrap();
        assert_eq!(attribute(&user, "password")["returned"], "never");
        assert_eq!(attribute(&user, "password")["mutability"], "writeOnly");
        assert_eq!(attribute(&user, "active")["type"], "boolean");
        assert_eq!(attribute(&user, "profileUrl")["referenceTypes"], json!(["external"]));
        let emails = attribute(&user, "emails");
        assert_eq!(emails["type"], "complex");
        assert_eq!(emails["multiValued"], true);
        let kinds: Vec<&str> =
            emails["subAttributes"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["value", "display", "type", "primary"]);
        assert_eq!(emails["subAttributes"][2]["canonicalValues"], json!(["work", "home", "other"]));
        assert_eq!(attribute(&user, "groups")["mutability"], "readOnly");
        let certs = attribute(&user, "x509Certificates");
        assert_eq!(certs["subAttributes"][0]["type"], "binary");
        // common attributes belong to no schema document (RFC 7643 §3.1)
        assert!(user["attributes"].as_array().unwrap().iter().all(|a| a["name"] != "id"));
    }

    #[test]
    fn group_and_enterprise_documents_describe_members_and_manager() {
        let group = schema(BASE, GROUP_SCHEMA).unwrap();
        assert_eq!(attribute(&group, "displayName")["required"], true);
        assert_eq!(attribute(&group, "members")["subAttributes"][0]["mutability"], "immutable");
        let enterprise = schema(BASE, ENTERPRISE_USER_SCHEMA).unwrap();
        assert_eq!(enterprise["name"], "EnterpriseUser");
        let manager = attribute(&enterprise, "manager");
        assert_eq!(manager["subAttributes"][1]["name"], "$ref");
        assert_eq!(manager["subAttributes"][1]["referenceTypes"], json!(["User"]));
    }

    #[test]
    fn one_schema_is_found_by_urn_in_any_case_and_unknown_is_none() {
        assert_eq!(schema(BASE, &USER_SCHEMA.to_uppercase()).unwrap()["id"], USER_SCHEMA);
        assert_eq!(schema(BASE, schema::MISTYPED_ENTERPRISE_USER_SCHEMA).unwrap()["id"], ENTERPRISE_USER_SCHEMA);
        assert!(schema(BASE, "urn:example:nope").is_none());
    }

    #[test]
    fn resource_types_describe_users_with_the_optional_enterprise_extension() {
        let list = resource_types(BASE);
        assert_eq!(list["totalResults"], 2);
        let user = resource_type(BASE, "user").unwrap();
        assert_eq!(user["schemas"], json!([RESOURCE_TYPE_SCHEMA]));
        assert_eq!(user["id"], "User");
        assert_eq!(user["endpoint"], "/Users");
        assert_eq!(user["schema"], USER_SCHEMA);
        assert_eq!(user["schemaExtensions"], json!([{ "schema": ENTERPRISE_USER_SCHEMA, "required": false }]));
        assert_eq!(
            user["meta"],
            json!({ "resourceType": "ResourceType", "location": format!("{BASE}/ResourceTypes/User") })
        );
        let group = resource_type(BASE, "Group").unwrap();
        assert_eq!(group["endpoint"], "/Groups");
        assert_eq!(group["schema"], GROUP_SCHEMA);
        assert!(resource_type(BASE, "Device").is_none());
    }

    #[test]
    fn service_provider_config_advertises_patch_filter_bearer_and_no_bulk() {
        let config = service_provider_config(&format!("{BASE}/"));
        assert_eq!(config["schemas"], json!([SERVICE_PROVIDER_CONFIG_SCHEMA]));
        assert_eq!(config["patch"]["supported"], true);
        assert_eq!(config["bulk"], json!({ "supported": false, "maxOperations": 0, "maxPayloadSize": 0 }));
        assert_eq!(config["filter"], json!({ "supported": true, "maxResults": MAX_PAGE_SIZE }));
        assert_eq!(config["changePassword"]["supported"], false);
        assert_eq!(config["sort"]["supported"], true);
        assert_eq!(config["etag"]["supported"], true);
        let scheme = &config["authenticationSchemes"][0];
        assert_eq!(scheme["type"], "oauthbearertoken");
        assert_eq!(scheme["name"], "OAuth Bearer Token");
        assert_eq!(scheme["primary"], true);
        assert_eq!(config["meta"]["resourceType"], "ServiceProviderConfig");
        assert_eq!(config["meta"]["location"], format!("{BASE}/ServiceProviderConfig"));
    }
}
