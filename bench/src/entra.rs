//! Request bodies in the shapes Microsoft Entra ID sends (docs/ENTRA.md): the default attribute
//! mappings on create, multi-op PATCHes on update, member adds as `{"$ref":null,"value":id}`.
//! Every value generated here is plain ASCII without quotes or backslashes, so `format!` is safe JSON.

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const DEPARTMENTS: [&str; 6] = ["Sales", "Engineering", "Finance", "Legal", "Support", "Marketing"];
const CITIES: [(&str, &str, &str); 4] =
    [("Redmond", "WA", "98052"), ("Seattle", "WA", "98101"), ("Dublin", "D", "D02"), ("Munich", "BY", "80331")];

/// The userName of bench user `i` in run `run` (unique across runs against a shared server).
pub fn user_name(run: &str, i: u64) -> String {
    format!("bench.{run}.{i}@contoso.example")
}

/// POST /Users as Entra sends it: default mappings plus the enterprise extension, `meta` and `roles: []`.
pub fn create_user(run: &str, i: u64) -> String {
    let user_name = user_name(run, i);
    let given = format!("Given{i}");
    let family = format!("Family{run}");
    let (city, region, postal) = CITIES[(i % CITIES.len() as u64) as usize];
    let department = DEPARTMENTS[(i % DEPARTMENTS.len() as u64) as usize];
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","{ENTERPRISE}"],
"externalId":"ext-{run}-{i}","userName":"{user_name}","active":true,
"addresses":[{{"type":"work","formatted":"{i} Main Street, {city}, {region} {postal}","streetAddress":"{i} Main Street","locality":"{city}","region":"{region}","postalCode":"{postal}","country":"US","primary":true}}],
"displayName":"{given} {family}",
"emails":[{{"primary":true,"type":"work","value":"{user_name}"}}],
"meta":{{"resourceType":"User"}},
"name":{{"formatted":"{given} {family}","familyName":"{family}","givenName":"{given}"}},
"phoneNumbers":[{{"type":"work","value":"+1 425 555 {w:04}"}},{{"type":"mobile","value":"+1 206 555 {w:04}"}},{{"type":"fax","value":"+1 425 555 9{f:03}"}}],
"preferredLanguage":"en-US","roles":[],"title":"Engineer {lvl}",
"{ENTERPRISE}":{{"employeeNumber":"{i}","department":"{department}"}}}}"#,
        w = i % 10_000,
        f = i % 1_000,
        lvl = i % 5 + 1,
    )
}

/// PATCH /Users/{id} as Entra updates: four request kinds in turn, several ops per request, with
/// `active` both as Entra's legacy string and as a boolean. `manager_id` is another user's id.
pub fn update_user(i: u64, manager_id: &str) -> String {
    let ops = match i % 4 {
        0 => format!(
            r#"{{"op":"Replace","path":"displayName","value":"Renamed {i}"}},{{"op":"Replace","path":"title","value":"Lead {i}"}}"#
        ),
        1 => r#"{"op":"Replace","path":"active","value":"False"}"#.to_string(),
        2 => r#"{"op":"Replace","path":"active","value":true}"#.to_string(),
        _ => format!(
            r#"{{"op":"Replace","path":"name.familyName","value":"Moved{i}"}},{{"op":"Replace","path":"addresses[type eq \"work\"].locality","value":"Bellevue"}},{{"op":"Add","path":"{ENTERPRISE}:manager","value":"{manager_id}"}}"#
        ),
    };
    format!(r#"{{"schemas":["{PATCH_OP}"],"Operations":[{ops}]}}"#)
}

/// POST /Groups as Entra creates them: no members.
pub fn create_group(name: &str) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"ext-{name}","displayName":"{name}","meta":{{"resourceType":"Group"}},"members":[]}}"#
    )
}

/// PATCH /Groups/{id} adding `member_ids` in one `Add members` op.
pub fn add_members<'a>(member_ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut values = String::new();
    for id in member_ids {
        if !values.is_empty() {
            values.push(',');
        }
        values.push_str(r#"{"$ref":null,"value":""#);
        values.push_str(id);
        values.push_str(r#""}"#);
    }
    format!(r#"{{"schemas":["{PATCH_OP}"],"Operations":[{{"op":"Add","path":"members","value":[{values}]}}]}}"#)
}

/// The filter query Entra uses to match a user, percent-encoded.
pub fn user_name_filter(user_name: &str) -> String {
    format!("/Users?filter=userName%20eq%20%22{}%22", user_name.replace('@', "%40"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_body_is_valid_json() {
        for i in 0..8 {
            let user: serde_json::Value = serde_json::from_str(&create_user("r1", i)).unwrap();
            assert_eq!(user["userName"], user_name("r1", i));
            assert_eq!(user[ENTERPRISE]["employeeNumber"], i.to_string());
            serde_json::from_str::<serde_json::Value>(&update_user(i, "abc")).unwrap();
        }
        serde_json::from_str::<serde_json::Value>(&create_group("g1")).unwrap();
        let add: serde_json::Value = serde_json::from_str(&add_members(["a", "b"])).unwrap();
        assert_eq!(add["Operations"][0]["value"][1]["value"], "b");
    }
}
