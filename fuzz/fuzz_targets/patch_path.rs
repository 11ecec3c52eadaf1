//! The PATCH path parser, and a whole PATCH applied to a user, on arbitrary input: never a panic;
//! an accepted path prints to one that parses back the same; a refused PATCH changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimdesk::scim::filter::{parse_patch_path, MAX_FILTER_LEN};
use scimdesk::scim::patch::{apply, parse_patch_request, plan};
use scimdesk::scim::{resource, ResourceKind};
use serde_json::{json, Value};

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "alice@contoso.com", "active": true, "displayName": "Alice",
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "emails": [{"type": "work", "value": "alice@contoso.com", "primary": true}],
        "addresses": [{"type": "work", "locality": "Seattle"}]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(path) = parse_patch_path(text) {
        let printed = path.to_string();
        // Past the length limit the printed form is refused by design (printing may lengthen it).
        if printed.len() <= MAX_FILTER_LEN {
            let again = parse_patch_path(&printed).unwrap_or_else(|e| panic!("{printed:?} (from {text:?}) does not parse back: {}", e.detail));
            assert_eq!(again, path, "printed {printed:?} from {text:?}");
        }
    }
    // The same text as the path of each kind of operation, with a few kinds of value.
    for op in ["add", "replace", "remove"] {
        for value in [json!("x"), json!(true), json!([{"value": "v", "type": "work"}]), json!({"givenName": "B"})] {
            let body = json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": op, "path": text, "value": value}]
            });
            let Ok(ops) = parse_patch_request(&body) else { continue };
            let mut doc = user();
            match apply(&mut doc, ResourceKind::User, &ops) {
                Ok(()) => {
                    let _ = resource::normalize(ResourceKind::User, doc);
                }
                Err(_) => assert_eq!(doc, user(), "a refused PATCH changed the document"),
            }
            let _ = plan(ResourceKind::Group, ops);
        }
    }
});
