//! The hostile-input table: each case is one request and the SCIM error it must get.

use reqwest::Method;
use serde_json::{json, Value};

use super::common::{ENTERPRISE, PATCH_OP};

/// Whose credentials a case presents.
#[derive(Clone, Debug)]
pub enum Auth {
    /// The source's own token.
    Token,
    /// No Authorization header.
    Missing,
    /// This exact Authorization header value.
    Header(String),
}

/// One hostile request and the answer it must get. In `path` and `body`, `{user}` and `{group}`
/// stand for the ids of a user and a group that exist (and must stay unchanged).
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub method: Method,
    /// Under the source's SCIM base, or from the server's root when `root` is set.
    pub path: String,
    pub root: bool,
    pub body: Option<Vec<u8>>,
    pub content_type: Option<&'static str>,
    pub auth: Auth,
    pub status: u16,
    pub scim_type: Option<&'static str>,
}

pub const SCIM: &str = "application/scim+json";

pub fn case(
    name: impl Into<String>,
    method: Method,
    path: impl Into<String>,
    status: u16,
    scim_type: Option<&'static str>,
) -> Case {
    Case {
        name: name.into(),
        method,
        path: path.into(),
        root: false,
        body: None,
        content_type: None,
        auth: Auth::Token,
        status,
        scim_type,
    }
}

impl Case {
    pub fn bytes(mut self, body: impl Into<Vec<u8>>) -> Case {
        self.body = Some(body.into());
        self.content_type.get_or_insert(SCIM);
        self
    }
    pub fn json(self, body: Value) -> Case {
        self.bytes(body.to_string())
    }
    pub fn content_type(mut self, ct: &'static str) -> Case {
        self.content_type = Some(ct);
        self
    }
    pub fn root(mut self) -> Case {
        self.root = true;
        self
    }
    pub fn auth(mut self, auth: Auth) -> Case {
        self.auth = auth;
        self
    }
}

const SYNTAX: Option<&str> = Some("invalidSyntax");
const VALUE: Option<&str> = Some("invalidValue");
const FILTER: Option<&str> = Some("invalidFilter");
const PATH: Option<&str> = Some("invalidPath");

fn user_with(key: &str, value: Value) -> Value {
    let mut u = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "intruder@contoso.com", "active": true});
    u[key] = value;
    u
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// Bodies that are not JSON, or not the JSON of a resource: 400 invalidSyntax.
pub fn malformed_bodies() -> Vec<Case> {
    let deep_arrays = "[".repeat(10_000) + &"]".repeat(10_000);
    let deep_objects = "{\"a\":".repeat(10_000) + "1" + &"}".repeat(10_000);
    let deep_in_user = format!(
        "{{\"userName\":\"deep@contoso.com\",\"name\":{}}}",
        "{\"a\":".repeat(10_000) + "1" + &"}".repeat(10_000)
    );
    let raw: Vec<(&str, Vec<u8>)> = vec![
        ("empty body", b"".to_vec()),
        ("only whitespace", b"  \n\t ".to_vec()),
        ("a lone brace", b"{".to_vec()),
        ("truncated after a key", b"{\"userName\": \"trunc@contoso.com\"".to_vec()),
        ("truncated inside a string", b"{\"userName\": \"trunc@cont".to_vec()),
        ("truncated inside an array", b"{\"userName\": \"t@c.com\", \"emails\": [{\"value\": \"t@c.com\"}".to_vec()),
        ("trailing comma", b"{\"userName\": \"comma@contoso.com\",}".to_vec()),
        ("missing comma", b"{\"userName\": \"a@b.c\" \"active\": true}".to_vec()),
        ("single quotes", b"{'userName': 'quote@contoso.com'}".to_vec()),
        ("unquoted key", b"{userName: \"bare@contoso.com\"}".to_vec()),
        ("garbage after the object", b"{\"userName\": \"after@contoso.com\"} trailing".to_vec()),
        ("two objects", b"{\"userName\": \"a@b.c\"}{\"userName\": \"d@e.f\"}".to_vec()),
        ("bad escape", b"{\"userName\": \"bad\\xescape\"}".to_vec()),
        ("lone surrogate escape", b"{\"userName\": \"\\ud800@contoso.com\"}".to_vec()),
        ("invalid UTF-8 in a string", b"{\"userName\": \"\xff\xfe@contoso.com\"}".to_vec()),
        ("overlong UTF-8 encoding", b"{\"userName\": \"\xc0\xaf@contoso.com\"}".to_vec()),
        ("invalid UTF-8 outside strings", b"\xff{\"userName\": \"x@contoso.com\"}".to_vec()),
        ("raw NUL in a string", b"{\"userName\": \"nul\x00@contoso.com\"}".to_vec()),
        ("raw control character in a string", b"{\"userName\": \"ctl\x01\x1b@contoso.com\"}".to_vec()),
        ("raw newline in a string", b"{\"userName\": \"line\nbreak@contoso.com\"}".to_vec()),
        ("NUL bytes only", vec![0u8; 64]),
        ("NaN literal", b"{\"userName\": \"nan@contoso.com\", \"x\": NaN}".to_vec()),
        ("comment", b"{\"userName\": \"c@contoso.com\" /* hi */}".to_vec()),
        ("arrays nested 10,000 deep", deep_arrays.into_bytes()),
        ("objects nested 10,000 deep", deep_objects.into_bytes()),
        ("a user holding objects nested 10,000 deep", deep_in_user.into_bytes()),
        ("a JSON string", b"\"intruder@contoso.com\"".to_vec()),
        ("a JSON number", b"42".to_vec()),
        ("JSON null", b"null".to_vec()),
        ("a JSON array", b"[{\"userName\": \"arr@contoso.com\"}]".to_vec()),
        ("JSON true", b"true".to_vec()),
    ];
    let mut cases: Vec<Case> = raw
        .into_iter()
        .map(|(name, body)| case(format!("POST /Users: {name}"), Method::POST, "/Users", 400, SYNTAX).bytes(body))
        .collect();
    cases
        .push(case("POST /Groups: truncated", Method::POST, "/Groups", 400, SYNTAX).bytes("{\"displayName\": \"Trunc"));
    cases.push(case("PUT /Users/{id}: truncated", Method::PUT, "/Users/{user}", 400, SYNTAX).bytes("{\"userName\":"));
    cases.push(case("PUT /Groups/{id}: a JSON array", Method::PUT, "/Groups/{group}", 400, SYNTAX).bytes("[]"));
    cases.push(
        case("PATCH /Users/{id}: truncated", Method::PATCH, "/Users/{user}", 400, SYNTAX)
            .bytes("{\"schemas\": [\"urn:"),
    );
    cases.push(
        case("PATCH /Groups/{id}: invalid UTF-8", Method::PATCH, "/Groups/{group}", 400, SYNTAX)
            .bytes(b"{\"schemas\": \"\xff\"}".to_vec()),
    );
    cases.push(
        case("PATCH /Groups/{id}: nested 10,000 deep", Method::PATCH, "/Groups/{group}", 400, SYNTAX)
            .bytes("[".repeat(10_000)),
    );
    cases
}

/// Well-formed JSON whose attributes have the wrong type or shape: 400 invalidValue.
pub fn wrong_types() -> Vec<Case> {
    let post =
        |name: &str, body: Value| case(format!("POST /Users: {name}"), Method::POST, "/Users", 400, VALUE).json(body);
    let many_emails: Vec<Value> = (0..10_001).map(|i| json!({"value": format!("e{i}@x.io")})).collect();
    let many_roles: Vec<Value> = (0..10_001).map(|i| json!({"value": i.to_string()})).collect();
    let mut cases = vec![
        post("userName is a number", user_with("userName", json!(42))),
        post("userName is an array", user_with("userName", json!(["a@contoso.com"]))),
        post("userName is an object", user_with("userName", json!({"value": "a@contoso.com"}))),
        post("userName is a boolean", user_with("userName", json!(true))),
        post("userName is null", user_with("userName", Value::Null)),
        post("userName is empty", user_with("userName", json!(""))),
        post("userName is missing", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "active": true})),
        post("userName is 70 KB long", user_with("userName", json!("u".repeat(70 * 1024)))),
        post("active is \"maybe\"", user_with("active", json!("maybe"))),
        post("active is a number", user_with("active", json!(1))),
        post("active is an array", user_with("active", json!([true]))),
        post("active is an object", user_with("active", json!({"value": true}))),
        post("emails is a string", user_with("emails", json!("a@contoso.com"))),
        post("emails is an array of strings", user_with("emails", json!(["a@contoso.com"]))),
        post("emails value is a boolean", user_with("emails", json!([{"value": true}]))),
        post(
            "emails primary is \"sometimes\"",
            user_with("emails", json!([{"value": "a@b.c", "primary": "sometimes"}])),
        ),
        post("name is a string", user_with("name", json!("Alice Smith"))),
        post("name.givenName is an array", user_with("name", json!({"givenName": ["Alice"]}))),
        post("displayName is an object", user_with("displayName", json!({"text": "x"}))),
        post("addresses is a number", user_with("addresses", json!(12))),
        post("phoneNumbers value is an array", user_with("phoneNumbers", json!([{"value": ["+1"]}]))),
        post("schemas is a number", user_with("schemas", json!(5))),
        post("schemas holds a number", user_with("schemas", json!([5]))),
        post("the enterprise extension is a string", user_with(ENTERPRISE, json!("Sales"))),
        post("manager is a boolean", user_with(ENTERPRISE, json!({"manager": true}))),
        post("employeeNumber is an object", user_with(ENTERPRISE, json!({"employeeNumber": {"n": 1}}))),
        post("10,001 emails", user_with("emails", Value::Array(many_emails))),
        post("10,001 roles", user_with("roles", Value::Array(many_roles))),
    ];
    let group =
        |name: &str, body: Value| case(format!("POST /Groups: {name}"), Method::POST, "/Groups", 400, VALUE).json(body);
    cases.extend([
        group("members is an object with no value", json!({"displayName": "G1", "members": {"display": "x"}})),
        group("members is a string", json!({"displayName": "G2", "members": "{user}"})),
        group("member value is a number", json!({"displayName": "G3", "members": [{"value": 5}]})),
        group("member value is empty", json!({"displayName": "G4", "members": [{"value": ""}]})),
        group("member is a bare string", json!({"displayName": "G5", "members": ["{user}"]})),
        group("member does not exist", json!({"displayName": "G6", "members": [{"value": "no-such-id"}]})),
        group("member id is SQL", json!({"displayName": "G7", "members": [{"value": "' OR 1=1 --"}]})),
        group("displayName is missing", json!({"members": []})),
        group("displayName is a number", json!({"displayName": 7})),
        group("displayName is an array", json!({"displayName": ["Sales"]})),
    ]);
    cases.push(
        case("PUT /Users/{id}: userName is a number", Method::PUT, "/Users/{user}", 400, VALUE)
            .json(user_with("userName", json!(1))),
    );
    cases.push(
        case("PUT /Groups/{id}: members is an object with no value", Method::PUT, "/Groups/{group}", 400, VALUE)
            .json(json!({"displayName": "Victims", "members": {"type": "User"}})),
    );
    cases
}

/// PatchOp requests that must be refused whole: unknown ops, bad paths, wrong values.
pub fn bad_patches() -> Vec<Case> {
    let u = |name: &str, body: Value, status: u16, t: Option<&'static str>| {
        case(format!("PATCH /Users/{{id}}: {name}"), Method::PATCH, "/Users/{user}", status, t).json(body)
    };
    let g = |name: &str, body: Value, status: u16, t: Option<&'static str>| {
        case(format!("PATCH /Groups/{{id}}: {name}"), Method::PATCH, "/Groups/{group}", status, t).json(body)
    };
    let ops_1001: Vec<Value> =
        (0..1001).map(|i| json!({"op": "replace", "path": "title", "value": i.to_string()})).collect();
    let nested_path = "emails[".repeat(100) + &"]".repeat(100);
    vec![
        u("no schemas", json!({"Operations": [{"op": "replace", "path": "title", "value": "x"}]}), 400, SYNTAX),
        u(
            "schemas of a User",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": []}),
            400,
            VALUE,
        ),
        u("Operations is an object", json!({"schemas": [PATCH_OP], "Operations": {"op": "add"}}), 400, SYNTAX),
        u("Operations is empty", patch(json!([])), 400, VALUE),
        u("1,001 operations", patch(Value::Array(ops_1001)), 400, VALUE),
        u("an operation that is a string", patch(json!(["replace title"])), 400, SYNTAX),
        u(
            "unknown op \"frobnicate\"",
            patch(json!([{"op": "frobnicate", "path": "title", "value": "x"}])),
            400,
            SYNTAX,
        ),
        u("unknown op \"move\"", patch(json!([{"op": "move", "from": "title", "path": "nickName"}])), 400, SYNTAX),
        u("op is a number", patch(json!([{"op": 1, "path": "title", "value": "x"}])), 400, SYNTAX),
        u("op is missing", patch(json!([{"path": "title", "value": "x"}])), 400, SYNTAX),
        u("path is a number", patch(json!([{"op": "replace", "path": 5, "value": "x"}])), 400, PATH),
        u(
            "path with an unclosed filter",
            patch(json!([{"op": "replace", "path": "emails[type eq \"work\"", "value": "x"}])),
            400,
            PATH,
        ),
        u(
            "path with a filter missing its value",
            patch(json!([{"op": "replace", "path": "emails[type eq].value", "value": "x"}])),
            400,
            PATH,
        ),
        u("path of 5,000 bytes", patch(json!([{"op": "replace", "path": "a".repeat(5000), "value": "x"}])), 400, PATH),
        u("path nested 100 deep", patch(json!([{"op": "replace", "path": nested_path, "value": "x"}])), 400, PATH),
        u("path with SQL", patch(json!([{"op": "replace", "path": "title' OR 1=1 --", "value": "x"}])), 400, PATH),
        u(
            "path with a control character",
            patch(json!([{"op": "replace", "path": "ti\u{1}tle", "value": "x"}])),
            400,
            PATH,
        ),
        u(
            "value filter on single-valued userName",
            patch(json!([{"op": "replace", "path": "userName[value eq \"x\"]", "value": "y"}])),
            400,
            PATH,
        ),
        u(
            "value filter on single-valued active",
            patch(json!([{"op": "replace", "path": "active[value eq true]", "value": false}])),
            400,
            PATH,
        ),
        u(
            "value filter on complex single-valued name",
            patch(json!([{"op": "replace", "path": "name[givenName eq \"Vic\"].familyName", "value": "y"}])),
            400,
            PATH,
        ),
        u("remove without a path", patch(json!([{"op": "remove"}])), 400, Some("noTarget")),
        u(
            "replace userName with a number",
            patch(json!([{"op": "replace", "path": "userName", "value": 42}])),
            400,
            VALUE,
        ),
        u(
            "replace active with \"maybe\"",
            patch(json!([{"op": "replace", "path": "active", "value": "maybe"}])),
            400,
            VALUE,
        ),
        u(
            "replace emails with a string",
            patch(json!([{"op": "replace", "path": "emails", "value": "a@b.c"}])),
            400,
            VALUE,
        ),
        u("remove the required userName", patch(json!([{"op": "remove", "path": "userName"}])), 400, VALUE),
        u(
            "a valid op, then an unknown op",
            patch(json!([{"op": "replace", "path": "title", "value": "HALF"}, {"op": "explode"}])),
            400,
            SYNTAX,
        ),
        u(
            "a valid op, then a bad value",
            patch(
                json!([{"op": "replace", "path": "displayName", "value": "HALF"}, {"op": "replace", "path": "active", "value": "maybe"}]),
            ),
            400,
            VALUE,
        ),
        u("pathless add of a userName array", patch(json!([{"op": "add", "value": {"userName": ["x"]}}])), 400, VALUE),
        g(
            "add members as an object with no value",
            patch(json!([{"op": "Add", "path": "members", "value": {"display": "x"}}])),
            400,
            VALUE,
        ),
        g(
            "add members as a string naming nobody",
            patch(json!([{"op": "Add", "path": "members", "value": "ghost"}])),
            400,
            VALUE,
        ),
        g("add members as a number", patch(json!([{"op": "Add", "path": "members", "value": 17}])), 400, VALUE),
        g(
            "add a member that does not exist",
            patch(json!([{"op": "Add", "path": "members", "value": [{"value": "ghost"}]}])),
            400,
            VALUE,
        ),
        g(
            "add the group to itself",
            patch(json!([{"op": "Add", "path": "members", "value": [{"value": "{group}"}]}])),
            400,
            VALUE,
        ),
        g(
            "remove members with a broken filter",
            patch(json!([{"op": "Remove", "path": "members[value eq ]"}])),
            400,
            PATH,
        ),
        g(
            "replace on a filtered members path",
            patch(json!([{"op": "Replace", "path": "members[value eq \"{user}\"]", "value": [{"value": "{user}"}]}])),
            400,
            PATH,
        ),
        g(
            "a members sub-attribute path",
            patch(json!([{"op": "Replace", "path": "members.display", "value": "x"}])),
            400,
            PATH,
        ),
        g(
            "rename to a number, after removing everyone",
            patch(json!([{"op": "Remove", "path": "members"}, {"op": "Replace", "path": "displayName", "value": 9}])),
            400,
            VALUE,
        ),
        g("unknown op", patch(json!([{"op": "merge", "path": "members", "value": []}])), 400, SYNTAX),
    ]
}

/// Lists with filters and paging parameters that cannot be honoured.
pub fn bad_queries() -> Vec<Case> {
    let list = |name: &str, query: String, t: Option<&'static str>| {
        case(format!("GET /Users?{name}"), Method::GET, format!("/Users?{query}"), 400, t)
    };
    let f = |name: &str, filter: &str| {
        list(&format!("filter {name}"), format!("filter={}", super::common::url_encode(filter)), FILTER)
    };
    let long = format!("userName eq \"{}\"", "a".repeat(5000));
    let parens = "(".repeat(100) + "userName eq \"a\"" + &")".repeat(100);
    let parens_10k = "(".repeat(10_000) + "userName eq \"a\"" + &")".repeat(10_000);
    let nots = "not (".repeat(100) + "active eq true" + &")".repeat(100);
    let brackets = "emails[".repeat(70) + "value eq \"a\"" + &"]".repeat(70);
    let mut cases = vec![
        f("missing its value", "userName eq"),
        f("with an unknown operator", "userName zz \"a\""),
        f("with an unbalanced parenthesis", "(userName eq \"a\""),
        f("with a stray closing parenthesis", "userName eq \"a\")"),
        f("with single quotes", "userName eq 'a'"),
        f("with an unterminated string", "userName eq \"a"),
        f("that is SQL", "' OR 1=1 --"),
        f("with SQL after it", "userName eq \"a\" OR 1=1 --"),
        f("with a semicolon statement", "userName eq \"a\"; DROP TABLE users"),
        f("with a bare word value", "userName eq alice"),
        f("with an unclosed value filter", "emails[type eq \"work\""),
        f("with a nested value filter", "emails[type[value eq \"a\"] eq \"b\"]"),
        f("of 5,000 bytes", &long),
        f("nested 100 parentheses deep", &parens),
        f("nested 70 brackets deep", &brackets),
        f("of 100 nested nots", &nots),
        f("with a control character", "userName eq \"a\"\u{1}"),
        f("that is only an operator", "eq"),
        f("with and but no right side", "userName eq \"a\" and"),
    ];
    // 10,000 parentheses are 20 KB: past the length limit as well as the depth limit.
    cases.push(list(
        "filter nested 10,000 parentheses deep",
        format!("filter={}", super::common::url_encode(&parens_10k)),
        FILTER,
    ));
    for (name, query) in [
        ("startIndex not a number", "startIndex=abc"),
        ("startIndex a fraction", "startIndex=1.5"),
        ("startIndex in hex", "startIndex=0x10"),
        ("count not a number", "count=ten"),
        ("count a fraction", "count=2.5"),
        ("count with SQL", "count=1;DROP%20TABLE%20users"),
        ("sortOrder sideways", "sortOrder=sideways"),
        ("sortBy not an attribute", "sortBy=%27%20OR%201=1"),
        ("attributes with SQL", "attributes=userName,%27%20OR%201=1--"),
        ("excludedAttributes with spaces inside", "excludedAttributes=user%20Name"),
    ] {
        cases.push(list(name, query.to_string(), VALUE));
    }
    cases
}
