//! The parameters of a list (RFC 7644 §3.4.2), as a GET's query gives them or as the body of
//! `POST /Users/.search` and `POST /Groups/.search` (§3.4.3), a SearchRequest message.

use serde_json::{Map, Value};

use super::error::ScimError;

pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// A list request's parameters as the client gave them, as text like a GET's query parameters,
/// so that a query and a SearchRequest are read by one path (`attributes` and
/// `excludedAttributes` joined with commas).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListRequest {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

/// Read a SearchRequest. Member names are matched in any letter case (RFC 7643 §2.1); members
/// it does not define are ignored. `schemas`, when sent, must name the SearchRequest message.
pub fn parse_search_request(body: &Value) -> Result<ListRequest, ScimError> {
    let Value::Object(members) = body else {
        return Err(ScimError::invalid_syntax("a search is a JSON object (a SearchRequest message)"));
    };
    if let Some(schemas) = member(members, "schemas") {
        let names_search = schemas.as_array().is_some_and(|s| {
            s.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA)))
        });
        if !names_search {
            return Err(ScimError::invalid_syntax(format!(
                "a search's \"schemas\" must be [\"{SEARCH_REQUEST_SCHEMA}\"]"
            )));
        }
    }
    Ok(ListRequest {
        filter: text(members, "filter")?,
        start_index: integer(members, "startIndex")?,
        count: integer(members, "count")?,
        sort_by: text(members, "sortBy")?,
        sort_order: text(members, "sortOrder")?,
        attributes: attribute_list(members, "attributes")?,
        excluded_attributes: attribute_list(members, "excludedAttributes")?,
    })
}

fn member<'a>(members: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    members.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v).filter(|v| !v.is_null())
}

fn text(members: &Map<String, Value>, name: &str) -> Result<Option<String>, ScimError> {
    match member(members, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ScimError::invalid_value(format!("\"{name}\" must be a string, not {other}"))),
    }
}

/// A whole number, or one written as a string (the same text a query parameter would carry).
fn integer(members: &Map<String, Value>, name: &str) -> Result<Option<i64>, ScimError> {
    let refused = |v: &Value| ScimError::invalid_value(format!("\"{name}\" must be a whole number, not {v}"));
    match member(members, name) {
        None => Ok(None),
        Some(v @ Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(n), _) => Ok(Some(n)),
            (None, Some(_)) => Ok(Some(i64::MAX)),
            _ => Err(refused(v)),
        },
        Some(v @ Value::String(s)) => s.trim().parse().map(Some).map_err(|_| refused(v)),
        Some(other) => Err(refused(other)),
    }
}

/// `["userName", "emails.value"]` (the RFC's form) or `"userName,emails.value"`.
fn attribute_list(members: &Map<String, Value>, name: &str) -> Result<Option<String>, ScimError> {
    let refused = || ScimError::invalid_value(format!("\"{name}\" must be a list of attribute names"));
    match member(members, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Array(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            let names = names.ok_or_else(refused)?;
            Ok((!names.is_empty()).then(|| names.join(",")))
        }
        Some(_) => Err(refused()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn search_request_of_rfc_7644_example_reads_every_parameter() {
        // RFC 7644 §3.4.3, Figure 5.
        let body = json!({
            "schemas": [SEARCH_REQUEST_SCHEMA],
            "attributes": ["displayName", "userName"],
            "filter": "displayName sw \"smith\"",
            "startIndex": 1,
            "count": 10
        });
        let search = parse_search_request(&body).unwrap();
        assert_eq!(search.attributes.as_deref(), Some("displayName,userName"));
        assert_eq!(search.filter.as_deref(), Some("displayName sw \"smith\""));
        assert_eq!((search.start_index, search.count), (Some(1), Some(10)));
        assert_eq!(search.excluded_attributes, None);
    }

    #[test]
    fn search_request_with_another_message_schema_is_invalid_syntax() {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "filter": "x pr"});
        assert_eq!(parse_search_request(&body).unwrap_err().scim_type, Some(crate::scim::ScimType::InvalidSyntax));
    }

    #[test]
    fn search_request_refuses_a_count_that_is_no_number() {
        let body = json!({"count": "ten"});
        assert!(parse_search_request(&body).is_err());
        assert_eq!(parse_search_request(&json!({"count": "10"})).unwrap().count, Some(10));
    }
}
