use proptest::prelude::*;
use serde_json::{json, Value};

use super::super::error::ScimType;
use super::super::{ResourceKind, ENTERPRISE_USER_SCHEMA};
use super::*;

fn p(uri: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath { uri: uri.map(str::to_string), name: name.to_string(), sub: sub.map(str::to_string) }
}

fn name(n: &str) -> AttrPath {
    p(None, n, None)
}

fn cmp(path: AttrPath, op: CompareOp, value: Value) -> Filter {
    Filter::Compare { path, op, value }
}

fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

fn parse(s: &str) -> Filter {
    parse_filter(s).unwrap_or_else(|e| panic!("{s}: {}", e.detail))
}

fn filter_error(s: &str) -> String {
    let e = parse_filter(s).expect_err(s);
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{s}");
    assert_eq!(e.status, 400);
    e.detail
}

fn user_matches(filter: &str, doc: &Value) -> bool {
    parse(filter).matches(doc, ResourceKind::User)
}

fn alice() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_SCHEMA],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "Alice-Ext",
        "userName": "Alice@Contoso.com",
        "displayName": "Alice Smith",
        "active": true,
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "emails": [
            {"type": "work", "value": "alice@contoso.com", "primary": true},
            {"type": "home", "value": "alice@example.org"}
        ],
        "roles": [],
        "title": "",
        "meta": {"resourceType": "User", "created": "2024-01-02T03:04:05Z", "lastModified": "2024-06-01T00:00:00Z"},
        "loginCount": 42,
        ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984", "manager": {"value": "boss-id"}}
    })
}

#[test]
fn parses_every_comparison_operator_in_any_letter_case() {
    for (word, op) in [
        ("eq", CompareOp::Eq),
        ("NE", CompareOp::Ne),
        ("Co", CompareOp::Co),
        ("sw", CompareOp::Sw),
        ("eW", CompareOp::Ew),
        ("gt", CompareOp::Gt),
        ("GE", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ] {
        assert_eq!(parse(&format!("title {word} \"x\"")), cmp(name("title"), op, json!("x")));
    }
    assert_eq!(parse("title PR"), Filter::Present(name("title")));
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    let got = parse("a pr or b pr and not (c pr)");
    let want = or(
        Filter::Present(name("a")),
        and(Filter::Present(name("b")), Filter::Not(Box::new(Filter::Present(name("c"))))),
    );
    assert_eq!(got, want);
    let grouped = parse("(a pr or b pr) and c pr");
    assert_eq!(grouped, and(or(Filter::Present(name("a")), Filter::Present(name("b"))), Filter::Present(name("c"))));
    assert_eq!(
        parse("a pr AND b pr Or c pr"),
        or(and(Filter::Present(name("a")), Filter::Present(name("b"))), Filter::Present(name("c")))
    );
}

#[test]
fn parses_json_literals_with_escapes() {
    assert_eq!(
        parse(r#"displayName eq "say \"hi\" \\ \u00e9""#),
        cmp(name("displayName"), CompareOp::Eq, json!("say \"hi\" \\ é"))
    );
    assert_eq!(parse("loginCount ge -1.5e3"), cmp(name("loginCount"), CompareOp::Ge, json!(-1500.0)));
    assert_eq!(parse("loginCount gt 10"), cmp(name("loginCount"), CompareOp::Gt, json!(10)));
    assert_eq!(parse("active eq TRUE"), cmp(name("active"), CompareOp::Eq, json!(true)));
    assert_eq!(parse("active eq false"), cmp(name("active"), CompareOp::Eq, json!(false)));
    assert_eq!(parse("title eq null"), cmp(name("title"), CompareOp::Eq, Value::Null));
}

#[test]
fn parses_sub_attributes_and_urn_qualified_names() {
    assert_eq!(
        parse("name.familyName co \"O'Malley\""),
        cmp(p(None, "name", Some("familyName")), CompareOp::Co, json!("O'Malley"))
    );
    let ent = Some(ENTERPRISE_USER_SCHEMA);
    assert_eq!(
        parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\""),
        cmp(p(ent, "employeeNumber", None), CompareOp::Eq, json!("701984"))
    );
    assert_eq!(
        parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"x\""),
        cmp(p(ent, "manager", Some("value")), CompareOp::Eq, json!("x"))
    );
    assert_eq!(
        parse("urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bjensen\""),
        cmp(name("userName"), CompareOp::Eq, json!("bjensen"))
    );
    assert_eq!(
        parse("URN:IETF:params:scim:schemas:core:2.0:Group:displayName pr"),
        Filter::Present(name("displayName"))
    );
    assert_eq!(
        parse("urn:example:custom:1.0:badge pr"),
        Filter::Present(p(Some("urn:example:custom:1.0"), "badge", None))
    );
}

#[test]
fn parses_value_paths() {
    let got = parse(r#"emails[type eq "work" and primary eq true]"#);
    let want = Filter::ValuePath {
        path: name("emails"),
        filter: Box::new(and(
            cmp(name("type"), CompareOp::Eq, json!("work")),
            cmp(name("primary"), CompareOp::Eq, json!(true)),
        )),
    };
    assert_eq!(got, want);
    assert_eq!(
        parse(r#"members[value eq "2819c223"]"#),
        Filter::ValuePath {
            path: name("members"),
            filter: Box::new(cmp(name("value"), CompareOp::Eq, json!("2819c223")))
        }
    );
}

#[test]
fn entra_value_path_with_trailing_sub_attribute_desugars_to_and() {
    let got = parse(r#"emails[type eq "work"].value eq "a@b.c""#);
    let want = Filter::ValuePath {
        path: name("emails"),
        filter: Box::new(and(
            cmp(name("type"), CompareOp::Eq, json!("work")),
            cmp(name("value"), CompareOp::Eq, json!("a@b.c")),
        )),
    };
    assert_eq!(got, want);
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "a@b.c" and active eq true"#),
        and(want, cmp(name("active"), CompareOp::Eq, json!(true)))
    );
}

#[test]
fn errors_say_what_was_expected_and_where() {
    let d = filter_error("userName \"bjensen\"");
    assert!(d.contains("expected an operator") && d.contains("after \"userName\"") && d.contains("position 9"), "{d}");
    let d = filter_error("userName");
    assert!(d.contains("expected an operator") && d.contains("end of the filter"), "{d}");
    let d = filter_error("userName eq");
    assert!(d.contains("expected a value") && d.contains("end of the filter"), "{d}");
    let d = filter_error("userName eq bjensen");
    assert!(d.contains("expected a value") && d.contains("\"bjensen\""), "{d}");
    let d = filter_error("(userName pr");
    assert!(d.contains("\")\"") && d.contains("position 0"), "{d}");
    let d = filter_error("userName pr)");
    assert!(d.contains("found \")\""), "{d}");
    let d = filter_error("userName eq \"x");
    assert!(d.contains("closing"), "{d}");
    let d = filter_error("not userName pr");
    assert!(d.contains("\"(\" after \"not\""), "{d}");
    let d = filter_error("emails[type eq \"work\"");
    assert!(d.contains("\"]\""), "{d}");
    let d = filter_error("userName like \"x\"");
    assert!(d.contains("found \"like\""), "{d}");
    filter_error("");
    filter_error("9lives pr");
    filter_error("a.b.c pr");
    filter_error("emails[value[x pr]]");
    filter_error("name.givenName[x pr]");
    filter_error("userName eq \"bad \\q escape\"");
    filter_error("userName eq [1]");
}

#[test]
fn overlong_filters_are_refused() {
    let long = format!("userName eq \"{}\"", "x".repeat(MAX_FILTER_LEN));
    let d = filter_error(&long);
    assert!(d.contains("4096"), "{d}");
}

#[test]
fn ten_thousand_open_parentheses_do_not_overflow_the_stack() {
    filter_error(&"(".repeat(10_000));
    let deep = format!("{}a pr{}", "(".repeat(10_000), ")".repeat(10_000));
    filter_error(&deep);
    // Within the length limit, the depth limit answers.
    let deep = format!("{}a pr{}", "(".repeat(2_000), ")".repeat(2_000));
    assert!(filter_error(&deep).contains("64"));
    let nots = format!("{}a pr{}", "not (".repeat(600), ")".repeat(600));
    assert!(filter_error(&nots).contains("nest"));
    let ok = format!("{}a pr{}", "(".repeat(MAX_FILTER_DEPTH), ")".repeat(MAX_FILTER_DEPTH));
    assert_eq!(parse(&ok), Filter::Present(name("a")));
}

#[test]
fn display_prints_a_canonical_filter() {
    assert_eq!(parse("userName Eq \"x\"").to_string(), "userName eq \"x\"");
    assert_eq!(parse("(a pr or b pr) and c pr").to_string(), "(a pr or b pr) and c pr");
    assert_eq!(parse("a pr or (b pr or c pr)").to_string(), "a pr or (b pr or c pr)");
    assert_eq!(parse("a pr and not (b pr)").to_string(), "a pr and not (b pr)");
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "a""#).to_string(),
        r#"emails[type eq "work" and value eq "a"]"#
    );
}

#[test]
fn parses_patch_paths() {
    let pp = |s: &str| parse_patch_path(s).unwrap_or_else(|e| panic!("{s}: {}", e.detail));
    assert_eq!(pp("userName"), PatchPath { attr: name("userName"), filter: None, sub: None });
    assert_eq!(pp("name.familyName"), PatchPath { attr: p(None, "name", Some("familyName")), filter: None, sub: None });
    let got = pp(r#"emails[type eq "work"].value"#);
    assert_eq!(got.attr, name("emails"));
    assert_eq!(got.filter, Some(cmp(name("type"), CompareOp::Eq, json!("work"))));
    assert_eq!(got.sub.as_deref(), Some("value"));
    assert_eq!(pp(r#"addresses[type eq "work"].locality"#).sub.as_deref(), Some("locality"));
    let got = pp(r#"members[value eq "2819c223"]"#);
    assert_eq!(got.filter, Some(cmp(name("value"), CompareOp::Eq, json!("2819c223"))));
    assert_eq!(got.sub, None);
    let ent = Some(ENTERPRISE_USER_SCHEMA);
    assert_eq!(pp("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager").attr, p(ent, "manager", None));
    assert_eq!(
        pp("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value").attr,
        p(ent, "manager", Some("value"))
    );
    assert_eq!(
        pp("urn:ietf:params:scim:schemas:extension:enterprise:2.0User:department").attr,
        p(ent, "department", None)
    );
    assert_eq!(pp(ENTERPRISE_USER_SCHEMA).attr, name(ENTERPRISE_USER_SCHEMA));
    for s in [
        "userName",
        r#"emails[type eq "work"].value"#,
        "name.familyName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    ] {
        assert_eq!(pp(s).to_string(), s);
    }
}

#[test]
fn bad_patch_paths_are_invalid_path_errors() {
    for s in [
        "",
        "emails[",
        "emails[type eq \"work\"",
        "userName eq \"x\"",
        "emails[type eq \"work\"].value eq \"x\"",
        "a.b.c",
        "emails[type]",
        "name.givenName[x pr]",
    ] {
        let e = parse_patch_path(s).expect_err(s);
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{s}");
    }
    let e = parse_patch_path(&format!("{}x pr{}", "members[".repeat(100), "]".repeat(100))).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    assert_eq!(parse_patch_path(&"a".repeat(5000)).unwrap_err().scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn user_name_matches_in_any_letter_case_but_external_id_is_case_exact() {
    let doc = alice();
    assert!(user_matches("userName eq \"alice@contoso.COM\"", &doc));
    assert!(user_matches("USERNAME eq \"Alice@Contoso.com\"", &doc));
    assert!(user_matches("externalId eq \"Alice-Ext\"", &doc));
    assert!(!user_matches("externalId eq \"alice-ext\"", &doc));
    assert!(user_matches("userName sw \"ALICE\" and userName ew \".com\" and userName co \"@\"", &doc));
    assert!(!user_matches("userName eq \"bob@contoso.com\"", &doc));
}

#[test]
fn multi_valued_complex_attributes_compare_their_value() {
    let doc = alice();
    assert!(user_matches("emails eq \"alice@example.org\"", &doc));
    assert!(user_matches("emails co \"example\"", &doc));
    assert!(user_matches("emails.value eq \"ALICE@contoso.com\"", &doc));
    assert!(user_matches("emails.type eq \"home\"", &doc));
    assert!(!user_matches("emails.value eq \"nobody@contoso.com\"", &doc));
    assert!(user_matches(r#"emails[type eq "work"].value eq "alice@contoso.com""#, &doc));
    assert!(!user_matches(r#"emails[type eq "home"].value eq "alice@contoso.com""#, &doc));
    assert!(user_matches(r#"emails[type eq "work" and primary eq true]"#, &doc));
    assert!(!user_matches(r#"emails[type eq "home" and primary eq true]"#, &doc));
}

#[test]
fn presence_is_false_for_null_empty_strings_arrays_and_objects() {
    let mut doc = alice();
    doc["nickName"] = Value::Null;
    doc["ims"] = json!({});
    for absent in ["title", "roles", "nickName", "ims", "locale"] {
        assert!(!user_matches(&format!("{absent} pr"), &doc), "{absent}");
        assert!(user_matches(&format!("{absent} eq null"), &doc), "{absent}");
    }
    for present in ["userName", "emails", "name", "active", "name.givenName", "emails.value"] {
        assert!(user_matches(&format!("{present} pr"), &doc), "{present}");
        assert!(user_matches(&format!("{present} ne null"), &doc), "{present}");
    }
}

#[test]
fn ordering_compares_numbers_numerically_and_strings_lexicographically() {
    let doc = alice();
    assert!(user_matches("loginCount gt 9", &doc));
    assert!(user_matches("loginCount ge 42 and loginCount le 42.0", &doc));
    assert!(!user_matches("loginCount lt 42", &doc));
    assert!(user_matches("meta.lastModified gt \"2024-01-01T00:00:00Z\"", &doc));
    assert!(!user_matches("meta.created gt \"2024-01-02T03:04:05Z\"", &doc));
    assert!(user_matches("displayName gt \"alice\"", &doc));
    assert!(!user_matches("active gt false", &doc));
    assert!(!user_matches("loginCount co 4", &doc));
}

#[test]
fn booleans_match_string_booleans_in_any_letter_case() {
    let doc = alice();
    assert!(user_matches("active eq true", &doc));
    assert!(user_matches("active eq \"True\"", &doc));
    assert!(!user_matches("active eq \"False\"", &doc));
    let stored_as_string = json!({"userName": "x", "active": "False"});
    assert!(user_matches("active eq false", &stored_as_string));
}

#[test]
fn ne_and_not_are_negations_of_eq() {
    let doc = alice();
    assert!(user_matches("title ne \"CEO\"", &doc));
    assert!(user_matches("nickName ne \"x\"", &doc));
    assert!(!user_matches("emails ne \"alice@example.org\"", &doc));
    assert!(user_matches("not (userName eq \"bob\")", &doc));
    assert!(!user_matches("not (userName pr)", &doc));
    assert!(!user_matches("NOT(userName pr)", &doc));
}

#[test]
fn enterprise_attributes_match_with_or_without_their_urn() {
    let doc = alice();
    assert!(user_matches(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
        &doc
    ));
    assert!(user_matches(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"boss-id\"",
        &doc
    ));
    assert!(user_matches("id eq \"2819c223-7f76-453a-919d-413861904646\" and manager eq \"boss-id\"", &doc));
    assert!(!user_matches("manager eq \"someone-else\"", &doc));
    assert!(user_matches("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq \"smith\"", &doc));
}

#[test]
fn groups_match_by_member_value_and_display_name() {
    let group = json!({
        "id": "g1", "displayName": "Sales",
        "members": [{"value": "u1", "display": "Alice", "type": "User"}, {"value": "u2", "type": "User"}]
    });
    let m = |f: &str| parse(f).matches(&group, ResourceKind::Group);
    assert!(m(r#"members[value eq "u2"]"#));
    assert!(!m(r#"members[value eq "u3"]"#));
    assert!(m(r#"members eq "u1""#));
    assert!(m("displayName eq \"SALES\""));
    let member_filter = parse(r#"value eq "u1" or display co "ali""#);
    let members = name("members");
    assert!(member_filter.matches_element(&group["members"][0], ResourceKind::Group, &members));
    assert!(!member_filter.matches_element(&group["members"][1], ResourceKind::Group, &members));
}

#[test]
fn id_is_case_exact() {
    assert!(!user_matches("id eq \"2819C223-7F76-453A-919D-413861904646\"", &alice()));
}

fn attr_name() -> impl Strategy<Value = String> {
    "[a-zA-Z$][a-zA-Z0-9_-]{0,7}"
        .prop_filter("keyword", |s| !["not", "and", "or"].contains(&s.to_ascii_lowercase().as_str()))
}

fn attr_path(with_uri: bool) -> impl Strategy<Value = AttrPath> {
    let uri = if with_uri {
        prop_oneof![
            Just(None),
            Just(Some(ENTERPRISE_USER_SCHEMA.to_string())),
            Just(Some("urn:example:ext:1.0".to_string()))
        ]
        .boxed()
    } else {
        Just(None).boxed()
    };
    (uri, attr_name(), proptest::option::of(attr_name())).prop_map(|(uri, name, sub)| AttrPath { uri, name, sub })
}

fn literal() -> impl Strategy<Value = Value> {
    prop_oneof![
        proptest::collection::vec(any::<char>(), 0..10).prop_map(|c| Value::String(c.into_iter().collect())),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e30f64..1e30).prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    use CompareOp::*;
    proptest::sample::select(vec![Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le])
}

fn logic(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| and(a, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| or(a, b)),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    })
    .boxed()
}

fn attr_exp(with_uri: bool) -> BoxedStrategy<Filter> {
    prop_oneof![
        (attr_path(with_uri), op(), literal()).prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        attr_path(with_uri).prop_map(Filter::Present),
    ]
    .boxed()
}

fn any_filter() -> BoxedStrategy<Filter> {
    let value_path = (attr_path(true), logic(attr_exp(false)))
        .prop_map(|(path, f)| Filter::ValuePath { path: AttrPath { sub: None, ..path }, filter: Box::new(f) });
    logic(prop_oneof![3 => attr_exp(true), 1 => value_path].boxed())
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_back_the_same_filter(f in any_filter()) {
        let printed = f.to_string();
        prop_assert_eq!(parse_filter(&printed).map_err(|e| e.detail), Ok(f), "printed: {}", printed);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in "[a-z()\\[\\]\" .:]{0,60}") {
        let _ = parse_filter(&s);
        let _ = parse_patch_path(&s);
    }
}

fn any_patch_path() -> BoxedStrategy<PatchPath> {
    let plain = attr_path(true).prop_map(|attr| PatchPath { attr, filter: None, sub: None });
    // A value filter follows an attribute (never a sub-attribute) and may be followed by one.
    let filtered = (attr_path(true), logic(attr_exp(false)), proptest::option::of(attr_name()))
        .prop_map(|(attr, f, sub)| PatchPath { attr: AttrPath { sub: None, ..attr }, filter: Some(f), sub });
    prop_oneof![plain, filtered].boxed()
}

proptest! {
    #[test]
    fn printing_then_parsing_a_patch_path_gives_back_the_same_path(path in any_patch_path()) {
        let printed = path.to_string();
        prop_assert_eq!(parse_patch_path(&printed).map_err(|e| e.detail), Ok(path), "printed: {}", printed);
    }

    #[test]
    fn parsing_arbitrary_unicode_never_panics_and_errors_are_typed(s in "\\PC{0,80}") {
        if let Err(e) = parse_filter(&s) {
            prop_assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
        }
        if let Err(e) = parse_patch_path(&s) {
            prop_assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
        }
    }
}
