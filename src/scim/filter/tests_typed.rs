//! Comparisons by attribute type: dateTime as instants, numbers as numbers, booleans as
//! booleans, text by each attribute's `caseExact`.

use serde_json::{json, Value};

use super::super::ResourceKind;
use super::parse_filter;

fn user_matches(filter: &str, doc: &Value) -> bool {
    parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {}", e.detail)).matches(doc, ResourceKind::User)
}

fn user() -> Value {
    json!({
        "id": "2819c223",
        "userName": "Bjensen",
        "externalId": "Ext-1",
        "active": false,
        "meta": {"created": "2026-01-10T08:00:00Z", "lastModified": "2026-03-01T12:00:00.250Z"},
        "urn:example:custom:1.0:User": {"level": 7, "badge": "42"}
    })
}

#[test]
fn date_times_compare_as_instants_not_as_text() {
    let doc = user();
    // The same instant written with another offset.
    assert!(user_matches(r#"meta.created eq "2026-01-10T09:00:00+01:00""#, &doc));
    // As text "2026-01-10T08:00:00.5Z" sorts after "...08:00:00Z"; as an instant it is later too,
    // but "07:59:59-01:00" is after 08:00Z as an instant and before it as text.
    assert!(user_matches(r#"meta.created lt "2026-01-10T07:59:59-01:00""#, &doc));
    assert!(!user_matches(r#"meta.created gt "2026-01-10T07:59:59-01:00""#, &doc));
    assert!(user_matches(r#"meta.lastModified gt "2026-03-01T12:00:00Z""#, &doc));
    assert!(user_matches(r#"meta.lastModified ge "2026-03-01T12:00:00.25Z""#, &doc));
    assert!(user_matches(r#"meta.lastModified le "2026-03-01T12:00:00.250Z""#, &doc));
}

#[test]
fn numbers_compare_as_numbers() {
    let doc = user();
    assert!(user_matches(r#"urn:example:custom:1.0:User:level eq 7"#, &doc));
    assert!(user_matches(r#"urn:example:custom:1.0:User:level eq 7.0"#, &doc));
    assert!(user_matches(r#"urn:example:custom:1.0:User:level gt 10e-1"#, &doc));
    assert!(!user_matches(r#"urn:example:custom:1.0:User:level lt 7"#, &doc));
    // A number sent as text by the client still compares as a number (9 < 42, though "9" > "42").
    assert!(user_matches(r#"urn:example:custom:1.0:User:badge gt 9"#, &doc));
}

#[test]
fn booleans_compare_as_booleans() {
    let doc = user();
    assert!(user_matches("active eq false", &doc));
    assert!(!user_matches("active eq true", &doc));
    assert!(user_matches("active ne true", &doc));
    // Booleans have no order: such a filter is refused before it is evaluated.
    for filter in ["active gt true", "emails[primary lt false]", "not (x509Certificates.value ge \"AA\")"] {
        let refused = parse_filter(filter).unwrap().check_orderable(ResourceKind::User).unwrap_err();
        assert_eq!(refused.scim_type, Some(crate::scim::ScimType::InvalidFilter), "{filter}");
    }
    assert!(parse_filter("meta.created gt \"2026-01-01T00:00:00Z\"")
        .unwrap()
        .check_orderable(ResourceKind::User)
        .is_ok());
}

#[test]
fn co_sw_ew_eq_follow_case_exact() {
    let doc = user();
    // userName: caseExact false.
    for filter in [r#"userName eq "BJENSEN""#, r#"userName sw "bj""#, r#"userName ew "SEN""#, r#"userName co "JEN""#] {
        assert!(user_matches(filter, &doc), "{filter}");
    }
    // externalId and id: caseExact true.
    for filter in [r#"externalId eq "ext-1""#, r#"externalId sw "ext""#, r#"id ew "C223""#, r#"id co "C2""#] {
        assert!(!user_matches(filter, &doc), "{filter}");
    }
    for filter in [r#"externalId eq "Ext-1""#, r#"externalId sw "Ext""#, r#"id ew "c223""#] {
        assert!(user_matches(filter, &doc), "{filter}");
    }
}
