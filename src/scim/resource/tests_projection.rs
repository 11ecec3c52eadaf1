//! `parse_attribute_list`, `project` and `wants_members`.

use serde_json::json;

use super::super::{ScimType, ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
use super::*;

fn path(uri: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath { uri: uri.map(str::to_string), name: name.to_string(), sub: sub.map(str::to_string) }
}

fn user_list(input: &str) -> Vec<AttrPath> {
    parse_attribute_list(ResourceKind::User, input).expect(input)
}

fn stored_user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "id": "u1",
        "externalId": "e1",
        "userName": "ann@contoso.com",
        "name": { "givenName": "Ann", "familyName": "Smith" },
        "emails": [{ "value": "ann@contoso.com", "type": "work", "primary": true }, { "value": "ann@home.example", "type": "home" }],
        "password": "never-stored-but-never-shown",
        ENTERPRISE_USER_SCHEMA: { "department": "Sales", "manager": { "value": "m1" } },
        "meta": { "resourceType": "User", "location": "http://x/Users/u1", "version": "W/\"3\"" }
    })
}

fn project_user(attributes: &str, excluded: &str) -> Value {
    project(stored_user(), ResourceKind::User, &user_list(attributes), &user_list(excluded))
}

#[test]
fn attribute_list_strips_the_core_urn_trims_and_respells() {
    let got = user_list(" userName, NAME.GIVENNAME ,,urn:ietf:params:scim:schemas:core:2.0:User:emails ,");
    assert_eq!(got, [path(None, "userName", None), path(None, "name", Some("givenName")), path(None, "emails", None)]);
    assert_eq!(user_list(""), []);
}

#[test]
fn attribute_list_reads_extension_attributes_and_whole_extensions() {
    let got = user_list(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager,\
         urn:ietf:params:scim:schemas:extension:enterprise:2.0User:manager.value,\
         urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,\
         urn:contoso:ext:1.0:User:badge",
    );
    assert_eq!(
        got,
        [
            path(Some(ENTERPRISE_USER_SCHEMA), "manager", None),
            path(Some(ENTERPRISE_USER_SCHEMA), "manager", Some("value")),
            path(None, ENTERPRISE_USER_SCHEMA, None),
            path(Some("urn:contoso:ext:1.0:User"), "badge", None),
        ]
    );
    let groups = parse_attribute_list(
        ResourceKind::Group,
        "members,members.value,urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
    )
    .unwrap();
    assert_eq!(
        groups,
        [path(None, "members", None), path(None, "members", Some("value")), path(None, "displayName", None)]
    );
}

#[test]
fn attribute_list_refuses_what_is_not_an_attribute_path() {
    for bad in ["user name", "name..givenName", "1abc", "name.given.x", "a:b", USER_SCHEMA, "emails[type eq \"work\"]"]
    {
        let err = parse_attribute_list(ResourceKind::User, bad).unwrap_err();
        assert_eq!((err.status, err.scim_type), (400, Some(ScimType::InvalidValue)), "{bad}");
        assert!(err.detail.contains("is not an attribute path"), "{}", err.detail);
    }
    assert_eq!(user_list("members.$ref"), [path(None, "members", Some("$ref"))]);
}

#[test]
fn without_parameters_everything_but_password_goes_out() {
    let mut expected = stored_user();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(project_user("", ""), expected);
}

#[test]
fn attributes_keep_only_what_is_named_plus_id_and_schemas() {
    let got = project_user("USERNAME", "");
    assert_eq!(
        got,
        json!({ "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1", "userName": "ann@contoso.com" })
    );
    // meta is `returned: default`, so it comes back only when asked for
    assert_eq!(project_user("meta", "")["meta"]["version"], "W/\"3\"");
    assert!(project_user("password", "").get("password").is_none());
}

#[test]
fn a_sub_attribute_path_keeps_its_parent_with_only_that_sub() {
    let got = project_user("name.givenName,emails.value", "");
    assert_eq!(got["name"], json!({ "givenName": "Ann" }));
    assert_eq!(got["emails"], json!([{ "value": "ann@contoso.com" }, { "value": "ann@home.example" }]));
    // a whole attribute wins over one of its subs
    assert_eq!(project_user("name.givenName,name", "")["name"], json!({ "givenName": "Ann", "familyName": "Smith" }));
    // nothing left of an attribute means the attribute is left out
    assert!(project_user("name.middleName", "").get("name").is_none());
}

#[test]
fn extension_paths_keep_the_extension_object_with_those_attributes() {
    let got = project_user("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "");
    assert_eq!(got[ENTERPRISE_USER_SCHEMA], json!({ "manager": { "value": "m1" } }));
    let got = project_user(ENTERPRISE_USER_SCHEMA, "");
    assert_eq!(got[ENTERPRISE_USER_SCHEMA], json!({ "department": "Sales", "manager": { "value": "m1" } }));
    assert!(project_user("userName", "").get(ENTERPRISE_USER_SCHEMA).is_none());
    let got = project_user("", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
    assert_eq!(got[ENTERPRISE_USER_SCHEMA], json!({ "manager": { "value": "m1" } }));
    assert!(project_user("", ENTERPRISE_USER_SCHEMA).get(ENTERPRISE_USER_SCHEMA).is_none());
}

#[test]
fn unknown_extensions_are_returned_and_selectable_by_their_urn() {
    let custom = "urn:contoso:ext:1.0:User";
    let doc =
        json!({ "schemas": [USER_SCHEMA, custom], "id": "u1", "userName": "a", custom: { "badge": 7, "floor": 3 } });
    let all = project(doc.clone(), ResourceKind::User, &[], &[]);
    assert_eq!(all, doc);
    let got = project(doc.clone(), ResourceKind::User, &user_list(&format!("{custom}:badge")), &[]);
    assert_eq!(got[custom], json!({ "badge": 7 }));
    let got = project(doc, ResourceKind::User, &user_list(custom), &[]);
    assert_eq!(got[custom], json!({ "badge": 7, "floor": 3 }));
}

#[test]
fn excluded_attributes_remove_attributes_and_subs_but_never_id_or_schemas() {
    let got = project_user("", "id,schemas,emails,name.familyName,meta");
    assert_eq!(got["id"], "u1");
    assert!(got.get("schemas").is_some());
    assert!(got.get("emails").is_none() && got.get("meta").is_none());
    assert_eq!(got["name"], json!({ "givenName": "Ann" }));
    let got = project_user("", "emails.type,emails.primary");
    assert_eq!(got["emails"], json!([{ "value": "ann@contoso.com" }, { "value": "ann@home.example" }]));
}

#[test]
fn group_members_are_left_out_when_excluded() {
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Sales",
        "members": [{ "value": "u1", "display": "Ann" }], "meta": { "resourceType": "Group" }
    });
    let excluded = parse_attribute_list(ResourceKind::Group, "members").unwrap();
    let got = project(group.clone(), ResourceKind::Group, &[], &excluded);
    assert!(got.get("members").is_none());
    assert_eq!(got["displayName"], "Sales");
    let attributes = parse_attribute_list(ResourceKind::Group, "members.value").unwrap();
    let got = project(group, ResourceKind::Group, &attributes, &[]);
    assert_eq!(
        got,
        json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "members": [{ "value": "u1" }] })
    );
}

#[test]
fn wants_members_is_false_only_when_members_are_left_out() {
    let list = |s: &str| parse_attribute_list(ResourceKind::Group, s).unwrap();
    assert!(wants_members(&[], &[]));
    assert!(!wants_members(&[], &list("Members")));
    assert!(wants_members(&[], &list("members.display")));
    assert!(!wants_members(&list("displayName"), &[]));
    assert!(wants_members(&list("displayName,members"), &[]));
    assert!(wants_members(&list("members.value"), &[]));
    assert!(wants_members(&[path(Some("urn:ietf:params:scim:schemas:core:2.0:Group"), "members", None)], &[]));
    assert!(!wants_members(&list("members"), &list("members")));
}

#[test]
fn a_non_object_resource_is_returned_untouched() {
    assert_eq!(project(json!([1]), ResourceKind::User, &user_list("userName"), &[]), json!([1]));
}

#[test]
fn only_an_empty_selection_or_a_group_without_members_selects_all_stored() {
    let users = |s: &str| parse_attribute_list(ResourceKind::User, s).unwrap();
    let groups = |s: &str| parse_attribute_list(ResourceKind::Group, s).unwrap();
    assert!(selects_all_stored(ResourceKind::User, &[], &[]));
    assert!(selects_all_stored(ResourceKind::Group, &[], &[]));
    assert!(selects_all_stored(ResourceKind::Group, &[], &groups("members")));
    assert!(!selects_all_stored(ResourceKind::Group, &[], &groups("members.display")));
    assert!(!selects_all_stored(ResourceKind::Group, &groups("displayName"), &[]));
    assert!(!selects_all_stored(ResourceKind::User, &users("userName"), &[]));
    assert!(!selects_all_stored(ResourceKind::User, &[], &users("emails")));
}
