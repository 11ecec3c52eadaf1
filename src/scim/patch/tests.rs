//! Parsing PatchOp bodies and planning group membership changes.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::super::error::ScimType;
use super::super::filter::parse_filter;
use super::*;

fn body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})
}

fn parse_ops(ops: Value) -> Vec<PatchOperation> {
    parse_patch_request(&body(ops)).unwrap_or_else(|e| panic!("{}", e.detail))
}

fn error_of(body: Value) -> ScimError {
    parse_patch_request(&body).expect_err("should be refused")
}

fn group_plan(ops: Value) -> Result<Vec<PatchStep>, ScimError> {
    plan(ResourceKind::Group, parse_ops(ops))
}

fn members(change: MemberChange) -> PatchStep {
    PatchStep::Members(change)
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn op_names_are_case_insensitive() {
    let ops = parse_ops(json!([
        {"op": "Add", "path": "title", "value": "x"},
        {"op": "REPLACE", "path": "title", "value": "y"},
        {"op": "Remove", "path": "title"}
    ]));
    let kinds: Vec<PatchOpKind> = ops.iter().map(|o| o.op).collect();
    assert_eq!(kinds, [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]);
    assert_eq!(ops[0].path.as_ref().unwrap().attr.name, "title");
    assert_eq!(ops[2].value, None);
}

#[test]
fn lower_case_operations_key_is_accepted() {
    let got =
        parse_patch_request(&json!({"schemas": [PATCH_OP_SCHEMA], "operations": [{"op": "remove", "path": "title"}]}));
    assert_eq!(got.unwrap().len(), 1);
}

#[test]
fn missing_or_wrong_schemas_are_refused_with_the_urn_to_send() {
    let e = error_of(json!({"Operations": [{"op": "remove", "path": "title"}]}));
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains(PATCH_OP_SCHEMA), "{}", e.detail);
    let e = error_of(
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": [{"op": "remove", "path": "title"}]}),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(e.detail.contains(PATCH_OP_SCHEMA), "{}", e.detail);
    assert_eq!(error_of(json!([1, 2])).scim_type, Some(ScimType::InvalidSyntax));
}

#[test]
fn operations_must_be_a_non_empty_array_of_at_most_a_thousand() {
    assert_eq!(error_of(json!({"schemas": [PATCH_OP_SCHEMA]})).scim_type, Some(ScimType::InvalidSyntax));
    assert_eq!(
        error_of(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": {}})).scim_type,
        Some(ScimType::InvalidSyntax)
    );
    assert_eq!(error_of(body(json!([]))).scim_type, Some(ScimType::InvalidValue));
    let many: Vec<Value> = (0..=MAX_OPERATIONS).map(|_| json!({"op": "remove", "path": "title"})).collect();
    let e = error_of(body(Value::Array(many)));
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(e.detail.contains("1000"), "{}", e.detail);
    let exactly: Vec<Value> = (0..MAX_OPERATIONS).map(|_| json!({"op": "remove", "path": "title"})).collect();
    assert_eq!(parse_patch_request(&body(Value::Array(exactly))).unwrap().len(), MAX_OPERATIONS);
}

#[test]
fn unknown_op_is_invalid_syntax_naming_the_op() {
    let e = error_of(body(json!([{"op": "merge", "path": "title", "value": "x"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains("merge") && e.detail.contains("Operation 1"), "{}", e.detail);
    assert_eq!(error_of(body(json!([{"path": "title"}]))).scim_type, Some(ScimType::InvalidSyntax));
    assert_eq!(error_of(body(json!(["remove"]))).scim_type, Some(ScimType::InvalidSyntax));
}

#[test]
fn add_and_replace_need_a_value_but_null_is_a_value() {
    let e = error_of(body(json!([{"op": "add", "path": "title"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(error_of(body(json!([{"op": "Replace", "path": "title"}]))).scim_type, Some(ScimType::InvalidValue));
    let ops = parse_ops(json!([{"op": "replace", "path": "title", "value": null}]));
    assert_eq!(ops[0].value, Some(Value::Null));
}

#[test]
fn remove_without_path_is_no_target() {
    let e = error_of(body(json!([{"op": "remove", "value": {"title": "x"}}])));
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn bad_path_is_invalid_path_naming_the_operation() {
    let e = error_of(body(json!([{"op": "remove", "path": "title"}, {"op": "remove", "path": "emails[type eq"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    assert!(e.detail.starts_with("Operation 2:"), "{}", e.detail);
    assert_eq!(error_of(body(json!([{"op": "remove", "path": 5}]))).scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn empty_path_means_the_resource_itself() {
    let ops = parse_ops(json!([{"op": "replace", "path": "", "value": {"displayName": "x"}}]));
    assert_eq!(ops[0].path, None);
}

#[test]
fn user_operations_are_all_document_steps() {
    let ops = parse_ops(json!([{"op": "add", "path": "members", "value": [{"value": "x"}]}]));
    let steps = plan(ResourceKind::User, ops.clone()).unwrap();
    assert_eq!(steps, vec![PatchStep::Document(ops[0].clone())]);
}

#[test]
fn add_members_collects_ids_and_ignores_ref_and_display() {
    let steps = group_plan(json!([{"op": "Add", "path": "members", "value": [
        {"$ref": null, "value": "u1"}, {"value": "u2", "display": "Bob"}, {"value": "u1"}
    ]}]))
    .unwrap();
    assert_eq!(steps, vec![members(MemberChange::Add(ids(&["u1", "u2"])))]);
    let single = group_plan(json!([{"op": "add", "path": "members", "value": {"value": "u3"}}])).unwrap();
    assert_eq!(single, vec![members(MemberChange::Add(ids(&["u3"])))]);
}

#[test]
fn member_without_value_is_invalid_value() {
    for bad in [json!([{"display": "x"}]), json!([{"value": ""}]), json!([{"value": 7}]), json!([null])] {
        let e = group_plan(json!([{"op": "add", "path": "members", "value": bad}])).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{bad}");
    }
}

#[test]
fn remove_member_by_value_array_keeps_others() {
    let steps =
        group_plan(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::Remove(ids(&["u1", "u2"])))]);
}

#[test]
fn remove_members_without_value_removes_all() {
    let steps = group_plan(json!([{"op": "remove", "path": "members"}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::RemoveAll)]);
}

#[test]
fn remove_members_with_an_empty_value_array_removes_nobody() {
    assert_eq!(group_plan(json!([{"op": "remove", "path": "members", "value": []}])).unwrap(), vec![]);
}

#[test]
fn remove_member_by_filter_removes_that_id() {
    let steps = group_plan(json!([{"op": "remove", "path": "members[value eq \"u9\"]"}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::Remove(ids(&["u9"])))]);
    let steps = group_plan(json!([{"op": "remove", "path": "members[value eq \"a\" or value eq \"b\"]"}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::Remove(ids(&["a", "b"])))]);
}

#[test]
fn remove_members_by_other_filters_becomes_remove_where() {
    let steps = group_plan(json!([{"op": "remove", "path": "members[type eq \"Group\"]"}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::RemoveWhere(parse_filter("type eq \"Group\"").unwrap()))]);
}

#[test]
fn replace_members_replaces_all_and_null_clears() {
    let steps = group_plan(json!([{"op": "replace", "path": "members", "value": [{"value": "u1"}]}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::ReplaceAll(ids(&["u1"])))]);
    let steps = group_plan(json!([{"op": "replace", "path": "members", "value": []}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::ReplaceAll(vec![]))]);
    let steps = group_plan(json!([{"op": "replace", "path": "members", "value": null}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::RemoveAll)]);
}

#[test]
fn filtered_add_or_replace_on_members_is_invalid_path() {
    for op in ["add", "replace"] {
        let e =
            group_plan(json!([{"op": op, "path": "members[value eq \"u1\"]", "value": {"value": "u2"}}])).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{op}");
    }
}

#[test]
fn member_sub_attribute_paths_are_invalid_path() {
    for path in ["members[value eq \"u1\"].display", "members.value"] {
        let e = group_plan(json!([{"op": "remove", "path": path}])).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{path}");
        assert!(e.detail.contains("cannot be changed"), "{}", e.detail);
    }
}

#[test]
fn pathless_value_with_members_is_split_from_the_document_part() {
    let steps =
        group_plan(json!([{"op": "add", "value": {"displayName": "Sales", "Members": [{"value": "u1"}]}}])).unwrap();
    let doc_op = PatchOperation { op: PatchOpKind::Add, path: None, value: Some(json!({"displayName": "Sales"})) };
    assert_eq!(steps, vec![PatchStep::Document(doc_op), members(MemberChange::Add(ids(&["u1"])))]);
    let steps = group_plan(json!([{"op": "replace", "value": {"members": [{"value": "u2"}]}}])).unwrap();
    assert_eq!(steps, vec![members(MemberChange::ReplaceAll(ids(&["u2"])))]);
}

#[test]
fn rename_and_member_ops_keep_request_order() {
    let steps = group_plan(json!([
        {"op": "Replace", "path": "displayName", "value": "New"},
        {"op": "Add", "path": "members", "value": [{"value": "u1"}]},
        {"op": "Remove", "path": "members", "value": [{"value": "u2"}]},
        {"op": "Replace", "value": {"externalId": "e1"}}
    ]))
    .unwrap();
    assert_eq!(steps.len(), 4);
    assert!(matches!(&steps[0], PatchStep::Document(op) if op.op == PatchOpKind::Replace));
    assert_eq!(steps[1], members(MemberChange::Add(ids(&["u1"]))));
    assert_eq!(steps[2], members(MemberChange::Remove(ids(&["u2"]))));
    assert!(matches!(&steps[3], PatchStep::Document(op) if op.path.is_none()));
}

proptest! {
    #[test]
    fn planning_the_same_member_add_twice_gives_the_same_unique_ids(
        list in proptest::collection::vec("[a-f0-9]{1,4}", 1..20)
    ) {
        let value: Vec<Value> = list.iter().map(|id| json!({"value": id, "$ref": null})).collect();
        let op = json!({"op": "Add", "path": "members", "value": value});
        let steps = group_plan(json!([op.clone(), op])).unwrap();
        prop_assert_eq!(steps.len(), 2);
        prop_assert_eq!(&steps[0], &steps[1]);
        let PatchStep::Members(MemberChange::Add(got)) = &steps[0] else { panic!("not an add: {:?}", steps[0]) };
        let mut seen = std::collections::HashSet::new();
        let expected: Vec<String> = list.into_iter().filter(|id| seen.insert(id.clone())).collect();
        prop_assert_eq!(got, &expected);
    }
}
