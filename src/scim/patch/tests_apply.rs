//! Applying operations to stored documents: every form in ENTRA.md, and the invariants.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::super::error::ScimType;
use super::super::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
use super::*;

const ENT: &str = ENTERPRISE_USER_SCHEMA;

fn ops_of(ops: Value) -> Vec<PatchOperation> {
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
    parse_patch_request(&body).unwrap_or_else(|e| panic!("{}", e.detail))
}

fn patched(doc: &Value, ops: Value) -> Value {
    let mut doc = doc.clone();
    apply(&mut doc, ResourceKind::User, &ops_of(ops)).unwrap_or_else(|e| panic!("{}", e.detail));
    doc
}

fn refused(doc: &Value, ops: Value) -> ScimError {
    let mut copy = doc.clone();
    let e = apply(&mut copy, ResourceKind::User, &ops_of(ops)).expect_err("should be refused");
    assert_eq!(&copy, doc, "a refused patch must leave the document alone");
    e
}

fn user() -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": "alice@contoso.com",
        "active": true,
        "displayName": "Alice",
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "emails": [{"type": "work", "value": "alice@contoso.com", "primary": true}],
        "addresses": [{"type": "work", "locality": "Seattle", "country": "US"}]
    })
}

fn with_manager() -> Value {
    let mut doc = user();
    doc["schemas"] = json!([USER_SCHEMA, ENT]);
    doc[ENT] = json!({"employeeNumber": "701984", "manager": {"value": "boss"}});
    doc
}

#[test]
fn replace_on_filter_matching_nothing_creates_element() {
    let doc = patched(
        &user(),
        json!([{"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"}]),
    );
    assert_eq!(doc["phoneNumbers"], json!([{"type": "mobile", "value": "+1 555"}]));
    let doc = patched(&user(), json!([{"op": "Add", "path": "emails[type eq \"home\"].value", "value": "a@home.org"}]));
    assert_eq!(doc["emails"][1], json!({"type": "home", "value": "a@home.org"}));
    assert_eq!(doc["emails"][0]["value"], "alice@contoso.com");
}

#[test]
fn replace_on_matching_filter_sets_the_sub_attribute_of_each_match() {
    let doc = patched(
        &user(),
        json!([{"op": "replace", "path": "emails[type eq \"WORK\"].value", "value": "new@contoso.com"}]),
    );
    assert_eq!(doc["emails"], json!([{"type": "work", "value": "new@contoso.com", "primary": true}]));
    let doc = patched(
        &user(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"}]),
    );
    assert_eq!(doc["addresses"], json!([{"type": "work", "locality": "Redmond", "country": "US"}]));
}

#[test]
fn filter_without_eq_comparisons_matching_nothing_is_no_target() {
    let e = refused(&user(), json!([{"op": "replace", "path": "emails[value co \"zzz\"].type", "value": "home"}]));
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn replace_of_a_filtered_element_keeps_the_filtered_sub_attributes() {
    let doc =
        patched(&user(), json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "x@y.z"}}]));
    assert_eq!(doc["emails"], json!([{"type": "work", "value": "x@y.z"}]));
    let doc =
        patched(&user(), json!([{"op": "add", "path": "emails[type eq \"work\"]", "value": {"display": "Work"}}]));
    assert_eq!(doc["emails"][0]["display"], "Work");
    assert_eq!(doc["emails"][0]["primary"], true);
}

#[test]
fn remove_with_value_filter_removes_matching_elements() {
    let mut start = user();
    start["emails"] = json!([{"type": "work", "value": "a"}, {"type": "home", "value": "b"}]);
    let doc = patched(&start, json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]));
    assert_eq!(doc["emails"], json!([{"type": "home", "value": "b"}]));
    let doc = patched(&doc, json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]));
    assert!(doc.get("emails").is_none(), "an emptied attribute goes away: {doc}");
}

#[test]
fn remove_of_a_filtered_sub_attribute_removes_only_that_sub_attribute() {
    let doc = patched(&user(), json!([{"op": "remove", "path": "emails[type eq \"work\"].value"}]));
    assert_eq!(doc["emails"], json!([{"type": "work", "primary": true}]));
}

#[test]
fn remove_with_filter_matching_nothing_is_a_no_op() {
    let doc = patched(&user(), json!([{"op": "remove", "path": "emails[type eq \"other\"]"}]));
    assert_eq!(doc, user());
    let doc = patched(&user(), json!([{"op": "remove", "path": "title"}, {"op": "remove", "path": "name.middleName"}]));
    assert_eq!(doc, user());
}

#[test]
fn simple_paths_set_attributes_keeping_string_booleans_for_normalisation() {
    let doc = patched(
        &user(),
        json!([
            {"op": "Replace", "path": "userName", "value": "alice2@contoso.com"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "externalId", "value": "ext-1"},
            {"op": "Replace", "path": "displayName", "value": "Alice S."}
        ]),
    );
    assert_eq!(doc["userName"], "alice2@contoso.com");
    assert_eq!(doc["active"], "False");
    assert_eq!(doc["externalId"], "ext-1");
    assert_eq!(doc["displayName"], "Alice S.");
}

#[test]
fn sub_attribute_path_creates_the_parent() {
    let mut start = user();
    start.as_object_mut().unwrap().remove("name");
    let doc = patched(&start, json!([{"op": "replace", "path": "name.familyName", "value": "Jones"}]));
    assert_eq!(doc["name"], json!({"familyName": "Jones"}));
    let doc = patched(&user(), json!([{"op": "replace", "path": "NAME.FAMILYNAME", "value": "Jones"}]));
    assert_eq!(doc["name"], json!({"givenName": "Alice", "familyName": "Jones"}));
}

#[test]
fn existing_key_spelling_is_kept_and_new_keys_use_the_schema_spelling() {
    let start = json!({"schemas": [USER_SCHEMA], "UserName": "a", "DisplayName": "x"});
    let doc = patched(
        &start,
        json!([
            {"op": "replace", "path": "displayname", "value": "y"},
            {"op": "add", "path": "NICKNAME", "value": "n"},
            {"op": "add", "path": "customThing", "value": 1}
        ]),
    );
    assert_eq!(
        doc,
        json!({"schemas": [USER_SCHEMA], "UserName": "a", "DisplayName": "y", "nickName": "n", "customThing": 1})
    );
}

#[test]
fn enterprise_attribute_path_creates_the_extension_and_lists_its_schema() {
    let doc = patched(
        &user(),
        json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"}]),
    );
    assert_eq!(doc[ENT], json!({"employeeNumber": "42"}));
    assert_eq!(doc["schemas"], json!([USER_SCHEMA, ENT]));
}

#[test]
fn manager_as_bare_id_or_object_is_stored_as_an_object() {
    let path = format!("{ENT}:manager");
    let doc = patched(&user(), json!([{"op": "Replace", "path": path, "value": "abc"}]));
    assert_eq!(doc[ENT]["manager"], json!({"value": "abc"}));
    let doc = patched(&with_manager(), json!([{"op": "replace", "path": path, "value": {"value": "def"}}]));
    assert_eq!(doc[ENT]["manager"], json!({"value": "def"}));
    let doc = patched(&user(), json!([{"op": "add", "path": format!("{ENT}:manager.value"), "value": "ghi"}]));
    assert_eq!(doc[ENT]["manager"], json!({"value": "ghi"}));
}

#[test]
fn removing_the_manager_drops_the_empty_extension_and_its_schema() {
    let mut start = with_manager();
    start[ENT].as_object_mut().unwrap().remove("employeeNumber");
    let doc = patched(&start, json!([{"op": "Remove", "path": format!("{ENT}:manager")}]));
    assert!(doc.get(ENT).is_none(), "{doc}");
    assert_eq!(doc["schemas"], json!([USER_SCHEMA]));
    let doc = patched(&with_manager(), json!([{"op": "remove", "path": format!("{ENT}:manager")}]));
    assert_eq!(doc[ENT], json!({"employeeNumber": "701984"}));
}

#[test]
fn replacing_the_manager_with_an_empty_id_removes_it() {
    for empty in [json!(""), json!({"value": ""}), json!(null)] {
        let doc =
            patched(&with_manager(), json!([{"op": "replace", "path": format!("{ENT}:manager"), "value": empty}]));
        assert!(doc[ENT].get("manager").is_none(), "{empty}");
    }
}

#[test]
fn pathless_dotted_and_urn_keys_are_sub_attributes_not_literal_keys() {
    let doc = patched(
        &user(),
        json!([{"op": "replace", "value": {
            "name.givenName": "Alicia",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "boss2",
            "active": false
        }}]),
    );
    assert_eq!(doc["name"], json!({"givenName": "Alicia", "familyName": "Smith"}));
    assert_eq!(doc[ENT], json!({"department": "Sales", "manager": {"value": "boss2"}}));
    assert_eq!(doc["active"], false);
    assert!(doc.get("name.givenName").is_none());
}

#[test]
fn pathless_extension_object_is_merged() {
    let doc = patched(&with_manager(), json!([{"op": "add", "value": {ENT: {"department": "R&D"}}}]));
    assert_eq!(doc[ENT], json!({"employeeNumber": "701984", "manager": {"value": "boss"}, "department": "R&D"}));
}

#[test]
fn pathless_add_merges_multi_valued_and_complex_attributes() {
    let doc = patched(
        &user(),
        json!([{"op": "add", "value": {
            "emails": [{"type": "home", "value": "a@home.org"}, {"type": "work", "value": "alice@contoso.com", "primary": true}],
            "name": {"middleName": "B"}
        }}]),
    );
    assert_eq!(doc["emails"].as_array().unwrap().len(), 2);
    assert_eq!(doc["name"], json!({"givenName": "Alice", "familyName": "Smith", "middleName": "B"}));
}

#[test]
fn pathless_replace_sets_attributes_and_null_removes() {
    let doc =
        patched(&user(), json!([{"op": "replace", "value": {"emails": [{"value": "z@z.z"}], "displayName": null}}]));
    assert_eq!(doc["emails"], json!([{"value": "z@z.z"}]));
    assert!(doc.get("displayName").is_none());
}

#[test]
fn pathless_value_must_be_an_object() {
    let e = refused(&user(), json!([{"op": "replace", "value": "x"}]));
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn pathless_read_only_attributes_are_skipped() {
    let doc = patched(
        &user(),
        json!([{"op": "replace", "value": {"id": "x", "meta": {"version": "1"}, "displayName": "B"}}]),
    );
    assert!(doc.get("id").is_none() && doc.get("meta").is_none());
    assert_eq!(doc["displayName"], "B");
}

#[test]
fn add_to_multi_valued_appends_and_skips_duplicates() {
    let ops = json!([{"op": "add", "path": "roles", "value": [{"primary": "False", "type": "WindowsAzureActiveDirectoryRole", "value": "r1"}]}]);
    let once = patched(&user(), ops.clone());
    let twice = patched(&once, ops);
    assert_eq!(once, twice);
    assert_eq!(once["roles"].as_array().unwrap().len(), 1);
    let normalised = json!([{"op": "add", "path": "roles", "value": [{"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "r1"}]}]);
    assert_eq!(patched(&once, normalised), once, "string and real booleans count as the same element");
}

#[test]
fn a_new_primary_value_takes_the_flag_from_the_others() {
    let doc = patched(
        &user(),
        json!([{"op": "add", "path": "emails", "value": {"type": "home", "value": "h@h", "primary": true}}]),
    );
    assert_eq!(doc["emails"][0]["primary"], false);
    assert_eq!(doc["emails"][1]["primary"], true);
}

#[test]
fn replace_of_multi_valued_replaces_the_whole_array() {
    let doc =
        patched(&user(), json!([{"op": "replace", "path": "emails", "value": [{"type": "home", "value": "h@h"}]}]));
    assert_eq!(doc["emails"], json!([{"type": "home", "value": "h@h"}]));
}

#[test]
fn add_on_a_single_valued_attribute_replaces_it() {
    let doc = patched(&user(), json!([{"op": "add", "path": "displayName", "value": "Other"}]));
    assert_eq!(doc["displayName"], "Other");
}

#[test]
fn replace_of_a_complex_attribute_keeps_unnamed_sub_attributes() {
    let doc = patched(&user(), json!([{"op": "replace", "path": "name", "value": {"givenName": "Al"}}]));
    assert_eq!(doc["name"], json!({"givenName": "Al", "familyName": "Smith"}));
}

#[test]
fn remove_with_value_on_multi_valued_removes_only_the_listed_elements() {
    let mut start = user();
    start["roles"] = json!([{"value": "r1"}, {"value": "r2"}]);
    let doc = patched(&start, json!([{"op": "remove", "path": "roles", "value": [{"value": "r1"}]}]));
    assert_eq!(doc["roles"], json!([{"value": "r2"}]));
}

#[test]
fn id_and_meta_paths_are_mutability_errors() {
    for path in ["id", "meta", "meta.lastModified", "groups"] {
        let e = refused(&user(), json!([{"op": "replace", "path": path, "value": "x"}]));
        assert_eq!(e.scim_type, Some(ScimType::Mutability), "{path}");
    }
}

#[test]
fn failing_operation_leaves_the_document_unchanged() {
    let e = refused(
        &user(),
        json!([
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "userName.first", "value": "x"}
        ]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn replace_with_null_removes_the_attribute() {
    let doc = patched(&user(), json!([{"op": "replace", "path": "displayName", "value": null}]));
    assert!(doc.get("displayName").is_none());
}

#[test]
fn group_rename_with_and_without_path() {
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales"});
    let mut doc = group.clone();
    let ops = ops_of(json!([{"op": "Replace", "path": "displayName", "value": "Sales EU"}]));
    apply(&mut doc, ResourceKind::Group, &ops).unwrap();
    assert_eq!(doc["displayName"], "Sales EU");
    let ops = ops_of(json!([{"op": "Replace", "value": {"displayName": "Sales US", "externalId": "g-1"}}]));
    apply(&mut doc, ResourceKind::Group, &ops).unwrap();
    assert_eq!(
        doc,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales US", "externalId": "g-1"})
    );
}

#[test]
fn extension_urn_path_sets_or_removes_the_whole_extension() {
    let doc = patched(&user(), json!([{"op": "add", "path": ENT, "value": {"department": "Ops", "manager": "m1"}}]));
    assert_eq!(doc[ENT], json!({"department": "Ops", "manager": {"value": "m1"}}));
    assert_eq!(doc["schemas"], json!([USER_SCHEMA, ENT]));
    let doc = patched(&doc, json!([{"op": "remove", "path": ENT}]));
    assert!(doc.get(ENT).is_none());
    assert_eq!(doc["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn enterprise_attribute_without_its_urn_goes_to_the_extension() {
    let doc = patched(&user(), json!([{"op": "replace", "path": "department", "value": "Ops"}]));
    assert_eq!(doc[ENT], json!({"department": "Ops"}));
    assert!(doc.get("department").is_none());
}

#[test]
fn pathless_core_urn_object_sets_its_attributes() {
    let doc = patched(&user(), json!([{"op": "replace", "value": {USER_SCHEMA: {"displayName": "Core"}}}]));
    assert_eq!(doc["displayName"], "Core");
}

#[test]
fn filter_on_a_single_valued_attribute_is_invalid_path() {
    let e = refused(&user(), json!([{"op": "replace", "path": "displayName[value eq \"x\"].value", "value": "y"}]));
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    let e = refused(&user(), json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": "x"}]));
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

/// Operations that succeed on [`user`] in any order.
fn valid_op() -> impl Strategy<Value = Value> {
    let text = "[a-z]{1,6}";
    prop_oneof![
        text.prop_map(|v| json!({"op": "replace", "path": "displayName", "value": v})),
        text.prop_map(|v| json!({"op": "add", "path": "emails[type eq \"work\"].value", "value": v})),
        text.prop_map(|v| json!({"op": "Replace", "path": "name.familyName", "value": v})),
        text.prop_map(|v| json!({"op": "add", "path": "phoneNumbers", "value": [{"type": "mobile", "value": v}]})),
        text.prop_map(|v| json!({"op": "add", "path": format!("{ENT}:department"), "value": v})),
        text.prop_map(|v| json!({"op": "replace", "value": {"title": v, "name.givenName": v}})),
        Just(json!({"op": "remove", "path": "emails[type eq \"work\"]"})),
        Just(json!({"op": "remove", "path": format!("{ENT}:department")})),
        Just(json!({"op": "replace", "path": "active", "value": "False"})),
    ]
}

fn failing_op() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"op": "replace", "path": "id", "value": "x"})),
        Just(json!({"op": "replace", "path": "meta.created", "value": "x"})),
        Just(json!({"op": "add", "path": "userName.sub", "value": "x"})),
        Just(json!({"op": "replace", "path": "emails[value co \"@nowhere\"].type", "value": "x"})),
        Just(json!({"op": "replace", "value": ["not", "an", "object"]})),
    ]
}

proptest! {
    #[test]
    fn a_failing_last_operation_leaves_the_document_unchanged(
        ops in proptest::collection::vec(valid_op(), 0..8),
        bad in failing_op()
    ) {
        let mut all = ops;
        all.push(bad);
        let mut doc = user();
        prop_assert!(apply(&mut doc, ResourceKind::User, &ops_of(Value::Array(all))).is_err());
        prop_assert_eq!(doc, user());
    }

    #[test]
    fn adding_the_same_values_twice_equals_adding_them_once(
        ops in proptest::collection::vec(valid_op(), 1..4),
        add in prop_oneof![
            "[a-z]{1,6}".prop_map(|v| json!({"op": "add", "path": "emails", "value": [{"type": "other", "value": v, "primary": "True"}]})),
            "[a-z]{1,6}".prop_map(|v| json!({"op": "add", "path": "roles", "value": {"value": v}})),
            "[a-z]{1,6}".prop_map(|v| json!({"op": "add", "path": "nickName", "value": v})),
            "[a-z]{1,6}".prop_map(|v| json!({"op": "add", "path": "name", "value": {"middleName": v}})),
            "[a-z]{1,6}".prop_map(|v| json!({"op": "add", "path": "addresses[type eq \"home\"].locality", "value": v})),
            "[a-z]{1,6}".prop_map(|v| json!({"op": "add", "value": {"emails": [{"value": v}], format!("{ENT}:manager"): v}})),
        ]
    ) {
        let base = patched(&user(), Value::Array(ops));
        let once = patched(&base, json!([add.clone()]));
        let twice = patched(&once, json!([add]));
        prop_assert_eq!(once, twice);
    }
}
