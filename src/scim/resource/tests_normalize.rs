//! `normalize` and `member_ids` against what Entra and other clients actually send (ENTRA.md).

use proptest::prelude::*;
use serde_json::json;

use super::super::{ScimType, ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
use super::*;

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const MISTYPED: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0User";

fn user(body: Value) -> Value {
    normalize(ResourceKind::User, body).expect("valid user")
}

fn invalid_value(kind: ResourceKind, body: Value) -> String {
    let err = normalize(kind, body).expect_err("should be refused");
    assert_eq!((err.status, err.scim_type), (400, Some(ScimType::InvalidValue)), "{err}");
    err.detail
}

fn keys(doc: &Value) -> Vec<&str> {
    doc.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn entra_modern_create_body_keeps_what_was_sent_minus_meta() {
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@contoso.com",
        "active": true,
        "displayName": "Test User",
        "title": "Engineer",
        "preferredLanguage": "en-US",
        "emails": [{ "primary": true, "type": "work", "value": "test.user@contoso.com" }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "Test User", "familyName": "User", "givenName": "Test" },
        "addresses": [{ "type": "work", "formatted": "1 Main St", "streetAddress": "1 Main St", "locality": "Redmond",
                        "region": "WA", "postalCode": "98052", "country": "US" }],
        "phoneNumbers": [{ "type": "work", "value": "+1 425 555 0100" }, { "type": "mobile", "value": "+1 425 555 0101" },
                         { "type": "fax", "value": "+1 425 555 0102" }],
        "roles": [],
        ENTERPRISE_USER_SCHEMA: { "employeeNumber": "1234", "department": "Sales", "manager": { "value": "mgr-1" } }
    });
    let mut expected = body.clone();
    expected.as_object_mut().unwrap().remove("meta");
    let doc = user(body);
    assert_eq!(doc, expected);
    assert_eq!(keys(&doc)[0], "schemas");
    assert_eq!(doc["roles"], json!([]));
}

#[test]
fn entra_old_body_with_nulls_string_booleans_mistyped_urn_bare_manager_and_qualified_keys() {
    let body = json!({
        "schemas": [USER_SCHEMA, MISTYPED],
        "externalId": "e-42",
        "userName": "olga@contoso.com",
        "active": "True",
        "displayName": null,
        "title": null,
        "emails": [{ "primary": "true", "type": "work", "value": "olga@contoso.com" }, null],
        "phoneNumbers": [{ "primary": "False", "type": "mobile", "value": "+1 555 0100", "display": null }],
        "name": { "formatted": null, "familyName": "Old", "givenName": null },
        "name.givenName": "Olga",
        "meta": { "resourceType": "User" },
        "roles": [],
        "password": "P@ssw0rd!",
        MISTYPED: { "employeeNumber": 1234, "department": null, "manager": "mgr-7" },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
        "urn:ietf:params:scim:schemas:core:2.0:User:nickName": "Ol"
    });
    let doc = user(body);
    assert_eq!(
        doc,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "externalId": "e-42",
            "userName": "olga@contoso.com",
            "active": true,
            "emails": [{ "primary": true, "type": "work", "value": "olga@contoso.com" }],
            "phoneNumbers": [{ "primary": false, "type": "mobile", "value": "+1 555 0100" }],
            "name": { "familyName": "Old", "givenName": "Olga" },
            "roles": [],
            ENTERPRISE_USER_SCHEMA: { "employeeNumber": "1234", "manager": { "value": "mgr-7" }, "department": "Sales" },
            "nickName": "Ol"
        })
    );
    assert!(!serde_json::to_string(&doc).unwrap().contains("null"));
}

#[test]
fn a_body_that_is_not_an_object_is_invalid_syntax() {
    for body in [json!([]), json!("userName"), json!(null)] {
        let err = normalize(ResourceKind::User, body).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
        assert!(err.detail.contains("must be a JSON object"), "{}", err.detail);
    }
}

#[test]
fn read_only_and_write_only_attributes_are_dropped() {
    let doc = user(json!({
        "id": "client-chosen", "userName": "a", "meta": { "created": "2020-01-01T00:00:00Z" },
        "meta.version": "W/\"1\"", "password": "secret", "PASSWORD": "secret", "groups": [{ "value": "g1" }],
        ENTERPRISE_USER_SCHEMA: { "manager": { "value": "m1", "displayName": "Boss" } }
    }));
    assert_eq!(
        doc,
        json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "a", ENTERPRISE_USER_SCHEMA: { "manager": { "value": "m1" } } })
    );
}

#[test]
fn group_members_are_left_to_member_ids_and_display_name_is_required() {
    let doc = normalize(
        ResourceKind::Group,
        json!({
            "schemas": [GROUP], "displayName": "Sales", "members": [{ "value": "u1" }], "externalId": "g-1"
        }),
    )
    .unwrap();
    assert_eq!(doc, json!({ "schemas": [GROUP], "displayName": "Sales", "externalId": "g-1" }));
    for body in
        [json!({}), json!({ "displayName": "" }), json!({ "displayName": "  " }), json!({ "displayName": null })]
    {
        assert!(invalid_value(ResourceKind::Group, body).contains("\"displayName\""));
    }
}

#[test]
fn user_name_must_be_a_non_empty_string() {
    for body in [
        json!({}),
        json!({ "userName": "" }),
        json!({ "userName": null }),
        json!({ "userName": ["a"] }),
        // Unlike other string attributes, an identifying one is not stringified from a number.
        json!({ "userName": 42 }),
    ] {
        assert!(invalid_value(ResourceKind::User, body).contains("\"userName\""));
    }
}

#[test]
fn attribute_names_take_schema_spelling_and_unknown_ones_stay_as_sent() {
    let doc = user(json!({
        "USERNAME": "a", "Emails": [{ "VALUE": "a@x", "Primary": "TRUE", "customTag": "x" }],
        "ExternalID": "e", "favouriteColour": "teal", "Name": { "GivenName": "A" }
    }));
    assert_eq!(
        doc,
        json!({
            "schemas": [USER_SCHEMA], "userName": "a", "emails": [{ "value": "a@x", "primary": true, "customTag": "x" }],
            "externalId": "e", "favouriteColour": "teal", "name": { "givenName": "A" }
        })
    );
}

#[test]
fn boolean_attributes_refuse_strings_other_than_true_and_false() {
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "active": "yes" }));
    assert_eq!(detail, "\"active\" must be true or false");
    let detail =
        invalid_value(ResourceKind::User, json!({ "userName": "a", "emails": [{ "value": "a@x", "primary": 1 }] }));
    assert_eq!(detail, "\"emails.primary\" must be true or false");
    assert_eq!(user(json!({ "userName": "a", "active": "false" }))["active"], false);
}

#[test]
fn multi_valued_attributes_accept_one_object_and_refuse_scalars() {
    let doc = user(json!({ "userName": "a", "emails": { "value": "a@x", "type": "work" } }));
    assert_eq!(doc["emails"], json!([{ "value": "a@x", "type": "work" }]));
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "emails": "a@x" }));
    assert_eq!(detail, "\"emails\" must be an array of objects");
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "emails": ["a@x"] }));
    assert_eq!(detail, "\"emails\" must be an array of objects");
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "name": "Ann Smith" }));
    assert_eq!(detail, "\"name\" must be an object");
}

#[test]
fn string_attributes_stringify_numbers_and_refuse_other_types() {
    let doc = user(json!({ "userName": "a", ENTERPRISE_USER_SCHEMA: { "employeeNumber": 1234, "costCenter": 12.5 } }));
    assert_eq!(doc[ENTERPRISE_USER_SCHEMA], json!({ "employeeNumber": "1234", "costCenter": "12.5" }));
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "title": true }));
    assert_eq!(detail, "\"title\" must be a string");
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "name": { "givenName": { "x": 1 } } }));
    assert_eq!(detail, "\"name.givenName\" must be a string");
}

#[test]
fn urn_qualified_keys_move_to_their_schema_in_any_case() {
    let doc = user(json!({
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "a",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.familyName": "Smith",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:Department": "Sales",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m1",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User:costCenter": "CC1"
    }));
    assert_eq!(
        doc,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "a", "name": { "familyName": "Smith" },
            ENTERPRISE_USER_SCHEMA: { "department": "Sales", "manager": { "value": "m1" }, "costCenter": "CC1" }
        })
    );
}

#[test]
fn a_core_schema_object_key_spreads_into_the_top_level() {
    let doc = user(json!({ USER_SCHEMA: { "userName": "a", "active": "True" } }));
    assert_eq!(doc, json!({ "schemas": [USER_SCHEMA], "userName": "a", "active": true }));
}

#[test]
fn dotted_keys_merge_into_their_complex_attribute() {
    let doc = user(
        json!({ "userName": "a", "name": { "familyName": "Smith" }, "name.givenName": "Ann", "NAME.middleName": "B" }),
    );
    assert_eq!(doc["name"], json!({ "familyName": "Smith", "givenName": "Ann", "middleName": "B" }));
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "emails.value": "a@x" }));
    assert!(detail.contains("\"emails.value\""), "{detail}");
    // an unknown parent is just an unknown attribute
    assert_eq!(user(json!({ "userName": "a", "custom.thing": 1 }))["custom.thing"], 1);
}

#[test]
fn manager_bare_id_becomes_an_object_and_empty_means_no_manager() {
    let ent = |manager: Value| json!({ "userName": "a", "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], ENTERPRISE_USER_SCHEMA: { "manager": manager } });
    assert_eq!(user(ent(json!("m1")))[ENTERPRISE_USER_SCHEMA], json!({ "manager": { "value": "m1" } }));
    for empty in
        [json!(""), json!({ "value": "" }), json!({ "value": null }), json!(null), json!({ "$ref": "../Users/m1" })]
    {
        let doc = user(ent(empty.clone()));
        assert_eq!(doc, json!({ "schemas": [USER_SCHEMA], "userName": "a" }), "manager {empty}");
    }
    let doc = user(json!({ "userName": "a", ENTERPRISE_USER_SCHEMA: { "department": "Ops", "manager": "" } }));
    assert_eq!(doc[ENTERPRISE_USER_SCHEMA], json!({ "department": "Ops" }));
}

#[test]
fn schemas_lists_the_enterprise_urn_only_when_its_object_has_attributes() {
    let doc = user(json!({ "schemas": [ENTERPRISE_USER_SCHEMA], "userName": "a" }));
    assert_eq!(doc["schemas"], json!([USER_SCHEMA]));
    let doc = user(json!({ "userName": "a", ENTERPRISE_USER_SCHEMA: { "department": "Ops" } }));
    assert_eq!(doc["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    let doc = user(json!({ "userName": "a", ENTERPRISE_USER_SCHEMA: { "department": null } }));
    assert_eq!(doc, json!({ "schemas": [USER_SCHEMA], "userName": "a" }));
}

#[test]
fn unknown_extensions_are_kept_as_sent_and_listed_when_the_client_listed_them() {
    let custom = "urn:contoso:scim:extension:Badge:1.0:User";
    let doc = user(json!({
        "schemas": [USER_SCHEMA, custom],
        "userName": "a",
        custom: { "badgeNumber": 7, "Floor": "3", "gone": null },
        format!("{custom}:wing"): "East",
        "urn:other:unlisted": { "x": true }
    }));
    assert_eq!(
        doc,
        json!({
            "schemas": [USER_SCHEMA, custom],
            "userName": "a",
            custom: { "badgeNumber": 7, "Floor": "3", "wing": "East" },
            "urn:other:unlisted": { "x": true }
        })
    );
}

#[test]
fn nulls_are_dropped_everywhere_and_empty_complex_values_vanish() {
    let doc = user(json!({
        "userName": "a", "nickName": null, "emails": [null, { "value": null, "type": null }],
        "name": { "givenName": null }, "extra": { "a": null, "b": [null, 1, { "c": null }] }
    }));
    assert_eq!(doc, json!({ "schemas": [USER_SCHEMA], "userName": "a", "emails": [], "extra": { "b": [1, {}] } }));
}

#[test]
fn oversized_strings_and_arrays_are_refused() {
    let long = "x".repeat(MAX_STRING_BYTES + 1);
    assert!(invalid_value(ResourceKind::User, json!({ "userName": long })).contains("\"userName\""));
    assert!(invalid_value(ResourceKind::User, json!({ "userName": "a", "note": long })).contains("\"note\""));
    let emails: Vec<Value> = (0..=MAX_ARRAY_ITEMS).map(|i| json!({ "value": format!("{i}@x") })).collect();
    assert!(invalid_value(ResourceKind::User, json!({ "userName": "a", "emails": emails })).contains("\"emails\""));
    let tags: Vec<Value> = (0..=MAX_ARRAY_ITEMS).map(Value::from).collect();
    assert!(invalid_value(ResourceKind::User, json!({ "userName": "a", "tags": tags })).contains("\"tags\""));
    // exactly at the limits is fine
    user(json!({ "userName": "x".repeat(MAX_STRING_BYTES) }));
}

#[test]
fn a_nul_character_in_any_string_is_refused() {
    assert!(invalid_value(ResourceKind::User, json!({ "userName": "nul\u{0}@contoso.com" })).contains("NUL"));
    let detail = invalid_value(ResourceKind::User, json!({ "userName": "a", "emails": [{ "value": "a\u{0}b" }] }));
    assert!(detail.contains("emails") && detail.contains("NUL"), "{detail}");
    assert!(invalid_value(ResourceKind::Group, json!({ "displayName": "G\u{0}" })).contains("NUL"));
    assert!(invalid_value(ResourceKind::User, json!({ "userName": "a", "x": { "y": ["\u{0}"] } })).contains("NUL"));
}

#[test]
fn schemas_must_hold_strings() {
    let detail = invalid_value(ResourceKind::User, json!({ "schemas": [1], "userName": "a" }));
    assert!(detail.contains("\"schemas\""));
    assert_eq!(user(json!({ "schemas": USER_SCHEMA, "userName": "a" }))["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn member_ids_reads_entra_add_members_value() {
    let members = json!([{ "$ref": null, "value": "u1" }, { "value": "u2", "display": "Bo", "type": "User" }, { "value": "u1" }, null]);
    assert_eq!(member_ids(&members).unwrap(), ["u1", "u2"]);
    assert_eq!(member_ids(&json!({ "value": "u3" })).unwrap(), ["u3"]);
    assert_eq!(member_ids(&Value::Null).unwrap(), Vec::<String>::new());
    assert_eq!(member_ids(&json!([])).unwrap(), Vec::<String>::new());
}

#[test]
fn member_ids_refuses_members_without_a_string_id() {
    for members in
        [json!([{ "value": "" }]), json!([{ "display": "x" }]), json!([{ "value": 5 }]), json!(["u1"]), json!("u1")]
    {
        let err = member_ids(&members).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{members}");
        assert!(err.detail.contains("\"value\""));
    }
}

fn maybe_null(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop_oneof![1 => Just(Value::Null), 4 => value]
}

fn entra_like_user() -> impl Strategy<Value = Value> {
    let boolean = prop_oneof![Just(json!(true)), Just(json!("False")), Just(json!("true")), Just(json!(false))];
    let email = (
        maybe_null("[a-z]{1,8}@x\\.com".prop_map(Value::from)),
        maybe_null(boolean.clone()),
        maybe_null(Just(json!("work"))),
    )
        .prop_map(|(value, primary, kind)| json!({ "value": value, "primary": primary, "type": kind }));
    let manager =
        prop_oneof![Just(json!("m1")), Just(json!("")), Just(json!({ "value": "m2" })), Just(json!({ "value": "" }))];
    let urn = prop_oneof![Just(ENTERPRISE_USER_SCHEMA), Just(MISTYPED)];
    (
        "[a-zA-Z0-9@.]{1,12}",
        maybe_null(boolean),
        prop::collection::vec(maybe_null(email), 0..3),
        maybe_null("[a-z]{0,5}".prop_map(Value::from)),
        maybe_null(manager),
        urn,
        maybe_null((0u32..99999).prop_map(Value::from)),
    )
        .prop_map(|(user_name, active, emails, given, manager, urn, number)| {
            json!({
                "schemas": [USER_SCHEMA, urn], "userName": user_name, "active": active, "emails": emails,
                "name.givenName": given, "meta": { "resourceType": "User" },
                urn: { "manager": manager, "employeeNumber": number }
            })
        })
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

proptest! {
    #[test]
    fn normalizing_twice_changes_nothing_and_leaves_no_nulls(body in entra_like_user()) {
        let once = user(body);
        prop_assert!(!has_null(&once));
        prop_assert_eq!(keys(&once)[0], "schemas");
        prop_assert_eq!(&once["schemas"][0], USER_SCHEMA);
        let twice = user(once.clone());
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(keys(&twice), keys(&once));
    }
}
