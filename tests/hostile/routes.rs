//! Hostile URLs, content types, methods and credentials.

use reqwest::Method;
use serde_json::json;

use super::catalogue::{case, Auth, Case};

/// Ids and slugs with path traversal, quotes, SQL and bytes that are not UTF-8: never a match.
pub fn hostile_ids() -> Vec<Case> {
    let ids = [
        ("path traversal", "..%2F..%2Fetc%2Fpasswd"),
        ("encoded dots", "%2e%2e"),
        ("double-encoded traversal", "..%252F..%252Fetc"),
        ("backslash traversal", "..%5C..%5Cwindows"),
        ("SQL", "%27%20OR%201=1%20--"),
        ("SQL union", "x%27%20UNION%20SELECT%20doc%20FROM%20users--"),
        ("a double quote", "%22"),
        ("a NUL byte", "%00"),
        ("bytes that are not UTF-8", "%FF%FE"),
        ("a control character", "%01%1B"),
        ("the user's id with a suffix", "{user}%00"),
        ("a wildcard", "%25"),
        ("10,000 characters", "i"),
    ];
    let mut cases = Vec::new();
    for (name, id) in ids {
        let id = if name == "10,000 characters" { "i".repeat(10_000) } else { id.to_string() };
        // A segment that does not decode to UTF-8 is a malformed URL (400), not an unknown id.
        let status = if id.contains("%FF") { 400 } else { 404 };
        cases.push(case(format!("GET /Users/<{name}>"), Method::GET, format!("/Users/{id}"), status, None));
        cases.push(case(format!("DELETE /Groups/<{name}>"), Method::DELETE, format!("/Groups/{id}"), status, None));
    }
    let body = json!({"schemas": [super::common::PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "pwned"}]});
    cases.push(
        case("PATCH /Users/<SQL>", Method::PATCH, "/Users/%27%20OR%20%271%27=%271", 404, None).json(body.clone()),
    );
    cases.push(
        case("PUT /Users/<traversal>", Method::PUT, "/Users/..%2F..%2Fetc", 404, None)
            .json(json!({"userName": "t@x.io"})),
    );
    cases.push(case("DELETE /Users/<SQL>", Method::DELETE, "/Users/%27%20OR%201=1%20--", 404, None));
    cases.push(case("PATCH /Groups/<NUL>", Method::PATCH, "/Groups/%00", 404, None).json(body));
    let slugs = [
        ("a traversal slug", "..%2F..%2Fetc"),
        ("a slug with SQL", "entra%27%20OR%201=1--"),
        ("a slug of encoded dots", "%2e%2e"),
        ("a slug with a NUL", "entra%00"),
        ("a slug that is not UTF-8", "%FF"),
        ("the slug in upper case", "ENTRA"),
        ("an empty slug", ""),
    ];
    for (name, slug) in slugs {
        let status = if slug.contains("%FF") { 400 } else { 404 };
        cases.push(
            case(format!("GET {name}"), Method::GET, format!("/source/scim/{slug}/v2/Users"), status, None).root(),
        );
    }
    cases.push(
        case(
            "traversal out of the SCIM base",
            Method::GET,
            "/source/scim/entra/v2/..%2F..%2F..%2Fetc%2Fpasswd",
            404,
            None,
        )
        .root(),
    );
    cases
}

/// Bodies that are not JSON by their content type: 415, and nothing read.
pub fn wrong_content_types() -> Vec<Case> {
    let user = json!({"userName": "typed@contoso.com"}).to_string();
    let patch =
        json!({"schemas": [super::common::PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "x"}]})
            .to_string();
    vec![
        case("POST /Users as text/plain", Method::POST, "/Users", 415, None)
            .bytes(user.clone())
            .content_type("text/plain"),
        case("POST /Users as application/xml", Method::POST, "/Users", 415, None)
            .bytes("<user><userName>x</userName></user>")
            .content_type("application/xml"),
        case("POST /Users as a form", Method::POST, "/Users", 415, None)
            .bytes("userName=form%40contoso.com")
            .content_type("application/x-www-form-urlencoded"),
        case("POST /Users as multipart", Method::POST, "/Users", 415, None)
            .bytes(user.clone())
            .content_type("multipart/form-data; boundary=x"),
        case("POST /Groups as text/html", Method::POST, "/Groups", 415, None)
            .bytes("{\"displayName\":\"H\"}")
            .content_type("text/html"),
        case("PUT /Users/{id} as text/plain", Method::PUT, "/Users/{user}", 415, None)
            .bytes(user)
            .content_type("text/plain"),
        case("PATCH /Users/{id} as text/plain", Method::PATCH, "/Users/{user}", 415, None)
            .bytes(patch.clone())
            .content_type("text/plain"),
        case("PATCH /Groups/{id} as octet-stream", Method::PATCH, "/Groups/{group}", 415, None)
            .bytes(patch)
            .content_type("application/octet-stream"),
    ]
}

/// Methods a route does not have: 405 in the SCIM format.
pub fn wrong_methods() -> Vec<Case> {
    [
        (Method::DELETE, "/Users"),
        (Method::PUT, "/Users"),
        (Method::PATCH, "/Users"),
        (Method::DELETE, "/Groups"),
        (Method::POST, "/Users/{user}"),
        (Method::POST, "/Groups/{group}"),
        (Method::PUT, "/ServiceProviderConfig"),
        (Method::POST, "/ServiceProviderConfig"),
        (Method::DELETE, "/ServiceProviderConfig"),
        (Method::POST, "/Schemas"),
        (Method::PATCH, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
        (Method::DELETE, "/ResourceTypes"),
        (Method::POST, "/ResourceTypes/User"),
        (Method::TRACE, "/Users"),
        (Method::OPTIONS, "/Users/{user}"),
    ]
    .into_iter()
    .map(|(m, p)| {
        let body_json = matches!(m, Method::PUT | Method::POST | Method::PATCH);
        let c = case(format!("{m} {p}"), m, p, 405, None);
        if body_json {
            c.json(json!({"userName": "method@contoso.com", "displayName": "M"}))
        } else {
            c
        }
    })
    .collect()
}

/// Requests without the right token: 401 with no hint of what exists.
pub fn bad_credentials() -> Vec<Case> {
    let hex64 = "0".repeat(64);
    let wrong = [
        ("no Authorization header", Auth::Missing),
        ("a wrong token", Auth::Header(format!("Bearer scimdesk_{hex64}"))),
        ("Basic instead of Bearer", Auth::Header("Basic YWRtaW46YWRtaW4=".into())),
        ("Bearer with no token", Auth::Header("Bearer ".into())),
        ("a token that is SQL", Auth::Header("Bearer ' OR 1=1 --".into())),
        ("a 10 KB token", Auth::Header(format!("Bearer scimdesk_{}", "f".repeat(10_000)))),
        ("the token's prefix only", Auth::Header("Bearer scimdesk_".into())),
    ];
    let mut cases = Vec::new();
    for (name, auth) in wrong {
        cases.push(case(format!("GET /Users with {name}"), Method::GET, "/Users", 401, None).auth(auth.clone()));
        cases.push(
            case(format!("POST /Users with {name}"), Method::POST, "/Users", 401, None)
                .auth(auth)
                .json(json!({"userName": "noauth@contoso.com"})),
        );
    }
    cases
        .push(case("DELETE /Users/{id} with no token", Method::DELETE, "/Users/{user}", 401, None).auth(Auth::Missing));
    cases
}

/// Paths outside the SCIM base: the SCIM port serves nothing else.
pub fn not_scim() -> Vec<Case> {
    [
        "/",
        "/index.html",
        "/api",
        "/api/sources",
        "/source/scim/entra",
        "/source/scim/entra/v2",
        "/source/scim/entra/v3/Users",
        "/.env",
        "/metrics",
    ]
    .into_iter()
    .map(|p| case(format!("GET {p}"), Method::GET, p, 404, None).root())
    .collect()
}
